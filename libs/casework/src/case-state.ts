import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { CaseClosedError } from "./errors.js";

/* Pure (no I/O): a service's domain code may import it through `@kopru/casework/domain`. */

/** What every receiving service's case is (each service adds its own fields). */
export interface CaseState {
  caseId: string;
  organisationId: string;
  status: CaseStatus;
  beneficiaryRef: string;
  assignedCaseworkerId: string | undefined;
  openedAt: Date;
  openedBy: string | undefined;
  closedAt: Date | undefined;
  closureReason: CaseClosureReason;
  closureNote: string | undefined;
  updatedAt: Date;
  /** Events published about the case so far; the next one is this + 1 in the case's aggregate sequence. */
  eventSequence: number;
  /** PII-free bands copied from the referral (all unspecified for a case opened without one). */
  disaggregation: Disaggregation;
}

export interface NewCase {
  caseId: string;
  organisationId: string;
  beneficiaryRef: string;
  assignedCaseworkerId: string | undefined;
  openedBy: string | undefined;
  disaggregation: Disaggregation;
  at: Date;
}

/** A new open case; its opening is event 1 of the case. */
export function openCaseState(input: NewCase): CaseState {
  return {
    caseId: input.caseId,
    organisationId: input.organisationId,
    status: CaseStatus.CASE_STATUS_OPEN,
    beneficiaryRef: input.beneficiaryRef,
    assignedCaseworkerId: input.assignedCaseworkerId || undefined,
    openedAt: input.at,
    openedBy: input.openedBy,
    closedAt: undefined,
    closureReason: CaseClosureReason.CASE_CLOSURE_REASON_UNSPECIFIED,
    closureNote: undefined,
    updatedAt: input.at,
    eventSequence: 1,
    disaggregation: input.disaggregation,
  };
}

export function isOpen(state: Pick<CaseState, "status">): boolean {
  return state.status === CaseStatus.CASE_STATUS_OPEN;
}

/** Nothing is added to or changed on a closed case. */
export function assertOpen(state: Pick<CaseState, "caseId" | "status">, consequence: string): void {
  if (!isOpen(state)) throw new CaseClosedError(state.caseId, consequence);
}

/**
 * Closes the case (announced as its next event). Closing it again for the same reason is a repeat and
 * changes nothing; closing it for another reason is refused.
 */
export function closeCaseState<T extends CaseState>(
  state: T,
  input: { reason: CaseClosureReason; at: Date; note?: string | undefined },
): { state: T; changed: boolean } {
  if (!isOpen(state)) {
    if (state.closureReason === input.reason) return { state, changed: false };
    throw new CaseClosedError(state.caseId, "it was closed for another reason");
  }
  return {
    state: {
      ...state,
      status: CaseStatus.CASE_STATUS_CLOSED,
      closedAt: input.at,
      closureReason: input.reason,
      closureNote: input.note || undefined,
      updatedAt: input.at,
      eventSequence: state.eventSequence + 1,
    },
    changed: true,
  };
}
