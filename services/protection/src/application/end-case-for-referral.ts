import {
  type EndedWork,
  endCasesServing,
  type ReferralEndedAfterAcceptance,
  systemCaller,
} from "@kopru/casework";
import { closeCase } from "../domain/index.js";
import type { Tx } from "./ports.js";

/**
 * The protection service's reaction to an accepted referral ending late (cancelled, consent withdrawn
 * or expired), inside the transaction that ended it (casework's rule): a case serving no other accepted
 * referral is closed with the reason (ProtectionCaseClosed); one still serving another stays open and
 * records the end.
 */
export async function endCaseForReferral(tx: Tx, ended: ReferralEndedAfterAcceptance): Promise<EndedWork[]> {
  const caller = systemCaller(ended.organisationId);
  return endCasesServing(tx.sql, ended, {
    serving: () => tx.store.casesServing(ended.organisationId, ended.referralId),
    async close(found, reason) {
      const { state, changed } = closeCase(
        found,
        reason,
        ended.at,
        `referral ${ended.referralId} ended: ${ended.cause}`,
      );
      if (!changed) return;
      await tx.store.saveCase(state);
      await tx.events.closed(state);
      await tx.store.audit({
        caller,
        action: "close-case",
        caseIds: [found.caseId],
        subjectId: ended.referralId,
      });
    },
    async keep(found) {
      await tx.store.saveCase({ ...found, updatedAt: ended.at });
      await tx.store.audit({
        caller,
        action: "referral-ended",
        caseIds: [found.caseId],
        subjectId: ended.referralId,
      });
    },
  });
}
