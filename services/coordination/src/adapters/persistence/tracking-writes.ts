import type { BatchHook } from "@kopru/bus";
import type { Sql } from "@kopru/storage";

// The tracking consumers' writes, applied set-wise. A consumer transaction applies up to hundreds of
// events; one statement per event made the round trips, not the work, the limit on how fast the
// read model fills. Inside such a transaction the store only records what each event writes, and
// the consumer's batch hook (`trackingBatch`) applies them together before it commits: status events in
// waves (a referral's first event of the batch in the first wave, its second in the next, …, so each
// referral's events still apply in its sequence), outcome reports and follow-up states as each
// referral's newest one (newest-wins rows: applying the older ones first changes nothing).

/** One status event's writes: its `tracked_events` row and its referral's columns. */
export type StatusRow = Record<string, unknown> & { referral_id: string };

/** One outcome report or follow-up state: the newest version of a referral wins. */
export type VersionedRow = Record<string, unknown> & { referral_id: string; version: number };

/** The statements that apply the rows, one call per statement (`$1` is the rows as JSON). */
export interface TrackingStatements {
  status: string;
  outcomes: string;
  followUps: string;
}

/** Status rows split into waves holding at most one event per referral, in the order given. */
export function waves(rows: readonly StatusRow[]): StatusRow[][] {
  const seen = new Map<string, number>();
  const result: StatusRow[][] = [];
  for (const row of rows) {
    const wave = seen.get(row.referral_id) ?? 0;
    seen.set(row.referral_id, wave + 1);
    const list = result[wave] ?? [];
    result[wave] = list;
    list.push(row);
  }
  return result;
}

/** Applies status rows now: one statement per wave. */
export async function applyStatusRows(
  sql: Sql,
  statements: TrackingStatements,
  rows: readonly StatusRow[],
): Promise<void> {
  for (const wave of waves(rows)) await sql.query(statements.status, [JSON.stringify(wave)]);
}

/** The writes of one transaction, recorded while its events are handled and applied before it commits. */
export class TrackingWrites {
  private status: StatusRow[] = [];
  private readonly outcomes = new Map<string, VersionedRow>();
  private readonly followUps = new Map<string, VersionedRow>();
  /** Statements of the store that recorded rows (set by the store on its first write). */
  statements: TrackingStatements | undefined;

  addStatus(row: StatusRow): void {
    this.status.push(row);
  }

  addOutcome(row: VersionedRow): void {
    keepNewest(this.outcomes, row);
  }

  addFollowUp(row: VersionedRow): void {
    keepNewest(this.followUps, row);
  }

  /** Applies what was recorded. */
  async flush(sql: Sql): Promise<void> {
    const statements = this.statements;
    if (!statements) return;
    await applyStatusRows(sql, statements, this.status);
    if (this.outcomes.size > 0) {
      await sql.query(statements.outcomes, [JSON.stringify([...this.outcomes.values()])]);
    }
    if (this.followUps.size > 0) {
      await sql.query(statements.followUps, [JSON.stringify([...this.followUps.values()])]);
    }
  }
}

function keepNewest(rows: Map<string, VersionedRow>, row: VersionedRow): void {
  const kept = rows.get(row.referral_id);
  if (!kept || kept.version < row.version) rows.set(row.referral_id, row);
}

/** Writes recorded per consumer transaction, until the batch hook applies or discards them. */
const collecting = new WeakMap<Sql, TrackingWrites>();

/**
 * Makes the tracking writes made through `tx` (a consumer's transaction) be recorded instead of run
 * at once; the consumer's batch hook `trackingBatch` applies them before the transaction commits.
 */
export function collectTrackingWrites(tx: Sql): void {
  if (!collecting.has(tx)) collecting.set(tx, new TrackingWrites());
}

/** The writes recorded for `sql`, if its writes are being collected. */
export function deferredWrites(sql: Sql): TrackingWrites | undefined {
  return collecting.get(sql);
}

/**
 * The tracking consumers' batch hook: applies what their handlers collected in the transaction,
 * once per batch (or once per event when the bus applies a batch event by event after a failure,
 * so a write that fails fails only its own event).
 */
export const trackingBatch: BatchHook = {
  async flush(tx) {
    const writes = collecting.get(tx);
    collecting.delete(tx);
    await writes?.flush(tx);
  },
  discard(tx) {
    collecting.delete(tx);
  },
};
