import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closedPortUrl, createTestDatabase } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "./database.js";
import {
  DatabaseUnavailableError,
  MigrationChecksumError,
  MigrationFailedError,
  TransactionAbortedError,
} from "./errors.js";
import { migrate } from "./migrations.js";

type Backend = { name: string; open(): Promise<Database>; dispose(): Promise<void> };

const scratch = mkdtempSync(join(tmpdir(), "kopru-storage-"));
const dropDatabases: (() => Promise<void>)[] = [];

const backends: Backend[] = [
  {
    name: "postgresql",
    async open() {
      const database = await createTestDatabase();
      dropDatabases.push(database.drop);
      return openDatabase({ service: "storage-test", url: database.url, poolSize: 4 });
    },
    async dispose() {},
  },
  {
    name: "pglite",
    async open() {
      return openDatabase({
        service: `storage-test-${dropDatabases.length}-${Date.now()}`,
        dataDir: scratch,
      });
    },
    async dispose() {},
  },
];

afterAll(async () => {
  for (const drop of dropDatabases) await drop();
  rmSync(scratch, { recursive: true, force: true });
});

function migrationDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, "migrations-"));
  mkdirSync(dir, { recursive: true });
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

describe.each(backends)("storage on $name", (backend) => {
  let db: Database;
  beforeAll(async () => {
    db = await backend.open();
  });
  afterAll(async () => {
    await db.close();
    await backend.dispose();
  });

  it("applies forward-only migrations once and records them", async () => {
    const dir = migrationDir({
      "0001_people.sql": "CREATE TABLE things (id bigserial PRIMARY KEY, label text NOT NULL);",
      "0002_more.sql":
        "ALTER TABLE things ADD COLUMN size int8; CREATE INDEX things_label ON things (label);",
    });
    const first = await migrate(db, [{ name: "svc", dir }]);
    expect(first.filter((m) => m.source === "svc").map((m) => m.name)).toEqual([
      "0001_people.sql",
      "0002_more.sql",
    ]);
    const second = await migrate(db, [{ name: "svc", dir }]);
    expect(second).toEqual([]);
    const recorded = await db.query<{ name: string }>(
      "SELECT name FROM kopru_schema_migrations WHERE source = 'svc' ORDER BY name",
    );
    expect(recorded.rows.map((r) => r.name)).toEqual(["0001_people.sql", "0002_more.sql"]);
  });

  it("refuses an applied migration that was edited afterwards", async () => {
    const dir = migrationDir({ "0001_edit.sql": "CREATE TABLE edited (id int);" });
    await migrate(db, [{ name: "edit", dir }]);
    writeFileSync(join(dir, "0001_edit.sql"), "CREATE TABLE edited (id int, extra text);");
    await expect(migrate(db, [{ name: "edit", dir }])).rejects.toBeInstanceOf(MigrationChecksumError);
  });

  it("leaves neither half a schema nor a bookkeeping row when a migration fails", async () => {
    const dir = migrationDir({
      "0001_broken.sql": "CREATE TABLE half_done (id int); SELECT * FROM no_such_table;",
    });
    await expect(migrate(db, [{ name: "broken", dir }])).rejects.toBeInstanceOf(MigrationFailedError);
    const table = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
    expect(table.rows).toHaveLength(0);
    const row = await db.query("SELECT 1 FROM kopru_schema_migrations WHERE source = 'broken'");
    expect(row.rows).toHaveLength(0);
  });

  it("commits and rolls back transactions as a unit", async () => {
    await db.exec(
      "CREATE TABLE IF NOT EXISTS ledger (id bigserial PRIMARY KEY, amount int8 NOT NULL, blob bytea)",
    );
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO ledger (amount) VALUES ($1)", [10]);
        throw new Error("effect failed");
      }),
    ).rejects.toThrow("effect failed");
    expect((await db.query("SELECT count(*) AS n FROM ledger")).rows[0]).toEqual({ n: 0 });

    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO ledger (amount, blob) VALUES ($1, $2)", [
        9_007_199_254_740_991,
        Buffer.from([1, 2]),
      ]);
    });
    const rows = await db.query<{ amount: number; total: number; blob: Uint8Array }>(
      "SELECT amount, sum(amount) OVER () AS total, blob FROM ledger",
    );
    // int8 and numeric come back as numbers on both backends.
    expect(rows.rows[0]?.amount).toBe(9_007_199_254_740_991);
    expect(typeof rows.rows[0]?.total).toBe("number");
    expect(Array.from(rows.rows[0]?.blob ?? [])).toEqual([1, 2]);
  });

  it("runs statements issued together inside one transaction one after another, in the order given", async () => {
    await db.exec("CREATE TABLE IF NOT EXISTS together (id int PRIMARY KEY, note text NOT NULL)");
    const seen = await db.transaction(async (tx) => {
      // Not awaited one by one: a caller that sends a transaction's statements at once.
      const writes = Array.from({ length: 20 }, (_, i) =>
        tx.query("INSERT INTO together (id, note) VALUES ($1, $2)", [i, `note ${i}`]),
      );
      const [, , count] = await Promise.all([
        Promise.all(writes),
        tx.query("UPDATE together SET note = note || ' (seen)' WHERE id < 20"),
        tx.query<{ n: number }>("SELECT count(*)::int AS n FROM together WHERE note LIKE '%(seen)'"),
      ]);
      return count.rows[0]?.n;
    });
    expect(seen).toBe(20);
    expect((await db.query("SELECT count(*)::int AS n FROM together")).rows[0]).toEqual({ n: 20 });
  });

  it("reports a transaction whose work caught a failed statement and returned as rolled back, not committed", async () => {
    await db.exec("CREATE TABLE IF NOT EXISTS swallowed (id int PRIMARY KEY)");
    await expect(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO swallowed (id) VALUES (1)");
        await tx.query("INSERT INTO swallowed (id) VALUES (1)").catch(() => undefined);
        return "claims success";
      }),
    ).rejects.toThrow(TransactionAbortedError);
    expect((await db.query("SELECT count(*)::int AS n FROM swallowed")).rows[0]).toEqual({ n: 0 });
    // A failure the work rolled back to a savepoint leaves the transaction standing: it commits.
    await db.transaction(async (tx) => {
      await tx.query("INSERT INTO swallowed (id) VALUES (2)");
      await tx.query("SAVEPOINT attempt");
      await tx
        .query("INSERT INTO swallowed (id) VALUES (2)")
        .catch(() => tx.query("ROLLBACK TO SAVEPOINT attempt"));
      await tx.query("INSERT INTO swallowed (id) VALUES (3)");
    });
    expect((await db.query("SELECT array_agg(id ORDER BY id) AS ids FROM swallowed")).rows[0]).toEqual({
      ids: [2, 3],
    });
  });

  it("rolls back every statement issued together when one of them fails", async () => {
    await db.exec("CREATE TABLE IF NOT EXISTS together_fail (id int PRIMARY KEY)");
    await expect(
      db.transaction(async (tx) => {
        await Promise.all([
          tx.query("INSERT INTO together_fail (id) VALUES (1)"),
          tx.query("INSERT INTO together_fail (id) VALUES (1)"),
          tx.query("INSERT INTO together_fail (id) VALUES (2)"),
        ]);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await db.query("SELECT count(*)::int AS n FROM together_fail")).rows[0]).toEqual({ n: 0 });
    // The database is usable afterwards: nothing is left waiting on the failed transaction.
    await db.transaction((tx) => tx.query("INSERT INTO together_fail (id) VALUES (3)"));
    expect((await db.query("SELECT count(*)::int AS n FROM together_fail")).rows[0]).toEqual({ n: 1 });
  });
});

describe("storage on PostgreSQL only", () => {
  it("two instances migrating at once apply each file exactly once", async () => {
    const database = await createTestDatabase();
    dropDatabases.push(database.drop);
    const a = await openDatabase({ service: "a", url: database.url });
    const b = await openDatabase({ service: "b", url: database.url });
    const dir = migrationDir({
      "0001_race.sql": "CREATE TABLE race (id int); SELECT pg_sleep(0.2);",
      "0002_race.sql": "CREATE TABLE race_two (id int);",
    });
    try {
      const [ra, rb] = await Promise.all([
        migrate(a, [{ name: "r", dir }]),
        migrate(b, [{ name: "r", dir }]),
      ]);
      expect([...ra, ...rb].filter((m) => m.source === "r")).toHaveLength(2);
      const tables = await a.query("SELECT 1 FROM information_schema.tables WHERE table_name LIKE 'race%'");
      expect(tables.rows).toHaveLength(2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("reports an unreachable server as DatabaseUnavailableError, naming where for logs but not to callers", async () => {
    const db = await openDatabase({ service: "down", url: await closedPortUrl() });
    const error = await db.query("SELECT 1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as DatabaseUnavailableError).location).toMatch(/127\.0\.0\.1/);
    expect((error as DatabaseUnavailableError).code).toBe("unavailable");
    expect((error as Error).message).not.toMatch(/127\.0\.0\.1/);
    await db.close();
  });
});
