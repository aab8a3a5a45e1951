import { lockPerson } from "@kopru/casework";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { InvalidArgumentError, NotFoundError } from "@kopru/service-kit";
import { assertReferralServable, CaseAlreadyOpenError } from "../domain/index.js";
import type { Caller, CaseRecord, MunicipalityDeps } from "./ports.js";

export interface OpenCaseInput {
  requestId: string;
  /** An accepted referral received by the caller's MMCC; the person is the referral's. */
  referralId: string | undefined;
  /** The person, for a case opened without a referral (a walk-in). */
  beneficiaryRef: string | undefined;
  assignedCaseworkerId: string | undefined;
}

/**
 * Opens a case at the caller's MMCC, for an accepted referral or for a walk-in. One open case per
 * person per MMCC: a second one is refused (the referral joins the open case when accepted instead).
 */
export async function openCase(
  deps: MunicipalityDeps,
  caller: Caller,
  input: OpenCaseInput,
): Promise<CaseRecord> {
  const opened = await deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const caseId = deps.newId();
    const earlier = await deps.requests.claim(tx, caller, {
      requestId: input.requestId,
      operation: "OpenCase",
      request: input,
      entityId: caseId,
    });
    if (earlier) {
      const existing = await deps.cases.find(tx, caller.organisationId, earlier);
      if (!existing) throw new NotFoundError("case", earlier);
      return { record: existing, created: false };
    }

    let beneficiaryRef = input.beneficiaryRef ?? "";
    let disaggregation = Disaggregation.fromPartial({});
    if (input.referralId) {
      const referral = await deps.referrals.find(tx, caller.organisationId, input.referralId, {
        forUpdate: true,
      });
      if (!referral) throw new NotFoundError("referral", input.referralId);
      assertReferralServable(referral.referralId, referral.status);
      if (beneficiaryRef !== "" && beneficiaryRef !== referral.beneficiaryRef)
        throw new InvalidArgumentError([
          {
            field: "beneficiary_ref",
            description: "differs from the person of the referral; leave it empty",
          },
        ]);
      beneficiaryRef = referral.beneficiaryRef;
      disaggregation = referral.disaggregation;
    }
    await lockPerson(tx, { organisationId: caller.organisationId, beneficiaryRef });
    const open = await deps.cases.findOpenFor(tx, caller.organisationId, beneficiaryRef);
    if (open)
      throw new CaseAlreadyOpenError(
        open.caseId,
        `the person already has an open case at this MMCC (${open.caseId})`,
      );

    const record: CaseRecord = {
      caseId,
      organisationId: caller.organisationId,
      status: CaseStatus.CASE_STATUS_OPEN,
      beneficiaryRef,
      referralIds: input.referralId ? [input.referralId] : [],
      assignedCaseworkerId: input.assignedCaseworkerId || caller.actorId || "",
      openedAt: now,
      closedAt: undefined,
      closureReason: CaseClosureReason.CASE_CLOSURE_REASON_UNSPECIFIED,
      closureNote: undefined,
      updatedAt: now,
      disaggregation,
      eventSequence: 1,
    };
    await deps.cases.insert(tx, record);
    if (input.referralId) await deps.cases.linkReferral(tx, record, input.referralId, now);
    await deps.audit.record(tx, {
      at: now,
      ...caller,
      action: "open-case",
      entity: "case",
      entityId: caseId,
    });
    await deps.events.caseOpened(tx, record, input.referralId);
    return { record, created: true };
  });
  if (opened.created) deps.afterCommit();
  return opened.record;
}
