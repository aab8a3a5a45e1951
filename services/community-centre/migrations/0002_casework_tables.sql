-- Request ids and the audit log now live in the casework library's tables (casework_requests,
-- casework_audit), kept alike by every receiving service. What was recorded moves there; request ids
-- recorded before requests were hashed keep no fingerprint and are matched on the command alone.
INSERT INTO casework_requests (organisation_id, request_id, operation, fingerprint, entity_id, created_at)
  SELECT organisation_id, request_id, command, NULL, entity_id, created_at FROM community_centre_requests;
DROP TABLE community_centre_requests;

INSERT INTO casework_audit (at, organisation_id, actor_id, action, entity, entity_id)
  SELECT at, organisation_id, actor_id, action, entity, entity_id FROM community_centre_audit ORDER BY id;
DROP TABLE community_centre_audit;
