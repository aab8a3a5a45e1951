-- Tables every receiving service keeps alike, in its own database.

-- Request ids of create-type commands, per organisation: a retry returns what the first created.
CREATE TABLE casework_requests (
  organisation_id text NOT NULL,
  request_id uuid NOT NULL,
  operation text NOT NULL,
  -- Hash of the request, so a request_id reused for a different request is refused. NULL for ids
  -- recorded before requests were hashed: those are matched on the operation alone.
  fingerprint text,
  entity_id uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organisation_id, request_id)
);

-- Append-only audit of every read and change of personal data in the service's own model.
CREATE TABLE casework_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  organisation_id text NOT NULL,
  actor_id text,
  role text,
  action text NOT NULL,
  -- What the entry is about (`case`, `activity`, `enrolment`…) and, when not that, the assessment,
  -- item or referral the action concerned.
  entity text NOT NULL,
  entity_id uuid,
  subject_id uuid
);
CREATE INDEX casework_audit_entity ON casework_audit (entity, entity_id, at);
CREATE RULE casework_audit_no_update AS ON UPDATE TO casework_audit DO INSTEAD NOTHING;
CREATE RULE casework_audit_no_delete AS ON DELETE TO casework_audit DO INSTEAD NOTHING;
