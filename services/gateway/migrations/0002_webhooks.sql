-- Webhook endpoints of partner organisations and the deliveries queued for them. The deliveries
-- table is the webhooks' outbox: the consumers of referral events insert rows in the transaction
-- that records the event as consumed, and the delivery worker sends them afterwards. Nothing here
-- holds personal data: payloads are ids, codes and times (WebhookEvent).
CREATE TABLE webhook_endpoints (
  endpoint_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  url text NOT NULL,
  -- WebhookEventType numbers the endpoint is subscribed to.
  event_types integer[] NOT NULL,
  state text NOT NULL CHECK (state IN ('active', 'paused', 'disabled')),
  disabled_reason text,
  description text,
  -- Standard Webhooks signing secrets (`whsec_…`). They sign, so they are kept as given; the
  -- previous one signs beside the current one until it expires (rotation overlap).
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE INDEX webhook_endpoints_organisation ON webhook_endpoints (organisation_id, created_at);

CREATE TABLE webhook_deliveries (
  -- The `webhook-id` header, the same for every attempt and every replay.
  delivery_id uuid PRIMARY KEY,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (endpoint_id) ON DELETE CASCADE,
  -- What the delivery tells (e.g. `status/<referral>/<sequence>`): a redelivered or repeated
  -- event never queues a second delivery for the same endpoint.
  source_key text NOT NULL,
  event_type integer NOT NULL,
  referral_id text,
  -- The WebhookEvent as proto3 JSON, exactly the body sent.
  payload text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  -- Attempts since the retry window started: the backoff's step (a replay starts again at 5 s).
  window_attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  -- Start of the retry window (creation, or the last replay or re-enable).
  retry_from timestamptz NOT NULL,
  -- When it is next due; while an attempt runs, when that attempt is taken to have died.
  next_attempt_at timestamptz NOT NULL,
  delivered_at timestamptz,
  last_status_code integer NOT NULL DEFAULT 0,
  last_error text,
  UNIQUE (endpoint_id, source_key)
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at DESC, delivery_id DESC);
