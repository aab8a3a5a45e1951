import { lockPerson } from "@kopru/casework";
import { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { ProtectionCaseType } from "@kopru/contracts/protection/v1/case";
import { statusName } from "@kopru/referral/domain";
import { InvalidArgumentError, NotFoundError } from "@kopru/service-kit";
import { v7 as uuidv7 } from "uuid";
import {
  CaseAlreadyOpenError,
  canAccessCase,
  caseTypeForService,
  isOpen,
  openCase as newCase,
  ReferralNotAcceptedError,
} from "../domain/index.js";
import type { Caller, CaseSummary, ProtectionDeps, ReferralForCase, Tx } from "./ports.js";
import { claimRequest, summary } from "./shared.js";

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

const SERVED_STATUSES: readonly ReferralStatus[] = [
  ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
];

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
  if (input.organisationId !== caller.organisationId)
    throw new NotFoundError("organisation", input.organisationId);
  return deps.uow.run(async (tx) => {
    const caseId = uuidv7();
    const earlier = await claimRequest(tx, caller, {
      requestId: input.requestId,
      operation: "open-case",
      request: input,
      entityId: caseId,
    });
    if (earlier) return repeated(tx, deps, caller, earlier);

    const referral = input.referralId ? await servedReferral(tx, caller, input.referralId) : undefined;
    const beneficiaryRef = referral?.beneficiaryRef ?? (input.beneficiaryRef as string);
    if (referral && input.beneficiaryRef && input.beneficiaryRef !== referral.beneficiaryRef) {
      throw new InvalidArgumentError([
        {
          field: "beneficiary_ref",
          description: "differs from the referral's beneficiary_ref; leave it empty",
        },
      ]);
    }
    const caseType = input.caseType || caseTypeForService(referral?.serviceType ?? 0);

    await lockPerson(tx.sql, { organisationId: caller.organisationId, beneficiaryRef });
    const existing = (await tx.store.openCasesOf(caller.organisationId, beneficiaryRef)).find(
      (c) => c.caseType === caseType,
    );
    if (existing) {
      throw new CaseAlreadyOpenError(
        existing.caseId,
        `the person already has an open ${caseTypeName(caseType)} case (${existing.caseId}) here`,
      );
    }

    const now = deps.clock.now();
    const state = newCase({
      caseId,
      organisationId: caller.organisationId,
      caseType,
      beneficiaryRef,
      sharedCategories: referral?.sharedCategories ?? [],
      assignedCaseworkerId: input.assignedCaseworkerId ?? caller.actorId,
      openedBy: caller.actorId,
      disaggregation: referral?.disaggregation ?? Disaggregation.fromPartial({}),
      at: now,
    });
    await tx.store.insertCase(state);
    if (referral) await tx.store.linkReferral(caseId, referral.referralId, now);
    await tx.events.opened(state, referral);
    await tx.store.audit({ caller, action: "open-case", caseIds: [caseId] });
    return {
      record: { ...state, referralIds: referral ? [referral.referralId] : [] },
      latestRiskAssessment: undefined,
      latestSafetyPlan: undefined,
    };
  });
}

/** The referral must be addressed to the caller, accepted or started, and not served by an open case. */
async function servedReferral(tx: Tx, caller: Caller, referralId: string): Promise<ReferralForCase> {
  const referral = await tx.referrals.receivedReferral(caller.organisationId, referralId);
  if (!referral) throw new NotFoundError("referral", referralId);
  if (!SERVED_STATUSES.includes(referral.status))
    throw new ReferralNotAcceptedError(referralId, statusName(referral.status));
  const serving = (await tx.store.casesServing(caller.organisationId, referralId)).find(isOpen);
  if (serving)
    throw new CaseAlreadyOpenError(
      serving.caseId,
      `referral ${referralId} is already served by open case ${serving.caseId}`,
    );
  return referral;
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
  return summary(tx, record);
}

function caseTypeName(caseType: ProtectionCaseType): string {
  return (ProtectionCaseType[caseType] ?? String(caseType))
    .replace("PROTECTION_CASE_TYPE_", "")
    .toLowerCase()
    .replace(/_/g, " ");
}
