-- Network-wide erasure (ADR 0023). A registration whose personal fields were erased keeps its ids,
-- codes and bands; erased_at says when the rest went.
ALTER TABLE beneficiaries
  ADD COLUMN erased_at timestamptz;

-- One RequestErasure: who asked, why, the KVKK answer deadline (30 days) and when every holder had
-- confirmed. Ids and codes only; the person is named by intake's beneficiary id, whose personal
-- fields are erased in the transaction that creates the request.
CREATE TABLE erasure_requests (
  erasure_request_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  beneficiary_id uuid NOT NULL REFERENCES beneficiaries (beneficiary_id),
  reason integer NOT NULL CHECK (reason > 0),
  requested_at timestamptz NOT NULL,
  requested_by_kind integer NOT NULL,
  requested_by_actor_id text NOT NULL DEFAULT '',
  requested_by_role integer NOT NULL DEFAULT 0,
  kvkk_due_by timestamptz NOT NULL,
  completed_at timestamptz,
  -- The person's pseudonymous ref as the holders know it, kept only while the request is open (a
  -- holder named late, from another's onward referrals, is asked with it); NULL once completed.
  beneficiary_ref text,
  -- Sequence of the PII-free ErasureRequestTracked events published about it.
  tracked_sequence integer NOT NULL DEFAULT 0
);
-- At most one open request per person: a second RequestErasure while one is open answers it.
CREATE UNIQUE INDEX erasure_requests_one_open ON erasure_requests (beneficiary_id) WHERE completed_at IS NULL;
CREATE INDEX erasure_requests_organisation ON erasure_requests (organisation_id, requested_at);

-- One row per holder asked: the referrals through which it received the person's data, when it was
-- asked, its deadline, when it went overdue and what it answered.
CREATE TABLE erasure_holders (
  erasure_request_id uuid NOT NULL REFERENCES erasure_requests (erasure_request_id),
  organisation_id text NOT NULL,
  referral_ids text[] NOT NULL DEFAULT '{}',
  requested_at timestamptz NOT NULL,
  confirm_by timestamptz NOT NULL,
  overdue_since timestamptz,
  -- kopru.referral.v1.ErasureResult; 0 while pending.
  result integer NOT NULL DEFAULT 0,
  confirmed_at timestamptz,
  -- When intake applied the confirmation (confirmed_at is the holder's own clock).
  recorded_at timestamptz,
  PRIMARY KEY (erasure_request_id, organisation_id)
);
