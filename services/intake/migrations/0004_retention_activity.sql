-- Retention (ADR 0026): a registration's period counts from the person's last activity. When an
-- older screening or an ended consent is destroyed before the registration, the latest moment it
-- stood for is kept here, so destroying it never makes the registration look older than it is.
ALTER TABLE beneficiaries ADD COLUMN retained_activity_at timestamptz;
