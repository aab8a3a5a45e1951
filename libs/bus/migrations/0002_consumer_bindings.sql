-- Which durable JetStream consumers this database has bound to. A durable consumer found on the
-- server without a row here was left by another database (a wiped data directory, a restored
-- backup elsewhere): its position says nothing about what this database applied, so the consumer
-- is recreated from the start of the stream and the inbox drops what was already applied.
CREATE TABLE kopru_consumer_bindings (
  consumer text PRIMARY KEY,
  bound_at timestamptz NOT NULL DEFAULT now()
);
