-- The screening sections some data contracts require (protection, GBV, child protection, health,
-- MHPSS, financial, education, legal document), each the encoded proto message
-- (kopru.referral.v1.<Name>Section, kopru.intake.v1.LegalDocument) as for household; NULL when not
-- screened. The latest screening fills the package sections of the same name. GBV and child
-- protection are returned only to staff with the protection-restricted role.
ALTER TABLE screenings
  ADD COLUMN protection bytea,
  ADD COLUMN gbv bytea,
  ADD COLUMN child_protection bytea,
  ADD COLUMN health bytea,
  ADD COLUMN mhpss bytea,
  ADD COLUMN financial bytea,
  ADD COLUMN education bytea,
  ADD COLUMN legal_document bytea;
