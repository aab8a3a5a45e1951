-- The matching service's tables (ADR 0027). Nothing here is an identifier of a person: record refs
-- are opaque references each organisation chose, key hashes are HMAC-SHA256 under a secret this
-- service never holds, and consent ids are ids of the linking organisation's own records.

-- One row per registered record of an organisation.
CREATE TABLE match_records (
  organisation_id text NOT NULL,
  record_ref text NOT NULL,
  registered_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (organisation_id, record_ref)
);

-- The keyed hashes of each record's blocking keys; kind is the MatchKeyKind number.
CREATE TABLE match_keys (
  organisation_id text NOT NULL,
  record_ref text NOT NULL,
  kind smallint NOT NULL,
  key_hash text NOT NULL,
  PRIMARY KEY (organisation_id, record_ref, kind, key_hash),
  FOREIGN KEY (organisation_id, record_ref) REFERENCES match_records ON DELETE CASCADE
);
CREATE INDEX match_keys_by_hash ON match_keys (key_hash);

-- Possible matches told to a seeking organisation: one row per pair of records, so the match id it
-- was given stays the same each time the pair is found. Gone with either record.
CREATE TABLE possible_matches (
  match_id uuid PRIMARY KEY,
  seeker_organisation_id text NOT NULL,
  seeker_record_ref text NOT NULL,
  holder_organisation_id text NOT NULL,
  holder_record_ref text NOT NULL,
  strength smallint NOT NULL,
  found_at timestamptz NOT NULL,
  UNIQUE (seeker_organisation_id, seeker_record_ref, holder_organisation_id, holder_record_ref),
  FOREIGN KEY (seeker_organisation_id, seeker_record_ref) REFERENCES match_records ON DELETE CASCADE,
  FOREIGN KEY (holder_organisation_id, holder_record_ref) REFERENCES match_records ON DELETE CASCADE
);
CREATE INDEX possible_matches_by_holder ON possible_matches (holder_organisation_id, holder_record_ref);

-- Links made under a person's consent. A link outlives the records (erasure clears the side's
-- record ref): what stays is that the two organisations linked, when, and under which consent.
CREATE TABLE match_links (
  match_id uuid PRIMARY KEY,
  linked_by_organisation_id text NOT NULL,
  consent_id text NOT NULL,
  linked_at timestamptz NOT NULL,
  seeker_organisation_id text NOT NULL,
  seeker_record_ref text,
  holder_organisation_id text NOT NULL,
  holder_record_ref text
);
CREATE INDEX match_links_by_seeker ON match_links (seeker_organisation_id, linked_at DESC);
CREATE INDEX match_links_by_holder ON match_links (holder_organisation_id, linked_at DESC);
