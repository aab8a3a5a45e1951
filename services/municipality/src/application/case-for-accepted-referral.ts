import { auditCaller, callerOfActing, openOrJoinCase } from "@kopru/casework";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import type { Acting, ReferralRecord } from "@kopru/referral";
import type { Sql } from "@kopru/storage";
import type { CaseRecord, MunicipalityDeps } from "./ports.js";

/**
 * Runs inside the transaction that accepts a referral (the referral library's `onAccepted`), under
 * casework's open-or-join rule: the referral joins the person's open case at the MMCC, or a new case is
 * opened for it. It never refuses, so a concurrent acceptance for the same person joins the case the
 * first one opened. Either both the acceptance and the case commit, or neither does.
 */
export async function caseForAcceptedReferralUseCase(
  deps: Pick<MunicipalityDeps, "cases" | "audit" | "events" | "clock" | "newId">,
  tx: Sql,
  referral: ReferralRecord,
  acting: Acting,
): Promise<CaseRecord> {
  const organisationId = referral.targetOrganisationId;
  const { beneficiaryRef, referralId } = referral;
  const now = deps.clock.now();
  const audit = (action: string, caseId: string) =>
    deps.audit.record(tx, {
      at: now,
      ...auditCaller(callerOfActing(organisationId, acting)),
      action,
      entity: "case",
      entityId: caseId,
    });
  const opened = await openOrJoinCase(
    tx,
    { organisationId, beneficiaryRef },
    {
      async servingCase() {
        const open = await deps.cases.findOpenFor(tx, organisationId, beneficiaryRef, { forUpdate: true });
        return open?.referralIds.includes(referralId) ? open : undefined;
      },
      joinableCase: () => deps.cases.findOpenFor(tx, organisationId, beneficiaryRef, { forUpdate: true }),
      async join(open) {
        const record = { ...open, referralIds: [...open.referralIds, referralId], updatedAt: now };
        await deps.cases.linkReferral(tx, record, referralId, now);
        await deps.cases.save(tx, record);
        await audit("link-referral", record.caseId);
        return record;
      },
      async open() {
        const record: CaseRecord = {
          caseId: deps.newId(),
          organisationId,
          status: CaseStatus.CASE_STATUS_OPEN,
          beneficiaryRef,
          referralIds: [referralId],
          assignedCaseworkerId: acting.actorId ?? "",
          openedAt: now,
          closedAt: undefined,
          closureReason: CaseClosureReason.CASE_CLOSURE_REASON_UNSPECIFIED,
          closureNote: undefined,
          updatedAt: now,
          disaggregation: referral.disaggregation,
          eventSequence: 1,
        };
        await deps.cases.insert(tx, record);
        await deps.cases.linkReferral(tx, record, referralId, now);
        await deps.events.caseOpened(tx, record, referralId);
        await audit("open-case", record.caseId);
        return record;
      },
    },
  );
  return opened.case;
}
