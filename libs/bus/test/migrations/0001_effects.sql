-- Test-only tables: the "state" a writer changes next to its outbox row, and the "effects" a
-- consumer's handler applies next to its inbox row. No unique key on effects.event_id on purpose:
-- an event applied twice must show up as two rows, not as a constraint error.
CREATE TABLE test_state (
  id bigserial PRIMARY KEY,
  aggregate_id text NOT NULL,
  sequence bigint NOT NULL,
  written_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE test_effects (
  id bigserial PRIMARY KEY,
  consumer text NOT NULL,
  event_id uuid NOT NULL,
  aggregate_id text NOT NULL,
  sequence bigint NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
