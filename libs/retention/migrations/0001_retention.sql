-- Destruction of personal data whose purpose ended (libs/retention, ADR 0026).

-- One row per destruction run: when it was due, when it ran (business clock) and when the next one
-- is due. scheduled_for is unique, so a run can never happen twice for the same due time, whatever
-- the number of replicas.
CREATE TABLE retention_runs (
  run_id uuid PRIMARY KEY,
  scheduled_for timestamptz NOT NULL UNIQUE,
  ran_at timestamptz NOT NULL,
  next_run_at timestamptz NOT NULL
);

-- The destruction log: what a run destroyed, per organisation and data class. Ids and counts only,
-- never personal data: the record ids are the service's own random identifiers of records that no
-- longer hold anything about a person. Append-only.
CREATE TABLE retention_destructions (
  id bigserial PRIMARY KEY,
  run_id uuid NOT NULL REFERENCES retention_runs (run_id),
  organisation_id text NOT NULL,
  data_class text NOT NULL,
  -- 'erased' (rows deleted) or 'anonymised' (personal fields irreversibly cleared, figures kept).
  method text NOT NULL CHECK (method IN ('erased', 'anonymised')),
  -- The retention period applied, in days, and the moment the purpose must have ended before.
  period_days integer NOT NULL CHECK (period_days > 0),
  ended_before timestamptz NOT NULL,
  record_count integer NOT NULL CHECK (record_count > 0),
  record_ids text[] NOT NULL,
  destroyed_at timestamptz NOT NULL,
  CHECK (cardinality(record_ids) = record_count)
);
CREATE INDEX retention_destructions_run ON retention_destructions (run_id);
CREATE INDEX retention_destructions_class ON retention_destructions (organisation_id, data_class, destroyed_at);
CREATE RULE retention_destructions_no_update AS ON UPDATE TO retention_destructions DO INSTEAD NOTHING;
CREATE RULE retention_destructions_no_delete AS ON DELETE TO retention_destructions DO INSTEAD NOTHING;
