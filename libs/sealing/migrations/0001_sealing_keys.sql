-- The sealing keys of the organisations this service hosts (ADR 0022). The private half never
-- leaves this database; the public half is published on the directory stream. A key past its
-- validity whose sealed messages have all been consumed is destroyed: its private key is
-- overwritten with NULL, and then no key that remains opens the stream copies sealed to it.
CREATE TABLE kopru_sealing_keys (
  key_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  suite text NOT NULL,
  public_key bytea NOT NULL,
  private_key bytea,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  -- Publications of this key (1 at creation, +1 when a forced rotation ends it early): the
  -- aggregate sequence of its SealingKeyPublished events.
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  destroyed_at timestamptz,
  CHECK (valid_until > valid_from),
  CHECK ((private_key IS NULL) = (destroyed_at IS NOT NULL))
);
CREATE INDEX kopru_sealing_keys_live ON kopru_sealing_keys (organisation_id, valid_from DESC)
  WHERE destroyed_at IS NULL;
