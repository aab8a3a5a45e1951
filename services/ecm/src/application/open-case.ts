import { newCaseFor, ownOrganisation, recordOpenedCase, startCaseOpening } from "@kopru/casework";
import { CaseAlreadyOpenError, openCase as newCase } from "../domain/index.js";
import type { Caller, CaseSummary, EcmDeps } from "./ports.js";
import { callerCase, summary } from "./shared.js";

export interface OpenCaseInput {
  requestId: string;
  organisationId: string;
  referralId: string | undefined;
  beneficiaryRef: string | undefined;
  /** Defaults to the caller. */
  assignedCaseworkerId: string | undefined;
}

/**
 * Opens a case explicitly: for an accepted referral whose case was closed meanwhile, or for a person
 * the unit registered itself. A person has at most one open case at a unit, and a referral is served
 * by at most one open case. A retried request id returns the case the first request opened.
 */
export async function openCase(deps: EcmDeps, caller: Caller, input: OpenCaseInput): Promise<CaseSummary> {
  ownOrganisation(caller, input.organisationId);
  return deps.uow.run(async (tx) => {
    const start = await startCaseOpening(tx, caller, input);
    if (start.repeatOf !== undefined) return summary(tx, await callerCase(tx, caller, start.repeatOf));
    const { caseId, referral, beneficiaryRef } = start;
    const existing = await tx.store.openCaseOf(caller.organisationId, beneficiaryRef);
    if (existing) {
      throw new CaseAlreadyOpenError(
        existing.caseId,
        `the person already has an open case (${existing.caseId}) at this unit`,
      );
    }
    const now = deps.clock.now();
    const state = newCase(newCaseFor(caller, { ...input, caseId, beneficiaryRef, referral, at: now }));
    return {
      record: await recordOpenedCase(tx, state, { referral, caller }),
      latestAssessment: undefined,
    };
  });
}
