// When a referral must be answered, and when an accepted one must be followed up: plain rules over
// the referral's timestamps, kept apart from the pages so they are tested without a browser.

/** How a deadline stands now: passed, close, ahead, or not applicable. */
export type DeadlineState = "overdue" | "soon" | "ok" | "none";

/** Statuses still waiting for the receiving organisation's answer (accept, decline, hold, redirect). */
export const UNANSWERED_STATUSES: ReadonlySet<string> = new Set([
  "REFERRAL_STATUS_REQUESTED",
  "REFERRAL_STATUS_RECEIVED",
]);

/** Open statuses after acceptance, the ones with a follow-up deadline running. */
export const FOLLOW_UP_STATUSES: ReadonlySet<string> = new Set([
  "REFERRAL_STATUS_ACCEPTED",
  "REFERRAL_STATUS_IN_PROGRESS",
]);

const HOUR = 3_600_000;

/** An answer deadline is "soon" inside this window. */
export const RESPONSE_SOON_MS = 24 * HOUR;
/** A follow-up deadline is "soon" inside this window. */
export const FOLLOW_UP_SOON_MS = 3 * 24 * HOUR;

function time(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function stateOf(deadline: number | undefined, now: number, soonMs: number): DeadlineState {
  if (deadline === undefined) return "none";
  if (deadline <= now) return "overdue";
  return deadline - now <= soonMs ? "soon" : "ok";
}

/** The answer deadline (`respondBy`), which counts only while the referral is unanswered. */
export function responseDeadline(
  referral: { status?: string | undefined; respondBy?: string | undefined },
  now: number,
): DeadlineState {
  if (!referral.status || !UNANSWERED_STATUSES.has(referral.status)) return "none";
  return stateOf(time(referral.respondBy), now, RESPONSE_SOON_MS);
}

/**
 * The follow-up deadline (`followUpDueAt`) of an accepted referral still open. The server's stage
 * wins where it knows more: OVERDUE is overdue and REMINDED is at least "soon", even when this
 * browser's clock disagrees; DONE means nothing is left to follow up.
 */
export function followUpDeadline(
  referral: {
    status?: string | undefined;
    followUpDueAt?: string | undefined;
    followUpStage?: string | undefined;
  },
  now: number,
): DeadlineState {
  if (referral.followUpStage === "FOLLOW_UP_STAGE_DONE") return "none";
  if (!referral.status || !FOLLOW_UP_STATUSES.has(referral.status)) return "none";
  if (referral.followUpStage === "FOLLOW_UP_STAGE_OVERDUE") return "overdue";
  const state = stateOf(time(referral.followUpDueAt), now, FOLLOW_UP_SOON_MS);
  if (referral.followUpStage === "FOLLOW_UP_STAGE_REMINDED" && state === "ok") return "soon";
  return state;
}

/** Most pressing first: overdue, then soon, then the rest, each by the earliest deadline. */
export function byDeadline<T>(
  rows: readonly T[],
  stateOfRow: (row: T) => DeadlineState,
  deadlineOfRow: (row: T) => string | undefined,
): T[] {
  const rank: Record<DeadlineState, number> = { overdue: 0, soon: 1, ok: 2, none: 3 };
  return rows
    .map((row) => ({
      row,
      rank: rank[stateOfRow(row)],
      at: time(deadlineOfRow(row)) ?? Number.POSITIVE_INFINITY,
    }))
    .sort((a, b) => a.rank - b.rank || a.at - b.at)
    .map((entry) => entry.row);
}
