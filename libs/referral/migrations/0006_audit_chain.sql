-- referral_audit becomes append-only and hash-chained (ADR 0025; the mechanism is storage's
-- kopru_audit_protect). A list call is audited too: one row per referral it returned, or one row
-- without a referral when it returned none, each with `detail` saying how many were listed and under
-- which filter (codes, ids and dates only, never personal data).
ALTER TABLE referral_audit
  ALTER COLUMN referral_id DROP NOT NULL,
  ADD COLUMN detail jsonb;
SELECT kopru_audit_protect('referral_audit');
CREATE INDEX referral_audit_organisation ON referral_audit (actor_organisation_id, id);
