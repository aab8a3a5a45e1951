-- Work on each received referral at its target (ReferralFollowUpChanged, PII-free): whether a
-- staff member is assigned to it (a yes/no — never who; the event has no staff id to store) and
-- how far its follow-up deadline after acceptance went. Numbered by the target; the newest kept.
-- Kept apart from tracked_referrals so an event applied before the referral's status events is
-- not lost.
CREATE TABLE tracked_follow_ups (
  referral_id text PRIMARY KEY,
  assigned boolean NOT NULL,
  -- kopru.referral.v1.FollowUpStage (0 none, 1 pending, 2 reminded, 3 overdue, 4 done).
  follow_up_stage integer NOT NULL,
  follow_up_due_at timestamptz,
  version integer NOT NULL,
  occurred_at timestamptz NOT NULL
);
CREATE INDEX tracked_follow_ups_running ON tracked_follow_ups (follow_up_due_at)
  WHERE follow_up_stage IN (1, 2, 3);
