import { AsyncLocalStorage } from "node:async_hooks";
import { createTestDatabase, waitFor } from "@kopru/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Database, openDatabase, type Sql } from "./database.js";
import { DatabaseUnavailableError, isUniqueViolation, UnitLeftTransactionAbortedError } from "./errors.js";

// Group commit against a real PostgreSQL: units are held inside their transaction with an
// advisory lock that a second connection holds, and the test waits in pg_locks until a unit is
// blocked there before it moves on, so every batch is formed by the state it waits for.

let url: string;
let drop: () => Promise<void>;
let db: Database;
/** A second, independent pool: what another process would see, and the lock holder. */
let observer: Database;

beforeAll(async () => {
  const created = await createTestDatabase({ prefix: "group_commit" });
  url = created.url;
  drop = created.drop;
  db = await openDatabase({
    service: "group-commit-test",
    url,
    poolSize: 4,
    groupCommit: { maxBatch: 32, concurrency: 1 },
  });
  observer = await openDatabase({ service: "group-commit-observer", url, poolSize: 4 });
  await db.exec(`
    CREATE TABLE gc_rows (id text PRIMARY KEY, note text);
    CREATE TABLE gc_deferred (k text, CONSTRAINT gc_deferred_k UNIQUE (k) DEFERRABLE INITIALLY DEFERRED);
  `);
});

afterAll(async () => {
  await db?.close();
  await observer?.close();
  await drop?.();
});

beforeEach(async () => {
  await db.exec("TRUNCATE gc_rows, gc_deferred");
});

// Other databases on the same server may use the same advisory keys: pg_locks is read per database.
let nextLock = 1_000;

/**
 * An advisory lock held by the observer's own transaction until `release()`: a unit that takes
 * the same lock waits inside its (coalesced) transaction, with later units queued behind it.
 */
async function holdLock(): Promise<{ key: number; release(): void; done: Promise<void> }> {
  const key = nextLock++;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let taken: () => void = () => {};
  const isTaken = new Promise<void>((resolve) => {
    taken = resolve;
  });
  const done = observer.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [key]);
    taken();
    await released;
  });
  await isTaken;
  return { key, release, done };
}

/** Waits until some backend waits for the advisory lock `key`; returns that backend's pid. */
async function waiterOn(key: number): Promise<number> {
  return waitFor(
    async () => {
      const r = await observer.query<{ pid: number }>(
        `SELECT pid FROM pg_locks
          WHERE locktype = 'advisory' AND objid = $1 AND NOT granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [key],
      );
      return r.rows[0]?.pid;
    },
    { message: `a unit waiting on advisory lock ${key}` },
  );
}

async function insertRow(tx: Sql, id: string): Promise<string> {
  await tx.query("INSERT INTO gc_rows (id) VALUES ($1)", [id]);
  const xact = await tx.query<{ xid: string }>("SELECT pg_current_xact_id()::text AS xid");
  return xact.rows[0]?.xid as string;
}

async function visibleIds(): Promise<string[]> {
  const r = await observer.query<{ id: string }>("SELECT id FROM gc_rows ORDER BY id");
  return r.rows.map((row) => row.id);
}

describe("runCoalesced on PostgreSQL", () => {
  it("puts units that arrive while a transaction is in flight into the next one, up to maxBatch", async () => {
    const before = { ...db.groupCommitStats };
    const lock = await holdLock();
    const first = db.runCoalesced(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [lock.key]);
      return insertRow(tx, "u000");
    });
    await waiterOn(lock.key);
    const rest = Array.from({ length: 40 }, (_, i) =>
      db.runCoalesced((tx) => insertRow(tx, `u${String(i + 1).padStart(3, "0")}`)),
    );
    lock.release();
    await lock.done;
    const xids = await Promise.all([first, ...rest]);

    // The first transaction takes the blocked unit and 31 of those queued behind it, the next the other 9.
    expect(new Set(xids).size).toBe(2);
    expect(db.groupCommitStats.transactions - before.transactions).toBe(2);
    expect(db.groupCommitStats.committed - before.committed).toBe(41);
    expect(db.groupCommitStats.largestBatch).toBe(32);
    expect(await visibleIds()).toHaveLength(41);
  });

  it("commits a lone unit at once, in a transaction of its own", async () => {
    const before = db.groupCommitStats.transactions;
    const xid = await db.runCoalesced((tx) => insertRow(tx, "alone"));
    expect(xid).toMatch(/^\d+$/);
    expect(db.groupCommitStats.transactions - before).toBe(1);
    expect(await visibleIds()).toEqual(["alone"]);
  });

  it("fails only the unit that failed; its neighbours commit and it leaves no half-written row", async () => {
    await db.runCoalesced((tx) => insertRow(tx, "taken"));
    const lock = await holdLock();
    const head = db.runCoalesced(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [lock.key]);
      return insertRow(tx, "a");
    });
    await waiterOn(lock.key);
    // b writes a row, then violates the primary key; c writes a row, then throws a domain error;
    // d catches its own failed statement and goes on as if nothing happened.
    const b = db.runCoalesced(async (tx) => {
      await insertRow(tx, "b-half");
      await insertRow(tx, "taken");
    });
    const c = db.runCoalesced(async (tx) => {
      await insertRow(tx, "c-half");
      throw new Error("domain rule refused c");
    });
    const d = db.runCoalesced(async (tx) => {
      await insertRow(tx, "d-half");
      await insertRow(tx, "taken").catch(() => undefined);
    });
    const e = db.runCoalesced((tx) => insertRow(tx, "e"));
    lock.release();
    await lock.done;

    const [ra, rb, rc, rd, re] = await Promise.allSettled([head, b, c, d, e]);
    expect(ra.status).toBe("fulfilled");
    expect(re.status).toBe("fulfilled");
    expect(rb.status === "rejected" && isUniqueViolation(rb.reason)).toBe(true);
    expect(rc.status === "rejected" && (rc.reason as Error).message).toBe("domain rule refused c");
    expect(rd.status === "rejected" && rd.reason).toBeInstanceOf(UnitLeftTransactionAbortedError);
    // a and e shared one transaction with the three failures.
    expect(ra.status === "fulfilled" && re.status === "fulfilled" && ra.value === re.value).toBe(true);
    expect(await visibleIds()).toEqual(["a", "e", "taken"]);
  });

  it("resolves a caller only after the COMMIT that made its write visible to others", async () => {
    const lock = await holdLock();
    let firstResolved = false;
    const first = db
      .runCoalesced((tx) => insertRow(tx, "early"))
      .then((xid) => {
        firstResolved = true;
        return xid;
      });
    // Joins the same transaction (concurrency 1: it queues behind the running one) and blocks it.
    const blocker = db.runCoalesced(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [lock.key]);
      return insertRow(tx, "late");
    });
    await waiterOn(lock.key);
    // "early" finished its work long ago, but its transaction has not committed yet.
    expect(firstResolved).toBe(false);
    expect(await visibleIds()).toEqual([]);
    lock.release();
    await lock.done;

    // Each caller, the moment it is told, finds its row from another connection.
    const seen = await Promise.all(
      [first, blocker].map((p, i) =>
        p.then(async () => {
          const id = i === 0 ? "early" : "late";
          const r = await observer.query("SELECT 1 FROM gc_rows WHERE id = $1", [id]);
          return r.rowCount;
        }),
      ),
    );
    expect(seen).toEqual([1, 1]);

    // And under load: every one of many concurrent callers sees its own row when it resolves.
    const many = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        db
          .runCoalesced((tx) => insertRow(tx, `m${i}`))
          .then(
            async () => (await observer.query("SELECT 1 FROM gc_rows WHERE id = $1", [`m${i}`])).rowCount,
          ),
      ),
    );
    expect(many.every((n) => n === 1)).toBe(true);
  });

  it("fails every unit of a transaction whose connection is lost; none resolves as success", async () => {
    const lock = await holdLock();
    const ok1 = db.runCoalesced((tx) => insertRow(tx, "lost-1"));
    const ok2 = db.runCoalesced((tx) => insertRow(tx, "lost-2"));
    const stuck = db.runCoalesced(async (tx) => {
      await insertRow(tx, "lost-3");
      await tx.query("SELECT pg_advisory_xact_lock($1)", [lock.key]);
    });
    const pid = await waiterOn(lock.key);
    // Watched before the kill: the units may fail before the terminating call itself returns.
    const settled = Promise.allSettled([ok1, ok2, stuck]);
    await observer.query("SELECT pg_terminate_backend($1)", [pid]);
    const results = await settled;
    for (const r of results) {
      expect(r.status).toBe("rejected");
      expect(r.status === "rejected" && r.reason).toBeInstanceOf(DatabaseUnavailableError);
    }
    lock.release();
    await lock.done;
    expect(await visibleIds()).toEqual([]);
    // The broken connection was thrown away: the next unit commits on a fresh one.
    await db.runCoalesced((tx) => insertRow(tx, "after"));
    expect(await visibleIds()).toEqual(["after"]);
  });

  it("fails every unit of a transaction whose COMMIT fails", async () => {
    const before = { ...db.groupCommitStats };
    // Both units pass their own statements; the deferred unique constraint fails at COMMIT.
    const results = await Promise.allSettled([
      db.runCoalesced(async (tx) => {
        await insertRow(tx, "commit-1");
        await tx.query("INSERT INTO gc_deferred (k) VALUES ('same')");
      }),
      db.runCoalesced(async (tx) => {
        await insertRow(tx, "commit-2");
        await tx.query("INSERT INTO gc_deferred (k) VALUES ('same')");
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    for (const r of results) expect(r.status === "rejected" && isUniqueViolation(r.reason)).toBe(true);
    expect(db.groupCommitStats.transactionsFailed - before.transactionsFailed).toBe(1);
    expect(await visibleIds()).toEqual([]);
    expect((await observer.query("SELECT 1 FROM gc_deferred")).rowCount).toBe(0);
  });

  it("runs each unit in its caller's async context", async () => {
    const caller = new AsyncLocalStorage<string>();
    const seen = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        caller.run(`caller-${i}`, () =>
          db.runCoalesced(async (tx) => {
            await tx.query("SELECT 1");
            return caller.getStore();
          }),
        ),
      ),
    );
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `caller-${i}`));
  });
});

describe("transaction() with BEGIN sent alongside the first statement", () => {
  it("still commits, rolls back on error, and sends nothing for work without statements", async () => {
    await db.transaction((tx) => insertRow(tx, "t1"));
    await expect(
      db.transaction(async (tx) => {
        await insertRow(tx, "t2");
        throw new Error("no");
      }),
    ).rejects.toThrow("no");
    expect(await db.transaction(async () => "nothing")).toBe("nothing");
    const isolated = await db.transaction(
      async (tx) =>
        (await tx.query<{ level: string }>("SELECT current_setting('transaction_isolation') AS level"))
          .rows[0]?.level,
      { isolation: "serializable" },
    );
    expect(isolated).toBe("serializable");
    expect(await visibleIds()).toEqual(["t1"]);
  });
});
