import { AsyncResource } from "node:async_hooks";
import type { Sql } from "./database.js";
import { CoalescedWorkEndedError, UnitLeftTransactionAbortedError } from "./errors.js";
import type { PipelinedSession } from "./session.js";

export interface GroupCommitOptions {
  /**
   * Most units of work in one transaction (default 32). Each unit is a subtransaction; PostgreSQL
   * keeps 64 of them per backend in shared memory before other sessions' snapshots slow down.
   */
  maxBatch?: number;
  /** Coalesced transactions in flight at once, each on its own connection (default 2). */
  concurrency?: number;
}

export interface GroupCommitStats {
  /** Transactions that ran coalesced units (committed or not). */
  transactions: number;
  /** Units whose work committed. */
  committed: number;
  /** Units that did not commit: their own work failed (rolled back alone) or their transaction was lost. */
  failed: number;
  /** Transactions lost as a whole (connection, COMMIT): every unit in them failed. */
  transactionsFailed: number;
  largestBatch: number;
}

interface Unit {
  work: (tx: Sql) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Settled = { unit: Unit; ok: true; value: unknown } | { unit: Unit; ok: false; error: unknown };

/**
 * Group commit for short units of work: a unit that arrives while `concurrency` coalesced
 * transactions are in flight waits and goes, with whatever else arrived meanwhile (up to
 * `maxBatch`), into the next transaction; an idle committer starts a transaction at once. Each unit
 * runs behind its own SAVEPOINT, so its failure rolls back only its own writes; its caller learns
 * its result or its error only after the COMMIT (or the failure) of the whole transaction.
 *
 * The units of one transaction run one after another on one connection, so each sees the writes of
 * the units before it that succeeded, which commit with it or not at all.
 */
export class GroupCommitter {
  readonly stats: GroupCommitStats = {
    transactions: 0,
    committed: 0,
    failed: 0,
    transactionsFailed: 0,
    largestBatch: 0,
  };
  private readonly queue: Unit[] = [];
  private running = 0;
  private readonly maxBatch: number;
  private readonly concurrency: number;

  constructor(
    private readonly open: () => Promise<PipelinedSession>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 32);
    this.concurrency = Math.max(1, options.concurrency ?? 2);
  }

  run<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // The unit runs on the committer's loop but in its caller's async context (trace, logger).
      this.queue.push({ work: AsyncResource.bind(work), resolve: resolve as (v: unknown) => void, reject });
      if (this.running < this.concurrency) {
        this.running += 1;
        void this.drive();
      }
    });
  }

  private async drive(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.batch();
    } finally {
      this.running -= 1;
    }
  }

  private async batch(): Promise<void> {
    let session: PipelinedSession;
    try {
      session = await this.open();
    } catch (error) {
      // Whatever waits now would meet the same closed door: fail one batch's worth, not forever.
      this.stats.transactionsFailed += 1;
      for (const unit of this.queue.splice(0, this.maxBatch)) unit.reject(error);
      return;
    }
    const settled: Settled[] = [];
    let lost: unknown;
    let hasLost = false;
    this.stats.transactions += 1;
    try {
      session.prefix("BEGIN");
      while (settled.length < this.maxBatch && this.queue.length > 0) {
        const unit = this.queue.shift() as Unit;
        const savepoint = `kopru_unit_${settled.length + 1}`;
        const mark = `SAVEPOINT ${savepoint}`;
        session.prefix(mark);
        const scope = new UnitScope(session);
        try {
          const value = await unit.work(scope.sql);
          scope.end();
          // A unit that caught a failed statement and returned would make COMMIT quietly roll back
          // its neighbours' writes too: it fails instead, and only its own writes are undone.
          if (session.aborted) throw new UnitLeftTransactionAbortedError();
          session.withdraw(mark);
          settled.push({ unit, ok: true, value });
        } catch (error) {
          scope.end();
          settled.push({ unit, ok: false, error });
          if (session.broken) {
            lost = error;
            hasLost = true;
            break;
          }
          // The savepoint left with the unit's first statement; a unit that sent none has nothing to undo.
          if (!session.withdraw(mark)) await session.run(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        }
      }
      if (!hasLost && session.started) {
        const tag = await session.run("COMMIT");
        if (tag !== "COMMIT") throw new UnitLeftTransactionAbortedError();
      }
    } catch (error) {
      // ROLLBACK TO or COMMIT failed: nothing of this transaction can be counted on.
      lost = error;
      hasLost = true;
    }
    if (hasLost && !session.broken && session.started) {
      await session.run("ROLLBACK").catch(() => {
        session.broken = true;
      });
    }
    session.release();
    this.stats.largestBatch = Math.max(this.stats.largestBatch, settled.length);
    if (hasLost) this.stats.transactionsFailed += 1;
    for (const entry of settled) {
      if (!entry.ok) {
        this.stats.failed += 1;
        entry.unit.reject(entry.error);
      } else if (hasLost) {
        this.stats.failed += 1;
        entry.unit.reject(lost);
      } else {
        this.stats.committed += 1;
        entry.unit.resolve(entry.value);
      }
    }
  }
}

/** What one unit sees: the shared transaction, closed to it once its work returned. */
class UnitScope {
  private ended = false;
  readonly sql: Sql;

  constructor(session: PipelinedSession) {
    this.sql = {
      pipelined: true,
      query: (text, params) => {
        this.check();
        return session.query(text, params);
      },
      exec: (text) => {
        this.check();
        return session.exec(text);
      },
    };
  }

  end(): void {
    this.ended = true;
  }

  private check(): void {
    if (this.ended) throw new CoalescedWorkEndedError();
  }
}
