-- Contact attempts (call, visit, message) the target's staff recorded on a received referral. Only
-- attempts the package's safe-contact rules allowed at the time are stored (refused ones are
-- answered FAILED_PRECONDITION and leave nothing). The note is internal: never published.
CREATE TABLE referral_contact_attempts (
  attempt_id uuid PRIMARY KEY,
  referral_id uuid NOT NULL,
  organisation_id text NOT NULL,
  -- Idempotency key of RecordContactAttempt, per organisation.
  request_id uuid NOT NULL,
  method integer NOT NULL,
  result integer NOT NULL DEFAULT 0,
  attempted_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  actor_kind integer NOT NULL,
  actor_id text,
  internal_note text,
  UNIQUE (organisation_id, request_id)
);
CREATE INDEX referral_contact_attempts_referral ON referral_contact_attempts (referral_id, attempted_at);

-- Version of the contact section a held package carries (ContactDetailsUpdated.version); 0 = as it
-- arrived. An update applies only over a lower version, so a late copy never undoes a newer one.
ALTER TABLE referrals
  ADD COLUMN contact_version bigint NOT NULL DEFAULT 0;

-- A contact update can overtake the referral it names (two consumers, no order between them): it is
-- kept here, addressed to this organisation, and applied when the referral arrives.
CREATE TABLE referral_contact_pending (
  referral_id uuid NOT NULL,
  organisation_id text NOT NULL,
  beneficiary_ref text NOT NULL,
  version bigint NOT NULL,
  -- kopru.referral.v1.ContactSection, encoded.
  contact bytea NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (referral_id, organisation_id)
);
