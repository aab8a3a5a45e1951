import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { statusName } from "@kopru/referral/domain";
import { CaseClosedError, ReferralNotAcceptedError } from "./errors.js";

/** The part of a case its rules look at. */
export interface CaseState {
  caseId: string;
  status: CaseStatus;
  closureReason: CaseClosureReason;
  openedAt: Date;
  closedAt: Date | undefined;
  updatedAt: Date;
}

export function isOpen(state: Pick<CaseState, "status">): boolean {
  return state.status === CaseStatus.CASE_STATUS_OPEN;
}

/** Sessions and assistance are recorded on open cases only. */
export function assertOpen(state: Pick<CaseState, "caseId" | "status">, action: string): void {
  if (!isOpen(state)) throw new CaseClosedError(state.caseId, action);
}

/**
 * Closes a case. Closing a closed case again for the same reason changes nothing (a retried call);
 * for another reason it is refused.
 */
export function closeCase<T extends CaseState>(
  state: T,
  reason: CaseClosureReason,
  at: Date,
): { changed: boolean; state: T } {
  if (!isOpen(state)) {
    if (state.closureReason === reason) return { changed: false, state };
    throw new CaseClosedError(
      state.caseId,
      `it was closed as ${closureReasonName(state.closureReason)} and cannot be closed again`,
    );
  }
  const closedAt = at.getTime() < state.openedAt.getTime() ? state.openedAt : at;
  return {
    changed: true,
    state: {
      ...state,
      status: CaseStatus.CASE_STATUS_CLOSED,
      closureReason: reason,
      closedAt,
      updatedAt: at,
    },
  };
}

/** Statuses of a received referral that a case may serve: the MMCC agreed to provide the service. */
export const SERVABLE_REFERRAL_STATUSES: readonly ReferralStatus[] = Object.freeze([
  ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
]);

export function assertReferralServable(referralId: string, status: ReferralStatus): void {
  if (!SERVABLE_REFERRAL_STATUSES.includes(status))
    throw new ReferralNotAcceptedError(referralId, statusName(status));
}

function closureReasonName(reason: CaseClosureReason): string {
  return (CaseClosureReason[reason] ?? String(reason))
    .replace("CASE_CLOSURE_REASON_", "")
    .toLowerCase()
    .replaceAll("_", " ");
}
