import { fileURLToPath } from "node:url";
import { type Database, isConnectionError, type MigrationSource, type Sql } from "@kopru/storage";
import { SpanStatusCode, trace } from "@opentelemetry/api";

export const timerMigrations: MigrationSource = {
  name: "timers",
  dir: fileURLToPath(new URL("../migrations", import.meta.url)),
};

export interface TimerClock {
  now(): Date;
}

export interface DueTimer<P = Record<string, unknown>> {
  kind: string;
  key: string;
  dueAt: Date;
  payload: P;
  attempts: number;
}

/** Runs inside the transaction that deletes the timer: the effect and "fired" commit together. */
export type TimerHandler = (tx: Sql, timer: DueTimer) => Promise<void>;

/** Sets (or moves) the timer `kind`/`key`, inside the caller's transaction. */
export async function scheduleTimer(
  tx: Sql,
  timer: { kind: string; key: string; dueAt: Date; payload?: Record<string, unknown> },
): Promise<void> {
  await tx.query(
    `INSERT INTO kopru_timers (kind, key, due_at, payload) VALUES ($1, $2, $3, $4)
     ON CONFLICT (kind, key) DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, attempts = 0, last_error = NULL`,
    [timer.kind, timer.key, timer.dueAt, JSON.stringify(timer.payload ?? {})],
  );
}

export async function cancelTimer(tx: Sql, kind: string, key: string): Promise<void> {
  await tx.query("DELETE FROM kopru_timers WHERE kind = $1 AND key = $2", [kind, key]);
}

export interface TimerWorkerOptions {
  db: Database;
  clock: TimerClock;
  handlers: Record<string, TimerHandler>;
  pollIntervalMs?: number;
  /** A failing handler is retried after this many ms times its attempt count (capped at 10 min). */
  retryDelayMs?: number;
  logger?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
  /** Runs after a timer's transaction committed (e.g. wake the outbox relay for its events). */
  afterFire?: (timer: DueTimer) => void;
}

/**
 * Fires due timers. Each fires in its own transaction that claims the row with
 * `FOR UPDATE SKIP LOCKED`, runs the handler and deletes the row, so replicas never fire one timer
 * twice and a crash mid-way leaves the timer to fire again later. "Due" is judged by the injected
 * clock, not the database's, so tests can move time forward.
 */
export class TimerWorker {
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  fired = 0;

  constructor(private readonly options: TimerWorkerOptions) {}

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = undefined;
  }

  /** Fires everything due now; returns how many fired. */
  async fireDue(): Promise<number> {
    let count = 0;
    for (;;) {
      if (this.loop && this.abort.signal.aborted) break;
      const outcome = await this.fireOne();
      if (outcome === "none") break;
      if (outcome === "fired") count += 1;
    }
    return count;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.fireDue();
      } catch (error) {
        this.options.logger?.warn(
          { err: error, databaseDown: isConnectionError(error) },
          "timer round failed",
        );
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, this.options.pollIntervalMs ?? 1_000);
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }

  private async fireOne(): Promise<"fired" | "failed" | "none"> {
    const now = this.options.clock.now();
    let claimed: DueTimer | undefined;
    try {
      const outcome = await this.options.db.transaction(async (tx): Promise<"fired" | "none"> => {
        const due = await tx.query<{
          id: number;
          kind: string;
          key: string;
          due_at: Date;
          payload: Record<string, unknown> | string;
          attempts: number;
        }>(
          `SELECT id, kind, key, due_at, payload, attempts FROM kopru_timers
            WHERE due_at <= $1 AND kind = ANY($2::text[])
            ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [now, Object.keys(this.options.handlers)],
        );
        const row = due.rows[0];
        if (!row) return "none";
        claimed = {
          kind: row.kind,
          key: row.key,
          dueAt: new Date(row.due_at),
          payload: typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload,
          attempts: row.attempts,
        };
        const timer = claimed;
        await inTimerSpan(row.kind, () => this.options.handlers[row.kind]?.(tx, timer));
        await tx.query("DELETE FROM kopru_timers WHERE id = $1", [row.id]);
        this.fired += 1;
        return "fired";
      });
      if (outcome === "fired" && claimed) this.options.afterFire?.(claimed);
      return outcome;
    } catch (error) {
      if (!claimed || isConnectionError(error)) throw error;
      const attempts = claimed.attempts + 1;
      const delay = Math.min(600_000, (this.options.retryDelayMs ?? 5_000) * attempts);
      this.options.logger?.error(
        { err: error, kind: claimed.kind, key: claimed.key, attempts },
        "timer handler failed",
      );
      await this.options.db.query(
        `UPDATE kopru_timers SET attempts = $3, last_error = $4, due_at = $5 WHERE kind = $1 AND key = $2`,
        [claimed.kind, claimed.key, attempts, String(error).slice(0, 1000), new Date(now.getTime() + delay)],
      );
      return "failed";
    }
  }
}

/**
 * A timer's effect runs in a span of its own, like a call or a message: what the handler logs
 * carries a trace id, and the events it writes to the outbox start their trace here. Only a
 * claimed timer gets one; the polling that finds nothing due makes no spans.
 */
function inTimerSpan<T>(kind: string, fire: () => T | Promise<T>): Promise<T> {
  return trace
    .getTracer("@kopru/timers")
    .startActiveSpan(`timer ${kind}`, { attributes: { "kopru.timer.kind": kind } }, async (span) => {
      try {
        return await fire();
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
}
