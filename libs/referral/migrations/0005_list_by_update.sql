-- Partner systems sync both copies by "changed since": (updated_at, referral_id) ascending from a
-- key, one index range per page instead of a sort of the organisation's whole history.
CREATE INDEX referrals_inbox_updated ON referrals (target_organisation_id, updated_at, referral_id) WHERE role = 'target';
CREATE INDEX referrals_sent_updated ON referrals (referrer_organisation_id, updated_at, referral_id) WHERE role = 'referrer';
