-- The latest outcome report (ReferralOutcomeReported, PII-free) of each closed referral: the full
-- set of outcome codes, numbered by the target (report 1 is the closure). Kept apart from
-- tracked_referrals so a report applied before the referral's status events is not lost; the
-- figures and views prefer it to the codes of the closing transition.
CREATE TABLE tracked_outcomes (
  referral_id text PRIMARY KEY,
  outcome_codes integer[] NOT NULL,
  version integer NOT NULL,
  completed_at timestamptz,
  reported_at timestamptz NOT NULL
);
