-- Structured safe-contact windows beside the free-text safe_times: kopru.referral.v1.SafeContactWindow
-- as JSON, e.g. [{"days": [1, 2, 3, 4, 5], "startMinute": 600, "endMinute": 720}] (Europe/Istanbul).
-- contact_version counts the changes of the person's contact details made by UpdateContactDetails;
-- ContactDetailsUpdated carries it so a holder never lets an older copy overwrite a newer one.
ALTER TABLE beneficiaries
  ADD COLUMN safe_contact_windows jsonb NOT NULL DEFAULT '[]'::jsonb,
  ADD COLUMN contact_version bigint NOT NULL DEFAULT 0;

-- Every UpdateContactDetails applied (the new details are on the beneficiary): the version it made
-- and the holders told, so a retry with the same request_id answers the same and sends nothing.
CREATE TABLE contact_updates (
  update_id uuid PRIMARY KEY,
  beneficiary_id uuid NOT NULL REFERENCES beneficiaries (beneficiary_id),
  organisation_id text NOT NULL,
  version bigint NOT NULL,
  notified_organisation_ids text[] NOT NULL DEFAULT '{}',
  at timestamptz NOT NULL
);
CREATE INDEX contact_updates_beneficiary ON contact_updates (beneficiary_id, at);
