-- Tables every Köprü service holds for the event backbone (libs/bus). Applied as the `bus`
-- migration source before the service's own migrations.

-- Transactional outbox: written in the same transaction as the state change it announces.
CREATE TABLE kopru_outbox (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  subject text NOT NULL,
  event_type text NOT NULL,
  schema_version integer NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id text NOT NULL,
  aggregate_sequence bigint NOT NULL,
  envelope bytea NOT NULL,
  -- W3C trace context of the writing transaction, so the relay's publish joins its trace.
  trace_context jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  publish_attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_error text
);
-- The relay reads unsent rows in id order; sent rows stay for the replay window.
CREATE INDEX kopru_outbox_unsent ON kopru_outbox (id) WHERE sent_at IS NULL;
CREATE INDEX kopru_outbox_sent ON kopru_outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Idempotent inbox: one row per (consumer, event), written in the same transaction as the effect.
CREATE TABLE kopru_inbox (
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  event_type text NOT NULL,
  -- applied: the effect committed; dead_lettered: given up and parked in the dead-letter stream.
  status text NOT NULL CHECK (status IN ('applied', 'dead_lettered')),
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
CREATE INDEX kopru_inbox_processed ON kopru_inbox (processed_at);

-- Last sequence applied per aggregate and consumer: events about one referral apply in order.
CREATE TABLE kopru_inbox_cursor (
  consumer text NOT NULL,
  aggregate_type text NOT NULL,
  aggregate_id text NOT NULL,
  last_sequence bigint NOT NULL,
  PRIMARY KEY (consumer, aggregate_type, aggregate_id)
);

-- Handler failures counted per event, across restarts and replicas, to recognise a poison message.
CREATE TABLE kopru_consumer_failure (
  consumer text NOT NULL,
  event_id text NOT NULL,
  attempts integer NOT NULL,
  last_error text NOT NULL,
  first_failed_at timestamptz NOT NULL DEFAULT now(),
  last_failed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);
