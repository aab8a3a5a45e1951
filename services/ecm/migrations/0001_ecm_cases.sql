-- The ECM service's own tables. Cases and assessments are personal data (never logged, never
-- published); assistance items hold no personal data by contract but belong to a person's case.
-- Money is integer minor units (kuruş for TRY) with its ISO 4217 currency, never a float.

CREATE TABLE ecm_cases (
  case_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  -- kopru.common.v1.CaseStatus: 1 open, 2 closed
  status integer NOT NULL CHECK (status IN (1, 2)),
  beneficiary_ref text NOT NULL CHECK (beneficiary_ref <> ''),
  assigned_caseworker_id text,
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
  CHECK ((status = 2) = (closure_reason <> 0))
);
CREATE INDEX ecm_cases_list ON ecm_cases (organisation_id, opened_at DESC);
CREATE INDEX ecm_cases_open_person ON ecm_cases (organisation_id, beneficiary_ref) WHERE status = 1;

-- Referrals served through a case (a referral's own record lives in the referral library's tables).
CREATE TABLE ecm_case_referrals (
  case_id uuid NOT NULL REFERENCES ecm_cases (case_id),
  referral_id uuid NOT NULL,
  linked_at timestamptz NOT NULL,
  PRIMARY KEY (case_id, referral_id)
);
CREATE INDEX ecm_case_referrals_referral ON ecm_case_referrals (referral_id);

CREATE TABLE ecm_assessments (
  assessment_id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES ecm_cases (case_id),
  -- kopru.common.v1.AssistanceKind values
  needs_identified integer[] NOT NULL DEFAULT '{}',
  -- kopru.ecm.v1.NeedSeverity
  severity integer NOT NULL CHECK (severity BETWEEN 1 AND 3),
  summary text,
  assessed_at timestamptz NOT NULL,
  assessed_by_kind integer NOT NULL,
  assessed_by_id text NOT NULL DEFAULT '',
  assessed_by_role integer NOT NULL DEFAULT 0
);
CREATE INDEX ecm_assessments_case ON ecm_assessments (case_id, assessed_at DESC);

-- One piece of assistance: PLANNED (1) → APPROVED (2) → DELIVERED (3), or CANCELLED (4) before delivery.
CREATE TABLE assistance_items (
  assistance_item_id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES ecm_cases (case_id),
  referral_id uuid,
  -- kopru.common.v1.AssistanceKind (1 = cash)
  kind integer NOT NULL CHECK (kind BETWEEN 1 AND 7),
  amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  description text,
  status integer NOT NULL CHECK (status BETWEEN 1 AND 4),
  -- kopru.referral.v1.PaymentChannel: set for cash, and only for cash
  payment_channel integer NOT NULL DEFAULT 0,
  planned_at timestamptz NOT NULL,
  planned_by_kind integer NOT NULL,
  planned_by_id text NOT NULL DEFAULT '',
  planned_by_role integer NOT NULL DEFAULT 0,
  approved_at timestamptz,
  approved_by_kind integer,
  approved_by_id text,
  approved_by_role integer,
  delivered_at timestamptz,
  delivered_amount_minor bigint CHECK (delivered_amount_minor >= 0),
  delivery_recorded_at timestamptz,
  delivery_recorded_by_id text,
  cancelled_at timestamptz,
  cancelled_by_id text,
  -- Staff's internal explanation of a cancellation; stays here, never published.
  cancel_note text,
  CHECK ((kind = 1) = (payment_channel <> 0)),
  CHECK (status NOT IN (2, 3) OR approved_at IS NOT NULL),
  CHECK ((status = 3) = (delivered_at IS NOT NULL AND delivered_amount_minor IS NOT NULL)),
  CHECK ((status = 4) = (cancelled_at IS NOT NULL)),
  CHECK (delivered_amount_minor IS NULL OR delivered_amount_minor <= amount_minor)
);
CREATE INDEX assistance_items_case ON assistance_items (case_id, planned_at DESC);

-- Idempotency of create-type commands: a retried request_id returns what the first one created,
-- so no assistance item (above all no cash) is ever planned twice by a retry.
CREATE TABLE ecm_requests (
  organisation_id text NOT NULL,
  request_id uuid NOT NULL,
  operation text NOT NULL,
  -- Hash of the request, so a request_id reused for a different request is refused.
  fingerprint text NOT NULL,
  entity_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, request_id)
);

-- Append-only audit of every read and change of case data.
CREATE TABLE ecm_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  organisation_id text NOT NULL,
  actor_id text,
  role text,
  action text NOT NULL,
  case_id uuid,
  subject_id uuid
);
CREATE INDEX ecm_audit_case ON ecm_audit (case_id, at);
CREATE RULE ecm_audit_no_update AS ON UPDATE TO ecm_audit DO INSTEAD NOTHING;
CREATE RULE ecm_audit_no_delete AS ON DELETE TO ecm_audit DO INSTEAD NOTHING;
