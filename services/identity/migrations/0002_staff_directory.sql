-- The staff directory: where a staff member is told things (their work email) and whether the
-- account is in use. A deactivated account cannot log in or refresh, and services stop addressing it.

ALTER TABLE staff_users ADD COLUMN email text;
ALTER TABLE staff_users ADD COLUMN active boolean NOT NULL DEFAULT true;
CREATE INDEX staff_users_organisation ON staff_users (organisation_id, username);
