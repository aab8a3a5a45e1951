import type { NotCompletedReason } from "@kopru/contracts/common/v1/vocabulary";
import type { DurationStats, FigureKey, FigureRow } from "@kopru/contracts/coordination/v1/tracking";

/** Percentiles of one duration over a group, in whole seconds (unset without samples). */
export interface DurationSample {
  sampleCount: number;
  p50Seconds?: number | undefined;
  p90Seconds?: number | undefined;
  p95Seconds?: number | undefined;
}

/** What the read model counts for one group: each referral once, by the furthest status it reached. */
export interface FigureCounts {
  requested: number;
  acknowledged: number;
  accepted: number;
  declined: number;
  onHold: number;
  completed: number;
  notCompleted: number;
  cancelled: number;
  redirected: number;
  expired: number;
  open: number;
  overdue: number;
  /** Open referrals someone at the target is assigned to (never who). */
  assigned: number;
  /** Open accepted referrals past their follow-up deadline. */
  followUpOverdue: number;
  /** Closed referrals by their latest outcome codes: each in exactly one of the three. */
  outcomeReceived: number;
  outcomePartlyReceived: number;
  outcomeNotReceived: number;
  /** `outcomeNotReceived` by reason, the reasons counted only. */
  notReceivedReasons: { reason: NotCompletedReason; count: number }[];
  timeToAccept: DurationSample;
  timeToComplete: DurationSample;
}

/** `numerator / denominator`, or unset when nothing was measured (never a division by zero). */
export function rate(numerator: number, denominator: number): number | undefined {
  return denominator > 0 ? numerator / denominator : undefined;
}

function durationStats(sample: DurationSample): DurationStats {
  if (sample.sampleCount === 0) return { sampleCount: 0 };
  return {
    sampleCount: sample.sampleCount,
    p50Seconds: sample.p50Seconds,
    p90Seconds: sample.p90Seconds,
    p95Seconds: sample.p95Seconds,
  };
}

/** One funnel row with the rates the contract defines (FigureRow in tracking.proto). */
export function figureRow(key: FigureKey, counts: FigureCounts): FigureRow {
  return {
    key,
    suppressed: false,
    requested: counts.requested,
    acknowledged: counts.acknowledged,
    accepted: counts.accepted,
    declined: counts.declined,
    onHold: counts.onHold,
    completed: counts.completed,
    notCompleted: counts.notCompleted,
    cancelled: counts.cancelled,
    redirected: counts.redirected,
    expired: counts.expired,
    open: counts.open,
    overdue: counts.overdue,
    assigned: counts.assigned,
    followUpOverdue: counts.followUpOverdue,
    acknowledgedRate: rate(counts.acknowledged, counts.requested),
    acceptanceRate: rate(counts.accepted, counts.accepted + counts.declined),
    completionRate: rate(counts.completed, counts.completed + counts.notCompleted),
    expiryRate: rate(counts.expired, counts.requested),
    timeToAccept: durationStats(counts.timeToAccept),
    timeToComplete: durationStats(counts.timeToComplete),
    outcomeReceived: counts.outcomeReceived,
    outcomePartlyReceived: counts.outcomePartlyReceived,
    outcomeNotReceived: counts.outcomeNotReceived,
    notReceivedReasons: counts.notReceivedReasons.map((entry) => ({ ...entry })),
  };
}

/** The row with every count, rate and duration withheld; only the key stays. */
export function suppressedRow(row: FigureRow): FigureRow {
  return {
    key: row.key,
    suppressed: true,
    requested: 0,
    acknowledged: 0,
    accepted: 0,
    declined: 0,
    onHold: 0,
    completed: 0,
    notCompleted: 0,
    cancelled: 0,
    redirected: 0,
    expired: 0,
    open: 0,
    overdue: 0,
    assigned: 0,
    followUpOverdue: 0,
    timeToAccept: { sampleCount: 0 },
    timeToComplete: { sampleCount: 0 },
    outcomeReceived: 0,
    outcomePartlyReceived: 0,
    outcomeNotReceived: 0,
    notReceivedReasons: [],
  };
}

/** A group is too small to publish when it holds some, but fewer than `minCellSize`, referrals. */
export function isSmallCell(row: FigureRow, minCellSize: number): boolean {
  return row.requested > 0 && row.requested < minCellSize;
}

/**
 * Small-cell suppression of a grouped result and its total.
 *
 * Primary: every group (and the total) with fewer than `minCellSize` referrals is withheld.
 * Complementary: when exactly one group is withheld and the total is published, the withheld
 * figures would be the total minus the other groups; so the next smallest group is withheld too.
 */
export function suppressSmallCells(
  rows: readonly FigureRow[],
  total: FigureRow,
  minCellSize: number,
): { rows: FigureRow[]; total: FigureRow } {
  const hide = rows.map((row) => isSmallCell(row, minCellSize));
  const totalHidden = isSmallCell(total, minCellSize);
  if (!totalHidden && hide.filter(Boolean).length === 1) {
    let smallest = -1;
    rows.forEach((row, i) => {
      if (hide[i] || row.requested === 0) return;
      if (smallest < 0 || row.requested < (rows[smallest] as FigureRow).requested) smallest = i;
    });
    if (smallest >= 0) hide[smallest] = true;
  }
  return {
    rows: rows.map((row, i) => (hide[i] ? suppressedRow(row) : row)),
    total: totalHidden ? suppressedRow(total) : total,
  };
}
