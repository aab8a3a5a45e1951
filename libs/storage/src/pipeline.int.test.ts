import { createTestDatabase } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "./database.js";
import { DatabaseBusyError, DatabaseUnavailableError } from "./errors.js";
import { allInOrder } from "./pipeline.js";

const drops: (() => Promise<void>)[] = [];

async function postgres(options: { poolSize?: number; connectionTimeoutMs?: number } = {}) {
  const database = await createTestDatabase();
  drops.push(database.drop);
  return openDatabase({ service: "pipeline-test", url: database.url, ...options });
}

afterAll(async () => {
  for (const drop of drops) await drop();
});

const SCHEMA = `
  CREATE TABLE parents (id int PRIMARY KEY);
  CREATE TABLE children (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parents (id));`;

describe.each([
  { name: "postgresql", open: () => postgres({ poolSize: 2 }) },
  { name: "pglite", open: () => openDatabase({ service: "pipeline-test" }) },
])("allInOrder on $name", ({ open }) => {
  let db: Database;
  beforeAll(async () => {
    db = await open();
    await db.exec(SCHEMA);
  });
  afterAll(async () => {
    await db.close();
  });

  it("runs the statements of a transaction in the order given and returns each answer", async () => {
    const [, , children] = await db.transaction((tx) =>
      allInOrder(tx, [
        () => tx.query("INSERT INTO parents (id) VALUES ($1)", [1]),
        // Depends on the row above: it only succeeds when the server ran that one first.
        () => tx.query("INSERT INTO children (id, parent_id) VALUES ($1, $2)", [10, 1]),
        () => tx.query<{ n: number }>("SELECT count(*)::int AS n FROM children WHERE parent_id = $1", [1]),
      ]),
    );
    expect(children.rows[0]?.n).toBe(1);
  });

  it("throws the first failure in order and commits nothing of the transaction", async () => {
    const failing = db.transaction((tx) =>
      allInOrder(tx, [
        () => tx.query("INSERT INTO parents (id) VALUES ($1)", [2]),
        () => tx.query("INSERT INTO children (id, parent_id) VALUES ($1, $2)", [20, 999]),
        () => tx.query("INSERT INTO parents (id) VALUES ($1)", [3]),
      ]),
    );
    await expect(failing).rejects.toMatchObject({ code: "23503" });
    const left = await db.query<{ id: number }>("SELECT id FROM parents WHERE id IN (2, 3)");
    expect(left.rows).toEqual([]);
    // The connection is usable afterwards.
    await expect(db.transaction((tx) => tx.query("SELECT 1 AS one"))).resolves.toMatchObject({
      rows: [{ one: 1 }],
    });
  });

  it("keeps a group-committed unit's failure to that unit", async () => {
    const [bad, good] = await Promise.allSettled([
      db.runCoalesced((tx) =>
        allInOrder(tx, [
          () => tx.query("INSERT INTO parents (id) VALUES ($1)", [4]),
          () => tx.query("INSERT INTO children (id, parent_id) VALUES ($1, $2)", [40, 998]),
        ]),
      ),
      db.runCoalesced((tx) =>
        allInOrder(tx, [
          () => tx.query("INSERT INTO parents (id) VALUES ($1)", [5]),
          () => tx.query("INSERT INTO children (id, parent_id) VALUES ($1, $2)", [50, 5]),
        ]),
      ),
    ]);
    expect(bad.status).toBe("rejected");
    expect(good.status).toBe("fulfilled");
    const left = await db.query<{ id: number }>("SELECT id FROM parents WHERE id IN (4, 5) ORDER BY id");
    expect(left.rows).toEqual([{ id: 5 }]);
  });
});

describe("statements on PostgreSQL", () => {
  it("prepares a statement with parameters once per connection and reuses it", async () => {
    const db = await postgres({ poolSize: 1 });
    try {
      const text = "SELECT $1::int + 1 AS next";
      for (const n of [1, 2, 3]) {
        const result = await db.transaction((tx) => tx.query<{ next: number }>(text, [n]));
        expect(result.rows[0]?.next).toBe(n + 1);
      }
      const prepared = await db.transaction((tx) =>
        tx.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = $1",
          [text],
        ),
      );
      expect(prepared.rows[0]?.n).toBe(1);
    } finally {
      await db.close();
    }
  });

  it("answers a caller that found every connection busy with DatabaseBusyError, nothing written", async () => {
    const db = await postgres({ poolSize: 1, connectionTimeoutMs: 300 });
    try {
      await db.exec("CREATE TABLE marks (id int PRIMARY KEY)");
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding = () => {};
      const holds = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const holder = db.transaction(async (tx) => {
        await tx.query("SELECT 1");
        holding();
        await held;
      });
      await holds;
      const refused = db.transaction((tx) => tx.query("INSERT INTO marks (id) VALUES ($1)", [1]));
      await expect(refused).rejects.toBeInstanceOf(DatabaseBusyError);
      await expect(refused).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await expect(refused).rejects.toMatchObject({ code: "unavailable" });
      release();
      await holder;
      const marks = await db.query("SELECT id FROM marks");
      expect(marks.rows).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
