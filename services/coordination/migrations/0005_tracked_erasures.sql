-- Network-wide erasure requests as their requester reports them (ErasureRequestTracked, PII-free:
-- ids, codes and times; never the person). The newest report is kept; pending_confirm_by is the
-- earliest deadline of a holder that has not confirmed, so the overdue list needs no decoding and
-- a holder shows overdue here even while the requester is down.
CREATE TABLE tracked_erasures (
  erasure_request_id text PRIMARY KEY,
  requester_organisation_id text NOT NULL,
  kvkk_due_by timestamptz NOT NULL,
  pending_confirm_by timestamptz,
  reported_overdue boolean NOT NULL,
  completed_at timestamptz,
  -- kopru.referral.v1.ErasureRequestTracked, encoded.
  report bytea NOT NULL,
  version integer NOT NULL,
  occurred_at timestamptz NOT NULL
);
CREATE INDEX tracked_erasures_open ON tracked_erasures (kvkk_due_by) WHERE completed_at IS NULL;
