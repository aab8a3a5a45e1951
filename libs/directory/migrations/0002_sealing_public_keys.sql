-- Replica of every organisation's public sealing keys (SealingKeyPublished on the directory
-- stream, ADR 0022): a sender seals a personal event to the addressee's newest key valid now.
CREATE TABLE directory_sealing_keys (
  key_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  suite text NOT NULL,
  public_key bytea NOT NULL,
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  published_at timestamptz NOT NULL
);
CREATE INDEX directory_sealing_keys_by_organisation ON directory_sealing_keys (organisation_id, valid_from DESC);
