import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import type { Acting, ReferralRecord } from "@kopru/referral";
import { ConflictError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { caseForAcceptedReferral, OpenCaseExistsError } from "../domain/index.js";
import type { CaseRecord, MunicipalityDeps } from "./ports.js";

/**
 * Runs inside the transaction that accepts a referral (the referral library's `onAccepted`): the
 * referral joins the person's open case at the MMCC, or a new case is opened for it. Either both the
 * acceptance and the case commit, or neither does. The inbox wakes the outbox relay after the commit.
 */
export async function caseForAcceptedReferralUseCase(
  deps: Pick<MunicipalityDeps, "cases" | "audit" | "events" | "clock" | "newId">,
  tx: Sql,
  referral: ReferralRecord,
  acting: Acting,
): Promise<CaseRecord> {
  const organisationId = referral.targetOrganisationId;
  const now = deps.clock.now();
  const open = await deps.cases.findOpenFor(tx, organisationId, referral.beneficiaryRef, { forUpdate: true });
  const plan = caseForAcceptedReferral(open?.caseId);
  let record: CaseRecord;
  if (plan.action === "join" && open) {
    record = { ...open, referralIds: [...open.referralIds, referral.referralId], updatedAt: now };
    await deps.cases.linkReferral(tx, record, referral.referralId, now);
    await deps.cases.save(tx, record);
  } else {
    record = {
      caseId: deps.newId(),
      organisationId,
      status: CaseStatus.CASE_STATUS_OPEN,
      beneficiaryRef: referral.beneficiaryRef,
      referralIds: [referral.referralId],
      assignedCaseworkerId: acting.actorId ?? "",
      openedAt: now,
      closedAt: undefined,
      closureReason: CaseClosureReason.CASE_CLOSURE_REASON_UNSPECIFIED,
      closureNote: undefined,
      updatedAt: now,
      disaggregation: referral.disaggregation,
      eventSequence: 1,
    };
    try {
      await deps.cases.insert(tx, record);
    } catch (error) {
      // Another acceptance for the same person opened a case in the same instant: retry to join it.
      if (error instanceof OpenCaseExistsError)
        throw new ConflictError("a case was opened for the same person at the same time; try again");
      throw error;
    }
    await deps.cases.linkReferral(tx, record, referral.referralId, now);
    await deps.events.caseOpened(tx, record, referral.referralId);
  }
  await deps.audit.record(tx, {
    at: now,
    organisationId,
    actorId: acting.actorId,
    action: plan.action === "join" ? "link-referral" : "open-case",
    entity: "case",
    entityId: record.caseId,
  });
  return record;
}
