-- The municipality service's own model (the referral, bus, timer and directory tables come from the
-- libraries' migrations, applied first). Every row belongs to one MMCC (tenant, `organisation_id`);
-- queries always filter by it.
--
-- Protection-only data (GBV, child protection) has no place here: an MMCC that learns of such a risk
-- records the topic code COUNSELLING_TOPIC_PROTECTION_RISK and makes a protection referral; the
-- details never enter this database.

-- The MMCCs this service hosts, seeded at start from HOSTED_ORGANISATIONS. No personal data.
CREATE TABLE mmccs (
  organisation_id text PRIMARY KEY,
  name text NOT NULL,
  province_code text NOT NULL,
  province_name text,
  district_code text NOT NULL DEFAULT '',
  district_name text,
  languages text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX mmccs_province ON mmccs (province_code);

-- One case of one person at one MMCC. At most one OPEN case per person (beneficiary_ref) per MMCC:
-- a further accepted referral for the same person joins the open case.
CREATE TABLE municipality_cases (
  case_id uuid PRIMARY KEY,
  organisation_id text NOT NULL REFERENCES mmccs (organisation_id),
  -- kopru.common.v1.CaseStatus: 1 OPEN, 2 CLOSED.
  status integer NOT NULL CHECK (status IN (1, 2)),
  -- Pseudonymous person id from the referral package (or the MMCC's own for a walk-in).
  beneficiary_ref text NOT NULL CHECK (beneficiary_ref <> ''),
  assigned_caseworker_id text NOT NULL DEFAULT '',
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  -- kopru.common.v1.CaseClosureReason; 0 while open.
  closure_reason integer NOT NULL DEFAULT 0,
  -- Staff's own explanation of the closure; stays here, never published.
  closure_note text,
  updated_at timestamptz NOT NULL,
  -- PII-free kopru.common.v1.Disaggregation bands (from the referral), copied onto case events.
  disaggregation bytea NOT NULL,
  -- Sequence of the last event published about this case (aggregate "municipality-case").
  event_sequence integer NOT NULL DEFAULT 0 CHECK (event_sequence >= 0),
  CHECK ((status = 2) = (closed_at IS NOT NULL)),
  CHECK ((status = 2) = (closure_reason <> 0))
);
CREATE UNIQUE INDEX municipality_cases_one_open
  ON municipality_cases (organisation_id, beneficiary_ref) WHERE status = 1;
CREATE INDEX municipality_cases_list ON municipality_cases (organisation_id, opened_at DESC);

-- Referrals (received by the same MMCC) that a case serves.
CREATE TABLE municipality_case_referrals (
  case_id uuid NOT NULL REFERENCES municipality_cases (case_id),
  referral_id uuid NOT NULL,
  organisation_id text NOT NULL,
  linked_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, referral_id)
);
CREATE INDEX municipality_case_referrals_referral ON municipality_case_referrals (referral_id);

-- Counselling sessions of a case. `notes` is PII-bearing free text and never leaves this service.
CREATE TABLE counselling_sessions (
  session_id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES municipality_cases (case_id),
  organisation_id text NOT NULL,
  -- kopru.municipality.v1.CounsellingSessionType / SessionModality / CounsellingTopic codes.
  session_type integer NOT NULL CHECK (session_type > 0),
  modality integer NOT NULL CHECK (modality > 0),
  topics integer[] NOT NULL CHECK (cardinality(topics) > 0),
  interpreter_used boolean NOT NULL,
  interpreter_language text,
  duration_minutes integer NOT NULL CHECK (duration_minutes > 0),
  held_at timestamptz NOT NULL,
  counsellor_kind integer NOT NULL,
  counsellor_id text NOT NULL DEFAULT '',
  counsellor_role integer NOT NULL DEFAULT 0,
  notes text,
  recorded_at timestamptz NOT NULL,
  CHECK (interpreter_used OR interpreter_language IS NULL)
);
CREATE INDEX counselling_sessions_case ON counselling_sessions (case_id, held_at DESC);

-- Direct assistance given by an MMCC. Amounts in minor units (kuruş for TRY), never floats.
CREATE TABLE direct_assistance (
  direct_assistance_id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES municipality_cases (case_id),
  organisation_id text NOT NULL,
  referral_id uuid,
  -- kopru.common.v1.AssistanceKind.
  kind integer NOT NULL CHECK (kind > 0),
  amount_minor bigint CHECK (amount_minor >= 0),
  currency text CHECK (currency ~ '^[A-Z]{3}$'),
  -- What was given; no personal data.
  description text,
  provided_at timestamptz NOT NULL,
  recorded_by_kind integer NOT NULL,
  recorded_by_id text NOT NULL DEFAULT '',
  recorded_by_role integer NOT NULL DEFAULT 0,
  recorded_at timestamptz NOT NULL,
  CHECK ((amount_minor IS NULL) = (currency IS NULL))
);
CREATE INDEX direct_assistance_case ON direct_assistance (case_id, provided_at DESC);

-- Idempotency of create-type commands (request_id), per MMCC: a repeated request returns what the
-- first one created.
CREATE TABLE municipality_requests (
  organisation_id text NOT NULL,
  request_id uuid NOT NULL,
  command text NOT NULL,
  entity_id uuid NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (organisation_id, request_id)
);

-- Append-only audit of every read and change of personal data in this service's own model.
CREATE TABLE municipality_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  organisation_id text NOT NULL,
  actor_id text,
  action text NOT NULL,
  entity text NOT NULL,
  entity_id uuid NOT NULL
);
CREATE RULE municipality_audit_no_update AS ON UPDATE TO municipality_audit DO INSTEAD NOTHING;
CREATE RULE municipality_audit_no_delete AS ON DELETE TO municipality_audit DO INSTEAD NOTHING;
