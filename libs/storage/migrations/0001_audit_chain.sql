-- Append-only, hash-chained audit tables (ADR 0025). Every audit table of a service calls
-- kopru_audit_protect('<table>') from its own migration; from then on:
--   * UPDATE, DELETE and TRUNCATE raise (triggers), and the privileges are revoked from PUBLIC and
--     from the role running the migration (a superuser keeps them; the triggers still refuse);
--   * when a transaction that inserted audit rows commits, each row gets the next position of its
--     table's chain in kopru_audit_chain, with hash = sha256(previous hash || canonical row), so
--     every writer (a repository, a migration's INSERT … SELECT) joins the chain without knowing it.
-- The link is made by a deferred trigger under one advisory lock per database, taken at commit and
-- held only for the commit: positions are gapless and in commit order, and the lock never waits
-- behind (or holds up) the application's own row and advisory locks, so it cannot deadlock with them.

-- One link per audit row: its table, its position in that table's chain, the row it covers, the hash.
CREATE TABLE kopru_audit_chain (
  audit_table text NOT NULL,
  position bigint NOT NULL,
  row_id bigint NOT NULL,
  hash bytea NOT NULL,
  PRIMARY KEY (audit_table, position),
  UNIQUE (audit_table, row_id)
);

-- The last position and hash of each audit table's chain: tells the verifier where the chain must
-- end, so a deleted last link shows as well as a deleted middle one.
CREATE TABLE kopru_audit_chain_heads (
  audit_table text PRIMARY KEY,
  position bigint NOT NULL,
  hash bytea NOT NULL
);

-- The text a row's hash covers: the row as JSON (keys in jsonb's fixed order) with its position and
-- without null fields, so a nullable column added later leaves earlier hashes valid. The row's JSON
-- is made with the session's TimeZone set to UTC (the trigger and the verifier both do so).
CREATE FUNCTION kopru_audit_canonical(audit_row jsonb, chain_position bigint) RETURNS text
  LANGUAGE sql IMMUTABLE
  AS $$ SELECT (jsonb_strip_nulls(audit_row) || jsonb_build_object('chain_position', chain_position))::text $$;

-- Appends one row to its table's chain. Callers hold no other audit lock; this takes the one lock.
-- It runs as its owner (the role that migrated), so a service role granted only SELECT and INSERT on
-- its audit tables needs no right at all on the chain and its heads.
CREATE FUNCTION kopru_audit_link(audit_table text, audit_row jsonb) RETURNS void
  LANGUAGE plpgsql
  SECURITY DEFINER
  SET search_path FROM CURRENT
  AS $$
DECLARE
  head_position bigint;
  head_hash bytea;
  link_hash bytea;
BEGIN
  PERFORM pg_advisory_xact_lock(7243262001);
  SELECT h.position, h.hash INTO head_position, head_hash
    FROM kopru_audit_chain_heads h WHERE h.audit_table = kopru_audit_link.audit_table FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'audit table % has no chain head', audit_table;
  END IF;
  link_hash := sha256(head_hash || convert_to(kopru_audit_canonical(audit_row, head_position + 1), 'UTF8'));
  INSERT INTO kopru_audit_chain (audit_table, position, row_id, hash)
    VALUES (audit_table, head_position + 1, (audit_row ->> 'id')::bigint, link_hash);
  UPDATE kopru_audit_chain_heads h SET position = head_position + 1, hash = link_hash
    WHERE h.audit_table = kopru_audit_link.audit_table;
END
$$;

CREATE FUNCTION kopru_audit_append() RETURNS trigger
  LANGUAGE plpgsql
  SET "TimeZone" TO 'UTC'
  AS $$
BEGIN
  PERFORM kopru_audit_link(TG_TABLE_NAME, to_jsonb(NEW));
  RETURN NULL;
END
$$;

CREATE FUNCTION kopru_audit_refuse_change() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

-- The chain itself is append-only; its heads move forward only (no DELETE or TRUNCATE).
CREATE TRIGGER kopru_audit_chain_append_only BEFORE UPDATE OR DELETE ON kopru_audit_chain
  FOR EACH ROW EXECUTE FUNCTION kopru_audit_refuse_change();
CREATE TRIGGER kopru_audit_chain_no_truncate BEFORE TRUNCATE ON kopru_audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION kopru_audit_refuse_change();
CREATE TRIGGER kopru_audit_chain_heads_no_delete BEFORE DELETE ON kopru_audit_chain_heads
  FOR EACH ROW EXECUTE FUNCTION kopru_audit_refuse_change();
CREATE TRIGGER kopru_audit_chain_heads_no_truncate BEFORE TRUNCATE ON kopru_audit_chain_heads
  FOR EACH STATEMENT EXECUTE FUNCTION kopru_audit_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON kopru_audit_chain FROM PUBLIC, CURRENT_USER;
REVOKE DELETE, TRUNCATE ON kopru_audit_chain_heads FROM PUBLIC, CURRENT_USER;

-- Turns an existing table (with an `id` column giving the order rows were written in) into a
-- protected, chained audit table. Rows already there join the chain first, in id order.
CREATE FUNCTION kopru_audit_protect(audit_table text) RETURNS void
  LANGUAGE plpgsql
  SET "TimeZone" TO 'UTC'
  AS $$
DECLARE
  rule record;
  existing record;
BEGIN
  -- Earlier tables silently ignored UPDATE and DELETE through rules; a refused change must fail.
  FOR rule IN SELECT rulename FROM pg_rules WHERE schemaname = current_schema() AND tablename = audit_table LOOP
    EXECUTE format('DROP RULE %I ON %I', rule.rulename, audit_table);
  END LOOP;
  INSERT INTO kopru_audit_chain_heads (audit_table, position, hash)
    VALUES (audit_table, 0, decode(repeat('00', 32), 'hex'));
  FOR existing IN EXECUTE format('SELECT to_jsonb(t) AS audit_row FROM %I t ORDER BY id', audit_table) LOOP
    PERFORM kopru_audit_link(audit_table, existing.audit_row);
  END LOOP;

  EXECUTE format(
    'CREATE CONSTRAINT TRIGGER %I AFTER INSERT ON %I DEFERRABLE INITIALLY DEFERRED
       FOR EACH ROW EXECUTE FUNCTION kopru_audit_append()',
    audit_table || '_chain', audit_table);
  EXECUTE format(
    'CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION kopru_audit_refuse_change()',
    audit_table || '_append_only', audit_table);
  EXECUTE format(
    'CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION kopru_audit_refuse_change()',
    audit_table || '_no_truncate', audit_table);
  -- A superuser bypasses privileges (the triggers above still refuse); any other role running the
  -- migrations, usually the service's own, loses the right to change rows it may only append.
  EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM PUBLIC, CURRENT_USER', audit_table);
END
$$;
