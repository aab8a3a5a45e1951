import { newCaseFor, ownOrganisation, recordOpenedCase, startCaseOpening } from "@kopru/casework";
import { ProtectionCaseType } from "@kopru/contracts/protection/v1/case";
import { NotFoundError } from "@kopru/service-kit";
import {
  CaseAlreadyOpenError,
  canAccessCase,
  caseTypeForService,
  maySeeRiskAndSafety,
  openCase as newCase,
} from "../domain/index.js";
import type { Caller, CaseSummary, ProtectionDeps, Tx } from "./ports.js";
import { summary } from "./shared.js";

export interface OpenCaseInput {
  requestId: string;
  organisationId: string;
  referralId: string | undefined;
  beneficiaryRef: string | undefined;
  /** UNSPECIFIED with a referral: taken from the referral's service type. */
  caseType: ProtectionCaseType;
  /** Defaults to the caller. */
  assignedCaseworkerId: string | undefined;
}

/**
 * Opens a case explicitly: for an accepted referral whose case was closed meanwhile, or for a person
 * the organisation registered itself (a walk-in). A person has at most one open case of each type at
 * an organisation, and a referral is served by at most one open case. A retried request id returns
 * the case the first request opened.
 */
export async function openCase(
  deps: ProtectionDeps,
  caller: Caller,
  input: OpenCaseInput,
): Promise<CaseSummary> {
  ownOrganisation(caller, input.organisationId);
  return deps.uow.run(async (tx) => {
    const start = await startCaseOpening(tx, caller, input);
    if (start.repeatOf !== undefined) return repeated(tx, deps, caller, start.repeatOf);
    const { caseId, referral, beneficiaryRef } = start;
    const caseType = input.caseType || caseTypeForService(referral?.serviceType ?? 0);
    const existing = (await tx.store.openCasesOf(caller.organisationId, beneficiaryRef)).find(
      (c) => c.caseType === caseType,
    );
    if (existing) {
      throw new CaseAlreadyOpenError(
        existing.caseId,
        `the person already has an open ${caseTypeName(caseType)} case (${existing.caseId}) here`,
      );
    }

    const state = newCase({
      ...newCaseFor(caller, { ...input, caseId, beneficiaryRef, referral, at: deps.clock.now() }),
      caseType,
      sharedCategories: referral?.sharedCategories ?? [],
    });
    // A new case has no assessment or plan yet, nor a risk level.
    return {
      record: await recordOpenedCase(tx, state, { referral, caller }),
      latestRiskAssessment: undefined,
      latestSafetyPlan: undefined,
    };
  });
}

/**
 * The case a first request opened. Its opener gets it back even where the case is restricted and
 * the opener is not on its team (they wrote it); anyone else only if they may see it.
 */
async function repeated(tx: Tx, deps: ProtectionDeps, caller: Caller, caseId: string): Promise<CaseSummary> {
  const record = await tx.store.findCase(caller.organisationId, caseId);
  const opener = record?.openedBy !== undefined && record.openedBy === caller.actorId;
  if (!record || !(opener || canAccessCase(record, caller, deps.policy)))
    throw new NotFoundError("case", caseId);
  return summary(tx, record, maySeeRiskAndSafety(caller, deps.policy));
}

function caseTypeName(caseType: ProtectionCaseType): string {
  return (ProtectionCaseType[caseType] ?? String(caseType))
    .replace("PROTECTION_CASE_TYPE_", "")
    .toLowerCase()
    .replace(/_/g, " ");
}
