import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, postgresServer, waitFor } from "@kopru/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChains } from "./audit-chain.js";
import { runAuditVerify } from "./audit-verify-cli.js";
import { type Database, openDatabase, type Sql } from "./database.js";
import { migrate } from "./migrations.js";

const scratch = mkdtempSync(join(tmpdir(), "kopru-audit-chain-"));
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const backends = [
  {
    name: "postgresql",
    async open(): Promise<Database> {
      const database = await createTestDatabase({ prefix: "audit_chain" });
      cleanups.push(database.drop);
      return openDatabase({ service: "audit-chain-test", url: database.url, poolSize: 8 });
    },
  },
  {
    name: "pglite",
    async open(): Promise<Database> {
      return openDatabase({ service: "audit-chain-test", dataDir: scratch });
    },
  },
];

/** An audit table as services had them before the chain: rules that silently ignore changes. */
async function legacyAuditTable(db: Database, table: string, rows: number): Promise<void> {
  await db.exec(`
    CREATE TABLE ${table} (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      organisation_id text NOT NULL,
      action text NOT NULL,
      entity_id uuid
    );
    CREATE RULE ${table}_no_update AS ON UPDATE TO ${table} DO INSTEAD NOTHING;
    CREATE RULE ${table}_no_delete AS ON DELETE TO ${table} DO INSTEAD NOTHING;`);
  for (let i = 0; i < rows; i++) {
    await db.query(`INSERT INTO ${table} (organisation_id, action) VALUES ('org-a', $1)`, [`legacy-${i}`]);
  }
}

async function protectedAuditTable(db: Database, table: string, legacyRows = 0): Promise<void> {
  await legacyAuditTable(db, table, legacyRows);
  await db.transaction((tx) => tx.query("SELECT kopru_audit_protect($1)", [table]));
}

function append(sql: Sql, table: string, action: string) {
  return sql.query(`INSERT INTO ${table} (organisation_id, action) VALUES ('org-a', $1)`, [action]);
}

/** The row a table's chain holds at `position`, as a SQL condition on the audit table. */
function atPosition(table: string, position: number): string {
  return `id = (SELECT row_id FROM kopru_audit_chain WHERE audit_table = '${table}' AND position = ${position})`;
}

async function positionsOf(db: Database, table: string) {
  const rows = await db.query<{ chain_position: number; action: string }>(
    `SELECT c.position AS chain_position, t.action FROM ${table} t
       JOIN kopru_audit_chain c ON c.audit_table = '${table}' AND c.row_id = t.id ORDER BY c.position`,
  );
  return rows.rows;
}

/** What a DBA with disk access can do: change rows with the append-only triggers not firing. */
async function asDbaBypassingTriggers(db: Database, statement: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec("SET LOCAL session_replication_role = replica");
    await tx.exec(statement);
  });
}

async function reportOf(db: Database, table: string) {
  const reports = await verifyAuditChains(db, { batchSize: 3 });
  const report = reports.find((r) => r.table === table);
  if (!report) throw new Error(`no report for ${table}`);
  return report;
}

describe.each(backends)("append-only, hash-chained audit tables on $name", (backend) => {
  let db: Database;
  beforeAll(async () => {
    db = await backend.open();
    await migrate(db, []);
  });
  afterAll(async () => {
    await db.close();
  });

  it("takes the rows already there into the chain, in the order they were written", async () => {
    await protectedAuditTable(db, "kept_audit", 4);
    await append(db, "kept_audit", "after");
    expect(await positionsOf(db, "kept_audit")).toEqual([
      { chain_position: 1, action: "legacy-0" },
      { chain_position: 2, action: "legacy-1" },
      { chain_position: 3, action: "legacy-2" },
      { chain_position: 4, action: "legacy-3" },
      { chain_position: 5, action: "after" },
    ]);
    const report = await reportOf(db, "kept_audit");
    expect(report).toMatchObject({ rowsChecked: 5, headPosition: 5 });
    expect(report.broken).toBeUndefined();
  });

  it("refuses UPDATE, DELETE and TRUNCATE, even for a superuser, and the rows stay", async () => {
    await protectedAuditTable(db, "refusing_audit", 2);
    await expect(db.query("UPDATE refusing_audit SET action = 'rewritten'")).rejects.toThrow(
      /append-only: UPDATE refused/,
    );
    await expect(db.query("DELETE FROM refusing_audit")).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.exec("TRUNCATE refusing_audit")).rejects.toThrow(/append-only: TRUNCATE refused/);
    const rows = await db.query<{ action: string }>("SELECT action FROM refusing_audit ORDER BY id");
    expect(rows.rows.map((r) => r.action)).toEqual(["legacy-0", "legacy-1"]);
  });

  it("hashes times in UTC, whatever the writer's time zone", async () => {
    await protectedAuditTable(db, "zoned_audit");
    await db.transaction(async (tx) => {
      await tx.exec("SET LOCAL TimeZone = 'Europe/Istanbul'");
      await append(tx, "zoned_audit", "in-istanbul");
    });
    await append(db, "zoned_audit", "in-server-zone");
    expect((await reportOf(db, "zoned_audit")).broken).toBeUndefined();
  });

  it("finds an edited row, at its position", async () => {
    await protectedAuditTable(db, "edited_audit", 2);
    for (const action of ["read", "update", "list"]) await append(db, "edited_audit", action);
    await asDbaBypassingTriggers(
      db,
      `UPDATE edited_audit SET action = 'nothing-to-see' WHERE ${atPosition("edited_audit", 4)}`,
    );
    const report = await reportOf(db, "edited_audit");
    expect(report.broken).toMatchObject({ kind: "edited", position: 4 });
    expect(report.rowsChecked).toBe(3);
  });

  it("finds a row edited and re-hashed, at the row after it", async () => {
    await protectedAuditTable(db, "rehashed_audit", 3);
    await asDbaBypassingTriggers(
      db,
      `SET LOCAL TimeZone TO 'UTC';
       UPDATE rehashed_audit SET action = 'forged' WHERE ${atPosition("rehashed_audit", 2)};
       UPDATE kopru_audit_chain c
          SET hash = sha256((SELECT hash FROM kopru_audit_chain WHERE audit_table = 'rehashed_audit' AND position = 1)
                            || convert_to(kopru_audit_canonical(to_jsonb(t), 2), 'UTF8'))
         FROM rehashed_audit t
        WHERE c.audit_table = 'rehashed_audit' AND c.position = 2 AND t.id = c.row_id;`,
    );
    expect((await reportOf(db, "rehashed_audit")).broken).toMatchObject({ kind: "edited", position: 3 });
  });

  it("finds a deleted row in the middle and a deleted last row", async () => {
    await protectedAuditTable(db, "gap_audit", 5);
    await asDbaBypassingTriggers(db, `DELETE FROM gap_audit WHERE ${atPosition("gap_audit", 3)}`);
    expect((await reportOf(db, "gap_audit")).broken).toMatchObject({ kind: "missing", position: 3 });

    await protectedAuditTable(db, "tail_audit", 5);
    await asDbaBypassingTriggers(db, `DELETE FROM tail_audit WHERE ${atPosition("tail_audit", 5)}`);
    expect((await reportOf(db, "tail_audit")).broken).toMatchObject({ kind: "missing", position: 5 });
  });

  it("finds a row deleted with its link, in the middle and at the end", async () => {
    await protectedAuditTable(db, "unlinked_audit", 5);
    await asDbaBypassingTriggers(
      db,
      `DELETE FROM unlinked_audit WHERE ${atPosition("unlinked_audit", 2)};
       DELETE FROM kopru_audit_chain WHERE audit_table = 'unlinked_audit' AND position = 2;`,
    );
    expect((await reportOf(db, "unlinked_audit")).broken).toMatchObject({ kind: "missing", position: 2 });

    await protectedAuditTable(db, "short_audit", 3);
    await asDbaBypassingTriggers(
      db,
      `DELETE FROM short_audit WHERE ${atPosition("short_audit", 3)};
       DELETE FROM kopru_audit_chain WHERE audit_table = 'short_audit' AND position = 3;`,
    );
    expect((await reportOf(db, "short_audit")).broken).toMatchObject({ kind: "missing", position: 3 });
  });

  it("finds a row slipped in with the chain trigger off", async () => {
    await protectedAuditTable(db, "slipped_audit", 2);
    await asDbaBypassingTriggers(
      db,
      "INSERT INTO slipped_audit (organisation_id, action) VALUES ('org-a', 'slipped')",
    );
    expect((await reportOf(db, "slipped_audit")).broken).toMatchObject({ kind: "unchained" });
  });

  it("reports a table whose append-only trigger was disabled", async () => {
    await protectedAuditTable(db, "disarmed_audit", 1);
    await db.exec("ALTER TABLE disarmed_audit DISABLE TRIGGER disarmed_audit_append_only");
    expect((await reportOf(db, "disarmed_audit")).broken).toMatchObject({ kind: "unprotected" });
  });

  it("keeps the chain gapless under concurrent writers", async () => {
    await protectedAuditTable(db, "busy_audit");
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => db.transaction((tx) => append(tx, "busy_audit", `w${i}`))),
    );
    const positions = await positionsOf(db, "busy_audit");
    expect(positions.map((r) => r.chain_position)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect((await reportOf(db, "busy_audit")).broken).toBeUndefined();
  });
});

describe("audit chain on PostgreSQL only", () => {
  it("links rows in commit order; a committing writer waits only for another commit's link", async () => {
    const database = await createTestDatabase({ prefix: "audit_wait" });
    cleanups.push(database.drop);
    const db = await openDatabase({ service: "audit-wait", url: database.url, poolSize: 4 });
    const advisoryLocks = (granted: boolean) =>
      db.query(
        `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted = $1
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [granted],
      );
    try {
      await migrate(db, []);
      await protectedAuditTable(db, "queue_audit");
      // A writer with its row in but not committed holds no chain lock: a second writer commits first
      // and takes position 1, so an open transaction never holds up other writers.
      let releaseFirst!: () => void;
      const firstMayCommit = new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      let firstWrote!: () => void;
      const firstHasWritten = new Promise<void>((resolve) => {
        firstWrote = resolve;
      });
      const first = db.transaction(async (tx) => {
        await append(tx, "queue_audit", "first-written");
        firstWrote();
        await firstMayCommit;
      });
      await firstHasWritten;
      await db.transaction((tx) => append(tx, "queue_audit", "second-written"));
      expect((await advisoryLocks(true)).rows).toHaveLength(0);

      // A commit in progress (here: a session holding the chain lock) makes the next commit wait for it.
      let releaseLock!: () => void;
      const lockMayGo = new Promise<void>((resolve) => {
        releaseLock = resolve;
      });
      const holder = db.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock(7243262001)");
        await lockMayGo;
      });
      await waitFor(async () => (await advisoryLocks(true)).rows.length > 0, {
        message: "a session to hold the audit chain lock",
      });
      releaseFirst();
      await waitFor(async () => (await advisoryLocks(false)).rows.length > 0, {
        message: "the first writer's commit to wait for the audit chain lock",
      });
      releaseLock();
      await Promise.all([first, holder]);

      expect(await positionsOf(db, "queue_audit")).toEqual([
        { chain_position: 1, action: "second-written" },
        { chain_position: 2, action: "first-written" },
      ]);
      expect((await verifyAuditChains(db))[0]?.broken).toBeUndefined();
    } finally {
      await db.close();
    }
  });

  it("the application's own role (not a superuser) has no UPDATE, DELETE or TRUNCATE on audit tables", async () => {
    const { adminUrl } = await postgresServer();
    const database = await createTestDatabase({ prefix: "audit_role" });
    const role = `kopru_t_app_${randomBytes(4).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    cleanups.push(async () => {
      await database.drop();
      const server = new pg.Client({ connectionString: adminUrl });
      await server.connect();
      await server
        .query(`DROP ROLE IF EXISTS ${role}_svc`)
        .then(() => server.query(`DROP ROLE IF EXISTS ${role}`))
        .finally(() => server.end());
    });
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER PASSWORD '${password}'`);
      await admin.query(`CREATE ROLE ${role}_svc LOGIN NOSUPERUSER PASSWORD '${password}'`);
      await admin.query(`ALTER DATABASE "${database.name}" OWNER TO ${role}`);
      await admin.query(`ALTER SCHEMA public OWNER TO ${role}`);
    } finally {
      await admin.end();
    }
    const url = new URL(database.url);
    url.username = role;
    url.password = password;
    const db = await openDatabase({ service: "audit-role", url: url.toString(), poolSize: 2 });
    try {
      // The service migrates and writes as its own role, as in a deployment.
      await migrate(db, []);
      await protectedAuditTable(db, "owned_audit", 1);
      await append(db, "owned_audit", "by-the-app");
      for (const statement of [
        "UPDATE owned_audit SET action = 'x'",
        "DELETE FROM owned_audit",
        "TRUNCATE owned_audit",
      ]) {
        await expect(db.exec(statement)).rejects.toMatchObject({ code: "42501" });
        await expect(db.exec(statement)).rejects.toThrow(/permission denied/);
      }
      expect((await verifyAuditChains(db))[0]).toMatchObject({ table: "owned_audit", rowsChecked: 2 });

      // Production's split: the owner migrates, the service runs as a role that may only read and
      // append; the chain is still written (by the owner's SECURITY DEFINER link) and out of its reach.
      await db.exec(`GRANT SELECT, INSERT ON owned_audit TO ${role}_svc;
        GRANT USAGE ON SEQUENCE owned_audit_id_seq TO ${role}_svc;`);
      const serviceUrl = new URL(url);
      serviceUrl.username = `${role}_svc`;
      const service = await openDatabase({
        service: "audit-role-svc",
        url: serviceUrl.toString(),
        poolSize: 1,
      });
      try {
        await append(service, "owned_audit", "by-the-service-role");
        for (const statement of [
          "UPDATE owned_audit SET action = 'x'",
          "DELETE FROM kopru_audit_chain",
          "UPDATE kopru_audit_chain_heads SET position = 0",
          "INSERT INTO kopru_audit_chain VALUES ('owned_audit', 99, 99, '\\x00')",
        ]) {
          await expect(service.exec(statement), statement).rejects.toMatchObject({ code: "42501" });
        }
      } finally {
        await service.close();
      }
      expect((await verifyAuditChains(db))[0]).toMatchObject({ table: "owned_audit", rowsChecked: 3 });
    } finally {
      await db.close();
    }
  });
});

describe("pnpm audit:verify", () => {
  async function verify(args: string[]) {
    const out: string[] = [];
    const code = await runAuditVerify(args, {
      out: (line) => out.push(line),
      err: (line) => out.push(line),
      env: {},
    });
    return { code, text: out.join("\n") };
  }

  it("names the table and position of a row edited in a stopped service's PGlite database", async () => {
    const dataDir = mkdtempSync(join(scratch, "verify-"));
    const service = "verify-pglite";
    let db = await openDatabase({ service, dataDir });
    await migrate(db, []);
    await protectedAuditTable(db, "intake_like_audit", 3);
    await db.close();
    expect(await verify(["--service", service, "--data-dir", dataDir])).toMatchObject({
      code: 0,
      text: expect.stringContaining("intake_like_audit: intact, 3 rows"),
    });

    db = await openDatabase({ service, dataDir });
    await asDbaBypassingTriggers(
      db,
      `UPDATE intake_like_audit SET action = 'edited' WHERE ${atPosition("intake_like_audit", 2)}`,
    );
    await db.close();
    const broken = await verify(["--service", service, "--data-dir", dataDir]);
    expect(broken.code).toBe(1);
    expect(broken.text).toContain("intake_like_audit: BROKEN at position 2 (edited)");
  });

  it("names the table and position of a row deleted in a PostgreSQL database", async () => {
    const database = await createTestDatabase({ prefix: "audit_verify" });
    cleanups.push(database.drop);
    const db = await openDatabase({ service: "verify-pg", url: database.url });
    try {
      await migrate(db, []);
      await protectedAuditTable(db, "casework_like_audit", 4);
      await asDbaBypassingTriggers(
        db,
        `DELETE FROM casework_like_audit WHERE ${atPosition("casework_like_audit", 3)}`,
      );
    } finally {
      await db.close();
    }
    const broken = await verify(["--service", "verify-pg", "--database-url", database.url]);
    expect(broken.code).toBe(1);
    expect(broken.text).toContain("casework_like_audit: BROKEN at position 3 (missing)");
    expect(await verify(["--data-dir", "x"])).toMatchObject({ code: 2 });
  });
});
