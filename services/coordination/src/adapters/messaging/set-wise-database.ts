import type { Database, Sql } from "@kopru/storage";
import { deferTrackingWrites, TrackingWrites } from "../persistence/tracking-writes.js";

/**
 * The database a tracking consumer writes through: each of its transactions records the tracking
 * writes of the events it handles and applies them set-wise just before it commits (see
 * `tracking-writes.ts`), so a batch of hundreds of events costs a few statements, not two each.
 *
 * Failures keep the consumer's guarantees. A write that fails there fails the batch's transaction,
 * so nothing of it commits and no event of it is acknowledged; the consumer then applies the batch's
 * events one transaction each, where only the culprit fails (and is retried, then dead-lettered,
 * as any failing event). When the consumer isolates events behind savepoints inside one
 * transaction, writes run at once from the first savepoint on, so a failing write fails inside
 * its own event's savepoint.
 */
export function setWiseTracking(db: Database): Database {
  return {
    get kind() {
      return db.kind;
    },
    get location() {
      return db.location;
    },
    get groupCommitStats() {
      return db.groupCommitStats;
    },
    // Forwarded when called, not bound now: building a consumer touches no connection.
    query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]) {
      return db.query<Row>(text, params);
    },
    exec: (text) => db.exec(text),
    runCoalesced: (work) => db.runCoalesced(work),
    close: () => db.close(),
    transaction(work, options) {
      return db.transaction(async (tx) => {
        const writes = new TrackingWrites();
        const session: Sql = {
          async query<Row extends object = Record<string, unknown>>(
            text: string,
            params?: readonly unknown[],
          ) {
            if (writes.deferred && /^\s*SAVEPOINT\b/i.test(text)) await writes.stopDeferring(tx);
            return tx.query<Row>(text, params);
          },
          exec: (text) => tx.exec(text),
        };
        deferTrackingWrites(session, writes);
        const result = await work(session);
        await writes.flush(tx);
        return result;
      }, options);
    },
  };
}
