import { type AssistanceItemState, approveAssistance } from "../domain/index.js";
import type { Caller, EcmDeps } from "./ports.js";
import { actorOf, callerItem } from "./shared.js";

/**
 * PLANNED → APPROVED by an ECM approver (ECM_APPROVER_ROLES) who did not plan the item, whatever
 * the amount. Approving again changes nothing.
 */
export async function approveAssistanceItem(
  deps: EcmDeps,
  caller: Caller,
  assistanceItemId: string,
): Promise<AssistanceItemState> {
  return deps.uow.run(async (tx) => {
    const { record, item } = await callerItem(tx, caller, assistanceItemId);
    const now = deps.clock.now();
    const approved = approveAssistance(
      item,
      { actor: actorOf(caller), roles: caller.roles ?? [] },
      now,
      deps.approval,
    );
    if (approved.changed) {
      await tx.store.saveItem(approved.item);
      await tx.store.saveCase({ ...record, updatedAt: now });
      await tx.store.audit({
        caller,
        action: "approve-assistance-item",
        caseIds: [record.caseId],
        subjectId: assistanceItemId,
      });
    }
    return approved.item;
  });
}
