import { type CaseState, closeCaseState, isOpen, type NewCase, openCaseState } from "@kopru/casework/domain";
import type { CaseClosureReason } from "@kopru/contracts/common/v1/case";
import { CaseHasPendingAssistanceError } from "./errors.js";

export { assertOpen, isOpen } from "@kopru/casework/domain";

/** One ECM case as this service keeps it: casework's case, nothing more. */
export type EcmCaseState = CaseState;
export type NewEcmCase = NewCase;

/** A new open case; its opening is event 1 of the case. */
export const openCase: (input: NewEcmCase) => EcmCaseState = openCaseState;

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
  if (isOpen(state) && input.pendingAssistance > 0)
    throw new CaseHasPendingAssistanceError(state.caseId, input.pendingAssistance);
  return closeCaseState(state, input);
}
