-- Holders' acknowledgements of consent withdrawals (ConsentWithdrawalRecorded, ADR 0024): per
-- consent and holder, that it recorded the withdrawal, restricted what it holds and applied the
-- policy. PII-free (ids, codes, timestamps).
CREATE TABLE consent_withdrawal_acknowledgements (
  consent_id text NOT NULL,
  holder_organisation_id text NOT NULL,
  referrer_organisation_id text NOT NULL,
  -- The ConsentWithdrawalRecorded as received.
  event bytea NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (consent_id, holder_organisation_id)
);
