-- intake_audit becomes append-only and hash-chained (ADR 0025; the mechanism is storage's
-- kopru_audit_protect). A list call is audited as one row per record it returned, or one row without
-- an entity when it returned none, each with `detail` saying how many were listed and under which
-- filter (codes, ids and dates only, never personal data).
ALTER TABLE intake_audit
  ALTER COLUMN entity_id DROP NOT NULL,
  ADD COLUMN detail jsonb;
SELECT kopru_audit_protect('intake_audit');
CREATE INDEX intake_audit_organisation ON intake_audit (organisation_id, id);
