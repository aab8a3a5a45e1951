import { Priority, type ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";

import { InvalidTransitionInputError } from "./errors.js";
import { isAwaitingAnswer } from "./status.js";

const HOUR_MS = 3_600_000;

/** How long the target has to answer (accept, decline, put on hold or redirect), by priority. */
export const RESPONSE_DEADLINE_MS: Readonly<Record<AnsweredPriority, number>> = Object.freeze({
  [Priority.PRIORITY_EMERGENCY]: 24 * HOUR_MS,
  [Priority.PRIORITY_HIGH]: 72 * HOUR_MS,
  [Priority.PRIORITY_NORMAL]: 14 * 24 * HOUR_MS,
});

/** The priorities a referral may have (UNSPECIFIED and unrecognised values have no deadline). */
export type AnsweredPriority =
  | Priority.PRIORITY_EMERGENCY
  | Priority.PRIORITY_HIGH
  | Priority.PRIORITY_NORMAL;

export function isKnownPriority(priority: Priority): priority is AnsweredPriority {
  return Object.hasOwn(RESPONSE_DEADLINE_MS, priority);
}

/** Answer deadline: `requestedAt` plus the priority's deadline (exact elapsed time, not calendar days). */
export function respondBy(priority: Priority, requestedAt: Date): Date {
  if (!isKnownPriority(priority)) {
    throw new InvalidTransitionInputError("priority", `priority ${String(priority)} has no answer deadline`);
  }
  if (Number.isNaN(requestedAt.getTime())) {
    throw new InvalidTransitionInputError("requested_at", "requested_at is not a valid time");
  }
  return new Date(requestedAt.getTime() + RESPONSE_DEADLINE_MS[priority]);
}

/** Overdue: the target has not answered yet (REQUESTED or RECEIVED) and `now` is past the deadline. */
export function isOverdue(state: { status: ReferralStatus; respondBy: Date }, now: Date): boolean {
  return isAwaitingAnswer(state.status) && now.getTime() > state.respondBy.getTime();
}
