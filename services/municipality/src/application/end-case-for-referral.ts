import {
  auditCaller,
  type EndedWork,
  endCasesServing,
  type ReferralEndedAfterAcceptance,
  systemCaller,
} from "@kopru/casework";
import type { Sql } from "@kopru/storage";
import { closeCase as closeCaseRule } from "../domain/index.js";
import type { CaseRecord, MunicipalityDeps } from "./ports.js";

/**
 * The municipality's reaction to an accepted referral ending late (cancelled, consent withdrawn or
 * expired), inside the transaction that ended it (casework's rule): the MMCC case serving it is closed
 * with the reason (MunicipalityCaseClosed) unless it still serves another accepted referral, in which
 * case it stays open and records the end.
 */
export async function endCaseForReferral(
  deps: Pick<MunicipalityDeps, "cases" | "audit" | "events" | "referrals">,
  tx: Sql,
  ended: ReferralEndedAfterAcceptance,
): Promise<EndedWork[]> {
  const { organisationId, referralId } = ended;
  const audit = (action: string, caseId: string) =>
    deps.audit.record(tx, {
      at: ended.at,
      ...auditCaller(systemCaller(organisationId)),
      action,
      entity: "case",
      entityId: caseId,
      subjectId: referralId,
    });
  return endCasesServing(tx, ended, {
    async serving(): Promise<CaseRecord[]> {
      const referral = await deps.referrals.find(tx, organisationId, referralId);
      if (!referral) return [];
      const open = await deps.cases.findOpenFor(tx, organisationId, referral.beneficiaryRef, {
        forUpdate: true,
      });
      return open?.referralIds.includes(referralId) ? [open] : [];
    },
    async close(found, reason) {
      const closed = closeCaseRule(found, reason, ended.at);
      if (!closed.changed) return;
      const record: CaseRecord = {
        ...closed.state,
        closureNote: `referral ${referralId} ended: ${ended.cause}`,
        eventSequence: found.eventSequence + 1,
      };
      await deps.cases.save(tx, record);
      await audit("close-case", record.caseId);
      await deps.events.caseClosed(tx, record);
    },
    async keep(found) {
      await deps.cases.save(tx, { ...found, updatedAt: ended.at });
      await audit("referral-ended", found.caseId);
    },
  });
}
