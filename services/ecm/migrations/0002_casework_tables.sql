-- Request ids and the audit log now live in the casework library's tables (casework_requests,
-- casework_audit), kept alike by every receiving service. What was recorded moves there.
INSERT INTO casework_requests (organisation_id, request_id, operation, fingerprint, entity_id, created_at)
  SELECT organisation_id, request_id, operation, fingerprint, entity_id, created_at FROM ecm_requests;
DROP TABLE ecm_requests;

INSERT INTO casework_audit (at, organisation_id, actor_id, role, action, entity, entity_id, subject_id)
  SELECT at, organisation_id, actor_id, role, action, 'case', case_id, subject_id FROM ecm_audit ORDER BY id;
DROP TABLE ecm_audit;
