-- Intake's own tables. The library tables (bus outbox/inbox, timers, directory replica, referrals)
-- come from their own migration sources, applied before this one.

-- The partner organisations intake acts for, seeded from INTAKE_ORGANISATIONS at every start. A
-- caller's organisation must be an active row here.
CREATE TABLE partner_organisations (
  organisation_id text PRIMARY KEY,
  active boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Registered people: the minimal data intake collects. Personal data, never logged or published.
-- beneficiary_ref is the pseudonymous id that travels in referral packages (a random UUID, never
-- derived from a name or a document number).
CREATE TABLE beneficiaries (
  beneficiary_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  beneficiary_ref uuid NOT NULL UNIQUE,
  given_name text NOT NULL,
  family_name text NOT NULL,
  preferred_name text,
  sex integer NOT NULL,
  birth_year integer,
  nationality text NOT NULL DEFAULT '',
  legal_status integer NOT NULL DEFAULT 0,
  province_code text NOT NULL,
  district_code text NOT NULL DEFAULT '',
  province_name text,
  district_name text,
  phone_number text,
  preferred_language text NOT NULL,
  interpreter_needed boolean NOT NULL DEFAULT false,
  interpreter_language text,
  safe_to_contact boolean NOT NULL,
  safe_times text,
  preferred_contact_method integer NOT NULL DEFAULT 0,
  registered_at timestamptz NOT NULL,
  registered_by_kind integer NOT NULL,
  registered_by_actor_id text NOT NULL DEFAULT '',
  registered_by_role integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL
);
CREATE INDEX beneficiaries_possible_duplicates
  ON beneficiaries (organisation_id, lower(family_name), lower(given_name));

-- Informed consents. The scope says with whom (organisations or partner kinds), for what (purposes)
-- and which data (categories) may be shared; there is no open-ended consent.
CREATE TABLE consents (
  consent_id uuid PRIMARY KEY,
  beneficiary_id uuid NOT NULL REFERENCES beneficiaries (beneficiary_id),
  organisation_id text NOT NULL,
  given_by integer NOT NULL,
  caregiver_relationship text,
  method integer NOT NULL,
  explained_in_language text NOT NULL,
  interpreter_used boolean NOT NULL,
  recorded_at timestamptz NOT NULL,
  recorded_by_kind integer NOT NULL,
  recorded_by_actor_id text NOT NULL DEFAULT '',
  recorded_by_role integer NOT NULL DEFAULT 0,
  scope_organisation_ids text[] NOT NULL DEFAULT '{}',
  scope_partner_kinds integer[] NOT NULL DEFAULT '{}',
  scope_purposes integer[] NOT NULL,
  scope_data_categories integer[] NOT NULL,
  expires_at timestamptz NOT NULL,
  withdrawn_at timestamptz,
  withdrawal_reason integer,
  -- What the withdrawal did, so a repeated WithdrawConsent answers the same.
  withdrawal_notified_organisation_ids text[] NOT NULL DEFAULT '{}',
  withdrawal_cancelled_referral_ids text[] NOT NULL DEFAULT '{}',
  CHECK (expires_at > recorded_at),
  CHECK ((withdrawn_at IS NULL) = (withdrawal_reason IS NULL)),
  CHECK (cardinality(scope_organisation_ids) > 0 OR cardinality(scope_partner_kinds) > 0)
);
CREATE INDEX consents_beneficiary ON consents (beneficiary_id, recorded_at);

-- Needs screenings; the latest one fills the needs, disability and household package sections.
CREATE TABLE screenings (
  screening_id uuid PRIMARY KEY,
  beneficiary_id uuid NOT NULL REFERENCES beneficiaries (beneficiary_id),
  organisation_id text NOT NULL,
  services_needed integer[] NOT NULL DEFAULT '{}',
  vulnerabilities integer[] NOT NULL DEFAULT '{}',
  -- Washington Group Short Set answers: [{"domain": n, "severity": n}, ...].
  washington_group_answers jsonb NOT NULL DEFAULT '[]'::jsonb,
  disability_status integer NOT NULL,
  needs_summary text,
  -- kopru.referral.v1.HouseholdSection, encoded; NULL when not screened.
  household bytea,
  screened_at timestamptz NOT NULL,
  screened_by_kind integer NOT NULL,
  screened_by_actor_id text NOT NULL DEFAULT '',
  screened_by_role integer NOT NULL DEFAULT 0
);
CREATE INDEX screenings_latest ON screenings (beneficiary_id, screened_at DESC);

-- Idempotency of RegisterBeneficiary, RecordConsent and ScreenNeeds (request_id), per organisation.
-- Referral commands use the referral library's referral_requests.
CREATE TABLE intake_requests (
  organisation_id text NOT NULL,
  request_id uuid NOT NULL,
  kind text NOT NULL,
  entity_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, request_id)
);

-- Append-only audit of every read and change of personal data held here (referral package reads
-- and sends are audited in the referral library's referral_audit).
CREATE TABLE intake_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  organisation_id text NOT NULL,
  actor_kind integer NOT NULL,
  actor_id text,
  action text NOT NULL,
  entity_type text NOT NULL,
  entity_id uuid NOT NULL
);
CREATE RULE intake_audit_no_update AS ON UPDATE TO intake_audit DO INSTEAD NOTHING;
CREATE RULE intake_audit_no_delete AS ON DELETE TO intake_audit DO INSTEAD NOTHING;

-- Free-text notes of this organisation's staff on its referrals (e.g. why it cancelled): kept here,
-- never published.
CREATE TABLE referral_notes (
  id bigserial PRIMARY KEY,
  referral_id uuid NOT NULL,
  organisation_id text NOT NULL,
  actor_id text,
  kind text NOT NULL,
  note text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX referral_notes_referral ON referral_notes (referral_id);

-- Every re-route asked for (by coordination's ReferralReRouteRequested or by staff) and what came of
-- it. Ids and codes only: a re-route that needs a new consent is visible here without personal data.
CREATE TABLE reroute_requests (
  id bigserial PRIMARY KEY,
  referral_id uuid NOT NULL,
  root_referral_id uuid NOT NULL,
  organisation_id text NOT NULL,
  source text NOT NULL CHECK (source IN ('coordination', 'staff')),
  reason integer NOT NULL DEFAULT 0,
  -- The coordination event it answers (NULL for staff requests).
  event_id uuid UNIQUE,
  outcome text NOT NULL CHECK (
    outcome IN ('rerouted', 'needs_new_consent', 'no_candidate', 'not_reroutable', 'already_rerouted')
  ),
  child_referral_id uuid,
  consent_id uuid,
  -- Candidate the consent did not cover (needs_new_consent), and what the consent lacked
  -- (problem kinds such as organisation_not_covered, data_category_not_covered, withdrawn).
  candidate_organisation_id text,
  consent_problems text[] NOT NULL DEFAULT '{}',
  excluded_organisation_ids text[] NOT NULL DEFAULT '{}',
  requested_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reroute_requests_referral ON reroute_requests (referral_id);
