import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase } from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { RETENTION_TIMER, RetentionWorker } from "./destruction.js";
import { DAY_MS, type DataClass, type PeriodOverride, resolveRetentionPolicy } from "./policy.js";

const scratch = mkdtempSync(join(tmpdir(), "kopru-retention-"));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

class TestClock {
  constructor(public at: Date) {}
  now = () => this.at;
  advance(ms: number) {
    this.at = new Date(this.at.getTime() + ms);
  }
}

const T0 = new Date("2027-01-04T09:00:00Z");
const CANARY = "CANARY-Zeynep-0555-123-45-67";

// A stand-in for a service's personal data: notes whose purpose ends when the case closes.
const notes: DataClass = {
  name: "closed-notes",
  description: "notes of closed cases",
  method: "erased",
  defaultPeriodDays: 90,
  reason: "test",
  async select(sql, { organisationId, endedBefore }) {
    const { rows } = await sql.query<{ id: string }>(
      "SELECT id FROM notes WHERE organisation_id = $1 AND closed_at < $2 ORDER BY id",
      [organisationId, endedBefore],
    );
    return rows.map((r) => r.id);
  },
  async destroy(tx, ids) {
    await tx.query("DELETE FROM notes WHERE id = ANY($1::text[])", [ids]);
  },
};

async function postgres(): Promise<Database> {
  const created = await createTestDatabase();
  const db = await openDatabase({ service: "retention-test", url: created.url });
  cleanups.push(created.drop, () => db.close());
  return db;
}

// The embedded database a service uses without DATABASE_URL (the local network's default).
async function pglite(): Promise<Database> {
  const db = await openDatabase({ service: `retention-${cleanups.length}`, dataDir: scratch });
  cleanups.push(() => db.close());
  return db;
}

// PGlite is slow to open: there, the core run and the restart only; everything on PostgreSQL.
describe.each([
  ["PostgreSQL", postgres, true],
  ["PGlite", pglite, false],
] as const)("retention destruction runs on %s", (_name, open, everyCase) => {
  let db: Database;
  let clock: TestClock;
  beforeEach(async () => {
    db = await open();
    await migrate(db, [
      timerMigrations,
      { name: "retention", dir: new URL("../migrations", import.meta.url).pathname },
    ]);
    await db.exec(
      "CREATE TABLE notes (id text PRIMARY KEY, organisation_id text NOT NULL, body text NOT NULL, closed_at timestamptz)",
    );
    clock = new TestClock(T0);
  });

  function worker(options: { overrides?: PeriodOverride[]; runEveryMs?: number } = {}) {
    const policy = resolveRetentionPolicy({
      classes: [notes],
      organisations: ["ngo-hayat", "ngo-umut"],
      overrides: options.overrides ?? [],
    });
    return new RetentionWorker({ db, clock, policy, runEveryMs: options.runEveryMs ?? 182 * DAY_MS });
  }

  async function note(id: string, organisationId: string, closedDaysAgo: number | null) {
    const closedAt = closedDaysAgo === null ? null : new Date(clock.at.getTime() - closedDaysAgo * DAY_MS);
    await db.query("INSERT INTO notes (id, organisation_id, body, closed_at) VALUES ($1, $2, $3, $4)", [
      id,
      organisationId,
      `${CANARY} ${id}`,
      closedAt,
    ]);
  }

  const remaining = async () =>
    (await db.query<{ id: string }>("SELECT id FROM notes ORDER BY id")).rows.map((r) => r.id);
  const log = async () =>
    (
      await db.query<{
        organisation_id: string;
        data_class: string;
        method: string;
        period_days: number;
        record_count: number;
        record_ids: string[];
        run_id: string;
      }>(
        "SELECT organisation_id, data_class, method, period_days, record_count, record_ids, run_id FROM retention_destructions ORDER BY id",
      )
    ).rows;

  it("destroys what is past its period, keeps what is inside it or still open, logs it, and a second run does nothing more", async () => {
    await note("n-old", "ngo-hayat", 91);
    await note("n-recent", "ngo-hayat", 89);
    await note("n-open", "ngo-hayat", null);
    const retention = worker();
    await retention.ensureScheduled();
    expect(await retention.fireDue()).toBe(1);

    expect(await remaining()).toEqual(["n-open", "n-recent"]);
    const [entry, ...rest] = await log();
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      organisation_id: "ngo-hayat",
      data_class: "closed-notes",
      method: "erased",
      period_days: 90,
      record_count: 1,
      record_ids: ["n-old"],
    });
    const runs = await db.query<{ run_id: string; next_run_at: Date }>(
      "SELECT run_id, next_run_at FROM retention_runs",
    );
    expect(runs.rows).toEqual([
      { run_id: entry?.run_id, next_run_at: new Date(T0.getTime() + 182 * DAY_MS) },
    ]);

    // Nothing is due until the next run; when it comes, what was kept is still inside its period.
    expect(await retention.fireDue()).toBe(0);
    clock.advance(182 * DAY_MS);
    await db.query("UPDATE notes SET closed_at = $1", [new Date(clock.at.getTime() - DAY_MS)]);
    expect(await retention.fireDue()).toBe(1);
    expect(await remaining()).toEqual(["n-open", "n-recent"]);
    expect(await log()).toHaveLength(1);
  });

  it.runIf(everyCase)("leaves no trace of a destroyed record's canary in the database", async () => {
    await note("n-canary", "ngo-umut", 200);
    const retention = worker();
    await retention.ensureScheduled();
    await retention.fireDue();
    // VACUUM FULL rewrites the table, so a deleted tuple does not linger in its pages either.
    await db.exec("VACUUM FULL notes");
    const dump = await db.query<{ text: string }>(
      `SELECT string_agg(t::text, ' ') AS text FROM (
         SELECT row_to_json(n)::text AS t FROM notes n
         UNION ALL SELECT row_to_json(d)::text FROM retention_destructions d
         UNION ALL SELECT row_to_json(r)::text FROM retention_runs r
         UNION ALL SELECT row_to_json(k)::text FROM kopru_timers k) rows`,
    );
    expect(dump.rows[0]?.text ?? "").not.toContain("CANARY");
    expect((await log())[0]?.record_ids).toEqual(["n-canary"]);
  });

  it.runIf(everyCase)("applies each organisation's own period", async () => {
    await note("hayat-40", "ngo-hayat", 40);
    await note("umut-40", "ngo-umut", 40);
    const retention = worker({
      overrides: [
        {
          organisationId: "ngo-hayat",
          dataClass: "closed-notes",
          days: 30,
          text: "ngo-hayat:closed-notes=30d",
        },
      ],
    });
    await retention.ensureScheduled();
    await retention.fireDue();
    expect(await remaining()).toEqual(["umut-40"]);
    expect((await log()).map((e) => [e.organisation_id, e.period_days, e.record_ids])).toEqual([
      ["ngo-hayat", 30, ["hayat-40"]],
    ]);
  });

  it("fires on time after a restart, and a run missed while down happens once at start", async () => {
    const daily = { runEveryMs: DAY_MS };
    const first = worker(daily);
    await first.ensureScheduled();
    expect(await first.fireDue()).toBe(1);
    await first.stop();

    // Down for three and a half days: the restarted worker keeps the schedule it finds.
    clock.advance(3.5 * DAY_MS);
    await note("n-while-down", "ngo-hayat", 100);
    const restarted = worker(daily);
    expect(await restarted.ensureScheduled()).toEqual(new Date(T0.getTime() + DAY_MS));
    expect(await restarted.fireDue()).toBe(1);
    expect(await restarted.fireDue()).toBe(0);
    expect(await remaining()).toEqual([]);
    const timers = await db.query<{ due_at: Date }>("SELECT due_at FROM kopru_timers WHERE kind = $1", [
      RETENTION_TIMER,
    ]);
    expect(timers.rows).toEqual([{ due_at: new Date(T0.getTime() + 4 * DAY_MS) }]);

    // Exactly on the due time, not before.
    clock.at = new Date(T0.getTime() + 4 * DAY_MS - 1);
    expect(await restarted.fireDue()).toBe(0);
    clock.advance(1);
    expect(await restarted.fireDue()).toBe(1);
  });

  it.runIf(everyCase)(
    "never runs twice when replicas start together and fire at the same moment",
    async () => {
      await note("n-1", "ngo-hayat", 100);
      const replicas = [worker(), worker(), worker()];
      const scheduled = await Promise.all(replicas.map((r) => r.ensureScheduled()));
      expect(new Set(scheduled.map((d) => d.toISOString())).size).toBe(1);
      const fired = await Promise.all(replicas.map((r) => r.fireDue()));
      expect(fired.reduce((a, b) => a + b, 0)).toBe(1);
      expect((await db.query("SELECT 1 FROM retention_runs")).rows).toHaveLength(1);
      expect((await db.query("SELECT 1 FROM kopru_timers")).rows).toHaveLength(1);
    },
  );

  it.runIf(everyCase)("moves a pending run earlier when a shorter interval is configured", async () => {
    const sixMonthly = worker();
    await sixMonthly.ensureScheduled();
    await sixMonthly.fireDue();
    const daily = worker({ runEveryMs: DAY_MS });
    expect(await daily.ensureScheduled()).toEqual(new Date(T0.getTime() + DAY_MS));
    expect((await db.query("SELECT 1 FROM kopru_timers")).rows).toHaveLength(1);
  });

  it.runIf(everyCase)("keeps the destruction log append-only", async () => {
    await note("n-1", "ngo-hayat", 100);
    const retention = worker();
    await retention.ensureScheduled();
    await retention.fireDue();
    await db.query("UPDATE retention_destructions SET record_count = 0");
    await db.query("DELETE FROM retention_destructions");
    expect((await log())[0]?.record_count).toBe(1);
  });
});
