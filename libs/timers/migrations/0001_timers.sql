-- Durable timers (libs/timers): a deadline is a row, not a setTimeout, so it survives restarts.
CREATE TABLE kopru_timers (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  key text NOT NULL,
  due_at timestamptz NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'::jsonb,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, key)
);
CREATE INDEX kopru_timers_due ON kopru_timers (due_at);
