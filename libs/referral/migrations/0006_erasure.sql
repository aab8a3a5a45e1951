-- Network-wide erasure (ADR 0023). A referral copy whose personal data was erased keeps its ids,
-- codes, timestamps, disaggregation bands and transitions; erased_at says when the rest went.
ALTER TABLE referrals
  ADD COLUMN erased_at timestamptz;

-- What a holder organisation did with each BeneficiaryErasureRequested addressed to it, so a
-- redelivered request answers the same confirmation (ids and codes only: no beneficiary ref).
CREATE TABLE referral_erasures (
  erasure_request_id uuid NOT NULL,
  organisation_id text NOT NULL,
  requester_organisation_id text NOT NULL,
  -- kopru.referral.v1.ErasureResult
  result integer NOT NULL CHECK (result BETWEEN 1 AND 3),
  referral_ids text[] NOT NULL DEFAULT '{}',
  -- Onward referrals of this holder that the request did not name, erased here too.
  onward_referral_ids text[] NOT NULL DEFAULT '{}',
  requested_at timestamptz NOT NULL,
  confirmed_at timestamptz NOT NULL,
  PRIMARY KEY (erasure_request_id, organisation_id)
);
