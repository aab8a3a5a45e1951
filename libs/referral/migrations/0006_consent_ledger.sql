-- Consent withdrawal and the disclosure ledger (ADR 0024).

-- Every disclosure of a person's data this service made (a package sent, a redirect or onward
-- referral, a contact update) or, at the root referrer, learnt of from a holder down the chain
-- (DisclosureRecorded). Written in the transaction that wrote the outbox row of the disclosure.
CREATE TABLE disclosures (
  disclosure_id uuid PRIMARY KEY,
  kind integer NOT NULL,
  -- The organisation whose ledger this is (the sender, or the root referrer told of it).
  ledger_organisation_id text NOT NULL,
  -- The person as this service knows them; NULL on rows reported by a holder (the root referrer
  -- finds them through root_referral_id).
  beneficiary_ref text,
  referral_id uuid,
  root_referral_id uuid,
  parent_referral_id uuid,
  sender_organisation_id text NOT NULL,
  recipient_organisation_id text NOT NULL,
  data_categories integer[] NOT NULL,
  purpose integer NOT NULL,
  consent_id text NOT NULL,
  -- Made under a consent the person gave the sender (FreshConsent), not the root referrer.
  fresh_consent boolean NOT NULL DEFAULT false,
  disclosed_at timestamptz NOT NULL,
  -- Who disclosed: this organisation's staff or client (never copied from a holder's report).
  disclosed_by_kind integer NOT NULL DEFAULT 0,
  disclosed_by_id text,
  -- True on rows a holder reported (DisclosureRecorded), false on this service's own.
  reported boolean NOT NULL DEFAULT false
);
CREATE INDEX disclosures_beneficiary ON disclosures (ledger_organisation_id, beneficiary_ref);
CREATE INDEX disclosures_root ON disclosures (root_referral_id);

-- Consent withdrawals an organisation received as a holder (ConsentWithdrawn): no redirect or
-- onward referral under the consent from then on, and a package under it that arrives later is
-- refused on receipt.
CREATE TABLE consent_withdrawals_held (
  organisation_id text NOT NULL,
  consent_id text NOT NULL,
  referrer_organisation_id text NOT NULL,
  policy integer NOT NULL,
  continuing_basis integer NOT NULL DEFAULT 0,
  reason integer NOT NULL,
  withdrawn_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (organisation_id, consent_id)
);

-- Set on a received referral when the consent it came under was withdrawn: restricted, no further
-- sharing (accepted work may go on only under the lawful basis the withdrawal stated).
ALTER TABLE referrals ADD COLUMN restricted_at timestamptz;

-- Consents a person gave a holder for a redirect or onward referral (FreshConsent). Personal data
-- (links the person to what they agreed to); stays here and with the child's target.
CREATE TABLE fresh_consents (
  consent_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  beneficiary_ref text NOT NULL,
  -- The received referral it was given for.
  referral_id uuid NOT NULL,
  consent bytea NOT NULL,
  expires_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  recorded_by_kind integer NOT NULL,
  recorded_by_id text
);
CREATE INDEX fresh_consents_referral ON fresh_consents (referral_id);
