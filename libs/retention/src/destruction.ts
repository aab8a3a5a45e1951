import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { type Database, holdNamedLock, type MigrationSource, type Sql } from "@kopru/storage";
import { type DueTimer, scheduleTimer, type TimerClock, type TimerHandler, TimerWorker } from "@kopru/timers";
import {
  DAY_MS,
  type DataClass,
  type DestructionScope,
  type PeriodOverride,
  type RetentionPolicy,
  resolveRetentionPolicy,
} from "./policy.js";

export const retentionMigrations: MigrationSource = {
  name: "retention",
  dir: fileURLToPath(new URL("../migrations", import.meta.url)),
};

/** The durable timer (libs/timers) that brings each destruction run due. */
export const RETENTION_TIMER = "retention-destruction";

export interface DestructionRecord {
  organisationId: string;
  dataClass: string;
  method: "erased" | "anonymised";
  periodDays: number;
  endedBefore: Date;
  recordIds: string[];
}

export interface RunSummary {
  runId: string;
  scheduledFor: Date;
  ranAt: Date;
  nextRunAt: Date;
  destroyed: DestructionRecord[];
}

export interface RetentionLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface RetentionWorkerOptions {
  db: Database;
  clock: TimerClock;
  policy: RetentionPolicy;
  runEveryMs: number;
  logger?: RetentionLogger | undefined;
  pollIntervalMs?: number;
  /** Runs after a run committed (e.g. wake the outbox relay if a class's destruction wrote events). */
  afterRun?: (summary: RunSummary) => void;
}

/**
 * Destroys personal data whose purpose ended more than its retention period ago, on a schedule
 * kept in the database: each run is a durable timer (libs/timers) that fires in the transaction
 * which destroys, writes the destruction log and sets the next run. A restart finds the timer where
 * it was (an overdue run fires at once), and replicas never run one twice (the timer row is claimed
 * with SKIP LOCKED, and `retention_runs.scheduled_for` is unique).
 */
export class RetentionWorker {
  private readonly timers: TimerWorker;
  private lastSummary: RunSummary | undefined;

  constructor(private readonly options: RetentionWorkerOptions) {
    this.timers = new TimerWorker({
      db: options.db,
      clock: options.clock,
      handlers: { [RETENTION_TIMER]: this.handler() },
      logger: options.logger,
      pollIntervalMs: options.pollIntervalMs ?? 60_000,
      afterFire: () => {
        const summary = this.lastSummary;
        this.lastSummary = undefined;
        if (summary) options.afterRun?.(summary);
      },
    });
  }

  async start(): Promise<void> {
    const next = await this.ensureScheduled();
    this.options.logger?.info(
      { nextRunAt: next.toISOString(), runEveryDays: this.options.runEveryMs / DAY_MS },
      "retention: next destruction run",
    );
    this.timers.start();
  }

  stop(): Promise<void> {
    return this.timers.stop();
  }

  /** Fires the run if it is due by the clock; how many runs fired (0 or 1). For tests and tools. */
  fireDue(): Promise<number> {
    return this.timers.fireDue();
  }

  /**
   * Makes sure exactly one future run is scheduled: the first one now, later ones one interval after
   * the last run was due. A shorter interval configured since moves a pending run earlier. Replicas
   * starting together serialise on an advisory lock, so they agree on one timer.
   */
  async ensureScheduled(): Promise<Date> {
    const { db, clock, runEveryMs } = this.options;
    return db.transaction(async (tx) => {
      await holdNamedLock(tx, "kopru_retention_schedule");
      const last = await tx.query<{ scheduled_for: Date }>(
        "SELECT scheduled_for FROM retention_runs ORDER BY scheduled_for DESC LIMIT 1",
      );
      const lastDue = last.rows[0] ? new Date(last.rows[0].scheduled_for) : undefined;
      const wanted = lastDue ? new Date(lastDue.getTime() + runEveryMs) : clock.now();
      const pending = await tx.query<{ key: string; due_at: Date }>(
        "SELECT key, due_at FROM kopru_timers WHERE kind = $1 ORDER BY due_at",
        [RETENTION_TIMER],
      );
      const first = pending.rows[0];
      if (first && new Date(first.due_at) <= wanted && pending.rows.length === 1)
        return new Date(first.due_at);
      await tx.query("DELETE FROM kopru_timers WHERE kind = $1", [RETENTION_TIMER]);
      const dueAt = first && new Date(first.due_at) < wanted ? new Date(first.due_at) : wanted;
      await scheduleTimer(tx, { kind: RETENTION_TIMER, key: dueAt.toISOString(), dueAt });
      return dueAt;
    });
  }

  private handler(): TimerHandler {
    return async (tx, timer) => {
      const summary = await this.run(tx, timer);
      this.lastSummary = summary;
      if (summary) {
        const total = summary.destroyed.reduce((sum, d) => sum + d.recordIds.length, 0);
        // Counts per class only: ids stay in the log table, never in log lines.
        this.options.logger?.info(
          {
            runId: summary.runId,
            destroyed: total,
            classes: summary.destroyed.map((d) => ({
              organisationId: d.organisationId,
              dataClass: d.dataClass,
              count: d.recordIds.length,
            })),
            nextRunAt: summary.nextRunAt.toISOString(),
          },
          "retention: destruction run done",
        );
      }
    };
  }

  /** One destruction run in the timer's transaction; undefined when this due time already ran. */
  private async run(tx: Sql, timer: DueTimer): Promise<RunSummary | undefined> {
    const { clock, policy, runEveryMs } = this.options;
    const now = clock.now();
    const scheduledFor = timer.dueAt;
    let next = scheduledFor.getTime() + runEveryMs;
    // Down across several due times: one run destroys everything past its period, the next comes
    // one interval later rather than a burst of catch-up runs.
    while (next <= now.getTime()) next += runEveryMs;
    const nextRunAt = new Date(next);
    const runId = randomUUID();
    const claimed = await tx.query(
      `INSERT INTO retention_runs (run_id, scheduled_for, ran_at, next_run_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scheduled_for) DO NOTHING RETURNING run_id`,
      [runId, scheduledFor, now, nextRunAt],
    );
    await scheduleTimer(tx, { kind: RETENTION_TIMER, key: nextRunAt.toISOString(), dueAt: nextRunAt });
    if (claimed.rows.length === 0) return undefined;

    const destroyed: DestructionRecord[] = [];
    for (const { organisationId, dataClass } of policy.runs()) {
      const periodDays = policy.periodDays(organisationId, dataClass.name);
      const scope: DestructionScope = {
        organisationId,
        endedBefore: new Date(now.getTime() - periodDays * DAY_MS),
        now,
      };
      const ids = [...new Set(await dataClass.select(tx, scope))];
      if (ids.length === 0) continue;
      await dataClass.destroy(tx, ids, scope);
      await tx.query(
        `INSERT INTO retention_destructions
           (run_id, organisation_id, data_class, method, period_days, ended_before, record_count, record_ids, destroyed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          runId,
          organisationId,
          dataClass.name,
          dataClass.method,
          periodDays,
          scope.endedBefore,
          ids.length,
          ids,
          now,
        ],
      );
      destroyed.push({
        organisationId,
        dataClass: dataClass.name,
        method: dataClass.method,
        periodDays,
        endedBefore: scope.endedBefore,
        recordIds: ids,
      });
    }
    return { runId, scheduledFor, ranAt: now, nextRunAt, destroyed };
  }
}

/** What a service passes from its context and configuration (`retentionEnv`). */
export interface RetentionHost {
  db: Database;
  clock: TimerClock;
  logger?: RetentionLogger | undefined;
  config: { RETENTION_RUN_EVERY: number; RETENTION_PERIODS: readonly PeriodOverride[] };
}

/**
 * The destruction worker of a service: its data classes, for the organisations it hosts, with the
 * periods configured. A policy that names an unknown class or organisation, or a period a stream
 * outlives, throws `ConfigError` here, so the service stops at start naming `RETENTION_PERIODS`.
 */
export function retentionWorker(
  host: RetentionHost,
  options: { classes: readonly DataClass[]; organisations: readonly string[]; pollIntervalMs?: number },
): RetentionWorker {
  const policy = resolveRetentionPolicy({
    classes: options.classes,
    organisations: options.organisations,
    overrides: host.config.RETENTION_PERIODS,
  });
  return new RetentionWorker({
    db: host.db,
    clock: host.clock,
    logger: host.logger,
    policy,
    runEveryMs: host.config.RETENTION_RUN_EVERY,
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
}
