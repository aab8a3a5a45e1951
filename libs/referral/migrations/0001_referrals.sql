-- Referrals this service is party to (libs/referral), as referrer or as target. Both sides keep
-- their own copy in their own database; the target's copy is authoritative for every transition
-- after REQUESTED (ADR 0004).
CREATE TABLE referrals (
  referral_id uuid NOT NULL,
  role text NOT NULL CHECK (role IN ('referrer', 'target')),
  root_referral_id uuid NOT NULL,
  parent_referral_id uuid,
  origin integer NOT NULL,
  beneficiary_ref text NOT NULL,
  referrer_organisation_id text NOT NULL,
  target_organisation_id text NOT NULL,
  service_offering_id text,
  service_type integer NOT NULL,
  priority integer NOT NULL,
  purpose integer NOT NULL,
  consent_id text NOT NULL,
  status integer NOT NULL,
  sequence integer NOT NULL CHECK (sequence >= 1),
  decline_reason integer NOT NULL DEFAULT 0,
  on_hold_reason integer NOT NULL DEFAULT 0,
  not_completed_reason integer NOT NULL DEFAULT 0,
  cancel_reason integer NOT NULL DEFAULT 0,
  redirect_reason integer NOT NULL DEFAULT 0,
  outcome_codes integer[] NOT NULL DEFAULT '{}',
  child_referral_ids text[] NOT NULL DEFAULT '{}',
  requested_at timestamptz NOT NULL,
  respond_by timestamptz NOT NULL,
  received_at timestamptz,
  responded_at timestamptz,
  started_at timestamptz,
  closed_at timestamptz,
  updated_at timestamptz NOT NULL,
  cancellation_requested_at timestamptz,
  -- PII-free bands copied onto status events.
  disaggregation bytea NOT NULL,
  -- The consented package as sent (referrer) or received (target): personal data, never logged.
  package bytea NOT NULL,
  PRIMARY KEY (referral_id, role)
);
CREATE INDEX referrals_inbox ON referrals (target_organisation_id, respond_by) WHERE role = 'target';
CREATE INDEX referrals_sent ON referrals (referrer_organisation_id, requested_at) WHERE role = 'referrer';
CREATE INDEX referrals_root ON referrals (root_referral_id);

-- Every transition of a referral as this service learnt it (its own, or the other party's).
CREATE TABLE referral_transitions (
  referral_id uuid NOT NULL,
  role text NOT NULL,
  sequence integer NOT NULL,
  from_status integer NOT NULL,
  to_status integer NOT NULL,
  actor_kind integer NOT NULL,
  actor_organisation_id text NOT NULL,
  -- Staff id only for this service's own staff; never copied from another organisation.
  actor_id text,
  occurred_at timestamptz NOT NULL,
  decline_reason integer NOT NULL DEFAULT 0,
  on_hold_reason integer NOT NULL DEFAULT 0,
  not_completed_reason integer NOT NULL DEFAULT 0,
  cancel_reason integer NOT NULL DEFAULT 0,
  redirect_reason integer NOT NULL DEFAULT 0,
  outcome_codes integer[] NOT NULL DEFAULT '{}',
  child_referral_id text,
  -- Free-text note of this organisation's staff; stays here, never published.
  internal_note text,
  PRIMARY KEY (referral_id, role, sequence)
);

-- PII-free status events of every referral in a chain this service started (onward referrals it is
-- not party to included), so the referrer sees the whole journey.
CREATE TABLE referral_chain_events (
  root_referral_id uuid NOT NULL,
  referral_id uuid NOT NULL,
  sequence integer NOT NULL,
  event bytea NOT NULL,
  occurred_at timestamptz NOT NULL,
  PRIMARY KEY (referral_id, sequence)
);
CREATE INDEX referral_chain_events_root ON referral_chain_events (root_referral_id, occurred_at);

-- Append-only audit of reads and changes of referral personal data.
CREATE TABLE referral_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  referral_id uuid NOT NULL,
  action text NOT NULL,
  actor_organisation_id text NOT NULL,
  actor_id text
);
CREATE RULE referral_audit_no_update AS ON UPDATE TO referral_audit DO INSTEAD NOTHING;
CREATE RULE referral_audit_no_delete AS ON DELETE TO referral_audit DO INSTEAD NOTHING;

-- Idempotency of create-type commands (request_id), per organisation.
CREATE TABLE referral_requests (
  organisation_id text NOT NULL,
  request_id text NOT NULL,
  referral_id uuid NOT NULL,
  PRIMARY KEY (organisation_id, request_id)
);
