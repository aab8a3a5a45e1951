import type { Sql } from "@kopru/storage";

// The tracking consumers' writes, applied set-wise. A consumer transaction applies up to hundreds of
// events; one statement per event made the round trips, not the work, the limit on how fast the
// read model fills. Inside such a transaction the store only records what each event writes, and
// the transaction applies them together before it commits (`TrackingWrites.flush`): status events in
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
  private deferring = true;
  /** Statements of the store that recorded rows (set by the store on its first write). */
  statements: TrackingStatements | undefined;

  /** Whether writes are still recorded (false once the transaction applies each at once). */
  get deferred(): boolean {
    return this.deferring;
  }

  addStatus(row: StatusRow): void {
    this.status.push(row);
  }

  addOutcome(row: VersionedRow): void {
    keepNewest(this.outcomes, row);
  }

  addFollowUp(row: VersionedRow): void {
    keepNewest(this.followUps, row);
  }

  /** Applies what was recorded and records nothing more: later writes run at once. */
  async stopDeferring(sql: Sql): Promise<void> {
    await this.flush(sql);
    this.deferring = false;
  }

  /** Applies what was recorded so far. */
  async flush(sql: Sql): Promise<void> {
    const statements = this.statements;
    if (!statements) return;
    const status = this.status;
    this.status = [];
    await applyStatusRows(sql, statements, status);
    if (this.outcomes.size > 0) {
      const rows = [...this.outcomes.values()];
      this.outcomes.clear();
      await sql.query(statements.outcomes, [JSON.stringify(rows)]);
    }
    if (this.followUps.size > 0) {
      const rows = [...this.followUps.values()];
      this.followUps.clear();
      await sql.query(statements.followUps, [JSON.stringify(rows)]);
    }
  }
}

function keepNewest(rows: Map<string, VersionedRow>, row: VersionedRow): void {
  const kept = rows.get(row.referral_id);
  if (!kept || kept.version < row.version) rows.set(row.referral_id, row);
}

const deferredBy = new WeakMap<Sql, TrackingWrites>();

/** Records the tracking writes made through `sql` in `writes` instead of running them at once. */
export function deferTrackingWrites(sql: Sql, writes: TrackingWrites): void {
  deferredBy.set(sql, writes);
}

/** The writes recorded for `sql`, if its writes are deferred. */
export function deferredWrites(sql: Sql): TrackingWrites | undefined {
  const writes = deferredBy.get(sql);
  return writes?.deferred ? writes : undefined;
}
