-- The protection service's own tables. Everything here is personal data of people at risk: it is
-- never logged, never published (events carry ids, codes and disaggregation bands only), and every
-- read or change is written to protection_audit.

-- One protection case of one person at one organisation. GBV and child-protection cases (and any
-- case opened from a referral that shared GBV or child-protection data) are restricted: only
-- staff with a restricted-case role, the assigned caseworker and the authorised users may see them.
CREATE TABLE protection_cases (
  case_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  -- kopru.protection.v1.ProtectionCaseType
  case_type integer NOT NULL CHECK (case_type BETWEEN 1 AND 5),
  restricted boolean NOT NULL,
  -- kopru.common.v1.CaseStatus: 1 open, 2 closed
  status integer NOT NULL CHECK (status IN (1, 2)),
  beneficiary_ref text NOT NULL CHECK (beneficiary_ref <> ''),
  assigned_caseworker_id text,
  authorised_user_ids text[] NOT NULL DEFAULT '{}',
  -- kopru.common.v1.RiskLevel of the latest risk assessment (0 = not assessed yet)
  risk_level integer NOT NULL DEFAULT 0 CHECK (risk_level BETWEEN 0 AND 4),
  opened_at timestamptz NOT NULL,
  opened_by text,
  closed_at timestamptz,
  closure_reason integer NOT NULL DEFAULT 0,
  -- Staff's internal explanation of the closure; stays here, never published.
  closure_note text,
  updated_at timestamptz NOT NULL,
  -- Events published about the case so far (the aggregate sequence of the last one).
  event_sequence integer NOT NULL CHECK (event_sequence >= 1),
  -- PII-free bands copied from the referral (kopru.common.v1.Disaggregation); empty for a walk-in.
  disaggregation bytea NOT NULL,
  CHECK ((status = 2) = (closed_at IS NOT NULL)),
  CHECK ((status = 2) = (closure_reason <> 0)),
  CHECK (restricted OR case_type NOT IN (2, 3))
);
CREATE INDEX protection_cases_list ON protection_cases (organisation_id, risk_level DESC, opened_at DESC);
CREATE INDEX protection_cases_open_person ON protection_cases (organisation_id, beneficiary_ref) WHERE status = 1;

-- Referrals served through a case (a referral's own record lives in the referral library's tables).
CREATE TABLE protection_case_referrals (
  case_id uuid NOT NULL REFERENCES protection_cases (case_id),
  referral_id uuid NOT NULL,
  linked_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, referral_id)
);
CREATE INDEX protection_case_referrals_referral ON protection_case_referrals (referral_id);

CREATE TABLE risk_assessments (
  assessment_id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES protection_cases (case_id),
  risk_level integer NOT NULL CHECK (risk_level BETWEEN 1 AND 4),
  concerns integer[] NOT NULL DEFAULT '{}',
  summary text,
  assessed_at timestamptz NOT NULL,
  assessed_by_kind integer NOT NULL,
  assessed_by_id text NOT NULL DEFAULT '',
  assessed_by_role integer NOT NULL DEFAULT 0,
  next_review_at timestamptz NOT NULL,
  CHECK (next_review_at > assessed_at)
);
CREATE INDEX risk_assessments_case ON risk_assessments (case_id, assessed_at DESC);

-- Safety plans are versioned: a new plan replaces the previous one, which stays as history.
CREATE TABLE safety_plans (
  safety_plan_id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES protection_cases (case_id),
  version integer NOT NULL CHECK (version >= 1),
  notes text,
  review_at timestamptz,
  created_at timestamptz NOT NULL,
  created_by_kind integer NOT NULL,
  created_by_id text NOT NULL DEFAULT '',
  created_by_role integer NOT NULL DEFAULT 0,
  UNIQUE (case_id, version)
);

CREATE TABLE safety_plan_actions (
  safety_plan_id uuid NOT NULL REFERENCES safety_plans (safety_plan_id),
  position integer NOT NULL CHECK (position >= 0),
  description text NOT NULL CHECK (description <> ''),
  -- kopru.protection.v1.SafetyPlanResponsible
  responsible integer NOT NULL CHECK (responsible BETWEEN 1 AND 4),
  due_at timestamptz,
  done boolean NOT NULL DEFAULT false,
  PRIMARY KEY (safety_plan_id, position)
);

-- Idempotency of create-type commands: a retried request_id returns what the first one created.
CREATE TABLE protection_requests (
  organisation_id text NOT NULL,
  request_id uuid NOT NULL,
  operation text NOT NULL,
  -- Hash of the request, so a request_id reused for a different request is refused.
  fingerprint text NOT NULL,
  entity_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, request_id)
);

-- Append-only audit of every read and change of case data (and of refused reads of restricted cases).
CREATE TABLE protection_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  organisation_id text NOT NULL,
  actor_id text,
  role text,
  action text NOT NULL,
  case_id uuid,
  subject_id uuid
);
CREATE INDEX protection_audit_case ON protection_audit (case_id, at);
CREATE RULE protection_audit_no_update AS ON UPDATE TO protection_audit DO INSTEAD NOTHING;
CREATE RULE protection_audit_no_delete AS ON DELETE TO protection_audit DO INSTEAD NOTHING;
