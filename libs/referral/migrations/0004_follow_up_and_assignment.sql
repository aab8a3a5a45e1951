-- Work on a received referral after it arrived (the target's copy only): the staff member of the
-- target organisation it is assigned to (their token subject; never published), the follow-up
-- deadline after acceptance and how far it went (FollowUpStage), and the sequence of the PII-free
-- ReferralFollowUpChanged events published about it.
ALTER TABLE referrals
  ADD COLUMN assignee_actor_id text,
  ADD COLUMN assigned_at timestamptz,
  ADD COLUMN follow_up_due_at timestamptz,
  ADD COLUMN follow_up_stage integer NOT NULL DEFAULT 0,
  ADD COLUMN follow_up_sequence integer NOT NULL DEFAULT 0;
CREATE INDEX referrals_assignee ON referrals (target_organisation_id, assignee_actor_id) WHERE role = 'target';

-- Every (re)assignment of a received referral, oldest first; kept when it is reassigned.
CREATE TABLE referral_assignments (
  referral_id uuid NOT NULL,
  sequence integer NOT NULL CHECK (sequence >= 1),
  organisation_id text NOT NULL,
  assignee_actor_id text NOT NULL,
  previous_assignee_actor_id text,
  assigned_by_actor_id text NOT NULL,
  assigned_at timestamptz NOT NULL,
  PRIMARY KEY (referral_id, sequence)
);
