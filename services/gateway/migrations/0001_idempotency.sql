-- Idempotency-Key records (draft-ietf-httpapi-idempotency-key-header): the first response to each
-- key of a caller, replayed for a retry with the same request, refused for a different one. They are
-- the only copies of answers the gateway keeps, and they expire (IDEMPOTENCY_TTL, 24 h by default).
CREATE TABLE idempotency_records (
  -- The caller the key belongs to: `<organisation>/<token subject>`; keys of different callers never meet.
  caller text NOT NULL,
  idempotency_key text NOT NULL,
  -- SHA-256 of method, path and body: the same key with another request is refused (422).
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
  -- While in progress: after this instant the request is taken to be abandoned (a crashed gateway),
  -- and a retry may run it again; the services' own request ids keep that from doubling the effect.
  locked_until timestamptz NOT NULL,
  response_status integer,
  response_headers jsonb,
  response_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (caller, idempotency_key)
);

CREATE INDEX idempotency_records_expiry ON idempotency_records (expires_at);
