-- What intake has sent, or still has to send, to the matching service (ADR 0027): per registered
-- person, the keyed hashes of their identifiers under an opaque record ref used nowhere else, and the
-- last answer. A row is synced when synced_version reaches version; until then a worker retries, so a
-- matching service that is down loses nothing. No plaintext identifier is stored here.
CREATE TABLE matching_registrations (
  beneficiary_id uuid PRIMARY KEY,
  organisation_id text NOT NULL,
  record_ref text NOT NULL UNIQUE,
  -- [{ "kind": <MatchKeyKind>, "hash": "<base64url>" }]; NULL once the record is to be removed.
  hashes jsonb,
  -- 'registered' or 'removed': what the matching service should hold.
  wanted text NOT NULL CHECK (wanted IN ('registered', 'removed')),
  version integer NOT NULL,
  synced_version integer NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  -- The gRPC status name of the last failure (never its message).
  last_error text,
  -- The last answer: [{ matchId, organisationId, strength, foundAt, linkedConsentId? }].
  possible_matches jsonb NOT NULL DEFAULT '[]',
  checked_at timestamptz
);
CREATE INDEX matching_registrations_pending ON matching_registrations (next_attempt_at)
  WHERE synced_version < version;
