import {
  type EndedWork,
  endCasesServing,
  type ReferralEndedAfterAcceptance,
  systemCaller,
} from "@kopru/casework";
import { type AssistanceItemState, cancelAssistance, closeCase, isPending } from "../domain/index.js";
import type { Tx } from "./ports.js";

/**
 * The ECM service's reaction to an accepted referral ending late (cancelled, consent withdrawn or
 * expired), inside the transaction that ended it (casework's rule): a case serving no other accepted
 * referral has its pending assistance cancelled — nothing more is paid — and is closed with the reason
 * (EcmCaseClosed); a case still serving another referral stays open, cancels only the pending
 * assistance planned for the ended referral, and records the end.
 */
export async function endCaseForReferral(tx: Tx, ended: ReferralEndedAfterAcceptance): Promise<EndedWork[]> {
  const caller = systemCaller(ended.organisationId);
  const note = `referral ${ended.referralId} ended: ${ended.cause}`;
  async function cancelPending(caseId: string, which: (item: AssistanceItemState) => boolean) {
    for (const item of (await tx.store.items(caseId)).filter((i) => isPending(i) && which(i))) {
      const cancelled = cancelAssistance(item, { at: ended.at, by: undefined, note });
      await tx.store.saveItem(cancelled.item);
      await tx.store.audit({
        caller,
        action: "cancel-assistance-item",
        caseIds: [caseId],
        subjectId: item.assistanceItemId,
      });
    }
  }
  return endCasesServing(tx.sql, ended, {
    serving: () => tx.store.casesServing(ended.organisationId, ended.referralId),
    async close(found, reason) {
      await cancelPending(found.caseId, () => true);
      const { state, changed } = closeCase(found, { reason, at: ended.at, note, pendingAssistance: 0 });
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
      // The case goes on for the other referrals; what was planned for this one is not paid.
      await cancelPending(found.caseId, (item) => item.referralId === ended.referralId);
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
