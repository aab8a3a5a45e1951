-- Outcome reports (ReferralOutcomeReported) of a closed referral are numbered: the completion is
-- report 1, every later ReportOutcome the next one. The target counts the reports it published, the
-- referrer the last one it applied, so a report never overwrites a later one.
ALTER TABLE referrals
  ADD COLUMN outcome_version integer NOT NULL DEFAULT 0;
