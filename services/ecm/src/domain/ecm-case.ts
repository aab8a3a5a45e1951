import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { CaseClosedError, CaseHasPendingAssistanceError } from "./errors.js";

/** One ECM case as this service keeps it. */
export interface EcmCaseState {
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

export interface NewEcmCase {
  caseId: string;
  organisationId: string;
  beneficiaryRef: string;
  assignedCaseworkerId: string | undefined;
  openedBy: string | undefined;
  disaggregation: Disaggregation;
  at: Date;
}

/** A new open case; its opening is event 1 of the case. */
export function openCase(input: NewEcmCase): EcmCaseState {
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

export function isOpen(state: EcmCaseState): boolean {
  return state.status === CaseStatus.CASE_STATUS_OPEN;
}

export function assertOpen(state: EcmCaseState, consequence: string): void {
  if (!isOpen(state)) throw new CaseClosedError(state.caseId, consequence);
}

/** The case with one more event announced about it (e.g. assistance delivered), to number that event. */
export function announce(state: EcmCaseState, at: Date): EcmCaseState {
  return { ...state, eventSequence: state.eventSequence + 1, updatedAt: at };
}

/**
 * Closes the case (announced as its next event) once no assistance is pending. Closing it again for
 * the same reason is a repeat and changes nothing; closing it for another reason is refused.
 */
export function closeCase(
  state: EcmCaseState,
  input: { reason: CaseClosureReason; at: Date; note?: string | undefined; pendingAssistance: number },
): { state: EcmCaseState; changed: boolean } {
  if (!isOpen(state)) {
    if (state.closureReason === input.reason) return { state, changed: false };
    throw new CaseClosedError(state.caseId, "it was closed for another reason");
  }
  if (input.pendingAssistance > 0)
    throw new CaseHasPendingAssistanceError(state.caseId, input.pendingAssistance);
  return {
    state: {
      ...announce(state, input.at),
      status: CaseStatus.CASE_STATUS_CLOSED,
      closedAt: input.at,
      closureReason: input.reason,
      closureNote: input.note || undefined,
    },
    changed: true,
  };
}
