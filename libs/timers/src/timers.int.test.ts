import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase } from "@kopru/testing";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { scheduleTimer, type TimerHandler, TimerWorker, timerMigrations } from "./timers.js";

const scratch = mkdtempSync(join(tmpdir(), "kopru-timers-"));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

async function postgres(): Promise<Database> {
  const database = await createTestDatabase();
  const db = await openDatabase({ service: "timers-test", url: database.url });
  cleanups.push(database.drop, () => db.close());
  return db;
}

async function pglite(): Promise<Database> {
  const db = await openDatabase({ service: `timers-${cleanups.length}`, dataDir: scratch });
  cleanups.push(() => db.close());
  return db;
}

class TestClock {
  constructor(public at: Date) {}
  now = () => this.at;
  advance(ms: number) {
    this.at = new Date(this.at.getTime() + ms);
  }
}

const HOUR = 3_600_000;

describe.each([
  ["postgresql", postgres],
  ["pglite", pglite],
] as const)("durable timers on %s", (_name, open) => {
  let db: Database;
  beforeEach(async () => {
    db = await open();
    await migrate(db, [timerMigrations]);
    await db.exec(
      "CREATE TABLE IF NOT EXISTS expired (referral_id text PRIMARY KEY, fired_at timestamptz NOT NULL)",
    );
  });

  const expire: TimerHandler = async (tx, timer) => {
    await tx.query("INSERT INTO expired (referral_id, fired_at) VALUES ($1, now())", [timer.key]);
  };

  it("fires a deadline once it is due by the clock, with its effect, exactly once", async () => {
    const clock = new TestClock(new Date("2026-11-25T08:00:00Z"));
    await db.transaction((tx) =>
      scheduleTimer(tx, { kind: "deadline", key: "r-1", dueAt: new Date(clock.at.getTime() + 24 * HOUR) }),
    );
    const worker = new TimerWorker({ db, clock, handlers: { deadline: expire } });
    expect(await worker.fireDue()).toBe(0);
    clock.advance(25 * HOUR);
    // A "restarted" service: a new worker finds the same row.
    const restarted = new TimerWorker({ db, clock, handlers: { deadline: expire } });
    expect(await restarted.fireDue()).toBe(1);
    expect(await restarted.fireDue()).toBe(0);
    expect((await db.query("SELECT referral_id FROM expired")).rows).toEqual([{ referral_id: "r-1" }]);
    expect((await db.query("SELECT 1 FROM kopru_timers")).rows).toHaveLength(0);
  });

  it("retries a failing handler later and leaves no half effect", async () => {
    const clock = new TestClock(new Date("2026-11-25T08:00:00Z"));
    await db.transaction((tx) => scheduleTimer(tx, { kind: "deadline", key: "r-2", dueAt: clock.at }));
    let calls = 0;
    const flaky: TimerHandler = async (tx, timer) => {
      calls += 1;
      await expire(tx, timer);
      if (calls === 1) throw new Error("downstream refused");
    };
    const worker = new TimerWorker({ db, clock, handlers: { deadline: flaky }, retryDelayMs: 60_000 });
    await worker.fireDue();
    expect((await db.query("SELECT 1 FROM expired")).rows).toHaveLength(0);
    const pending = await db.query<{ attempts: number; last_error: string }>(
      "SELECT attempts, last_error FROM kopru_timers",
    );
    expect(pending.rows[0]).toMatchObject({
      attempts: 1,
      last_error: expect.stringContaining("downstream refused"),
    });
    expect(await worker.fireDue()).toBe(0);
    clock.advance(61_000);
    expect(await worker.fireDue()).toBe(1);
    expect((await db.query("SELECT referral_id FROM expired")).rows).toEqual([{ referral_id: "r-2" }]);
  });

  it("moves a rescheduled timer instead of adding a second one", async () => {
    const clock = new TestClock(new Date("2026-11-25T08:00:00Z"));
    await db.transaction(async (tx) => {
      await scheduleTimer(tx, { kind: "deadline", key: "r-3", dueAt: clock.at });
      await scheduleTimer(tx, { kind: "deadline", key: "r-3", dueAt: new Date(clock.at.getTime() + HOUR) });
    });
    const worker = new TimerWorker({ db, clock, handlers: { deadline: expire } });
    expect(await worker.fireDue()).toBe(0);
    clock.advance(HOUR);
    expect(await worker.fireDue()).toBe(1);
  });
});

describe("durable timers with several replicas", () => {
  it("fire each timer once when two workers run on one PostgreSQL database", async () => {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    const a = await openDatabase({ service: "a", url: database.url, poolSize: 4 });
    const b = await openDatabase({ service: "b", url: database.url, poolSize: 4 });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    await migrate(a, [timerMigrations]);
    await a.exec("CREATE TABLE fired (key text PRIMARY KEY)");
    const clock = new TestClock(new Date("2026-11-25T08:00:00Z"));
    await a.transaction(async (tx) => {
      for (let i = 0; i < 200; i++)
        await scheduleTimer(tx, { kind: "deadline", key: `r-${i}`, dueAt: clock.at });
    });
    const handler: TimerHandler = async (tx, timer) => {
      await tx.query("INSERT INTO fired (key) VALUES ($1)", [timer.key]);
    };
    const [x, y] = await Promise.all([
      new TimerWorker({ db: a, clock, handlers: { deadline: handler } }).fireDue(),
      new TimerWorker({ db: b, clock, handlers: { deadline: handler } }).fireDue(),
    ]);
    expect(x + y).toBe(200);
    expect((await a.query("SELECT count(*) AS n FROM fired")).rows[0]).toEqual({ n: 200 });
  });
});
