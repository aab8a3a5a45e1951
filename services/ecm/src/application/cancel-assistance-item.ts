import { type AssistanceItemState, cancelAssistance } from "../domain/index.js";
import type { Caller, EcmDeps } from "./ports.js";
import { callerItem } from "./shared.js";

/** PLANNED or APPROVED → CANCELLED (a delivered item stays delivered). Cancelling again changes nothing. */
export async function cancelAssistanceItem(
  deps: EcmDeps,
  caller: Caller,
  input: { assistanceItemId: string; internalNote: string | undefined },
): Promise<AssistanceItemState> {
  return deps.uow.run(async (tx) => {
    const { record, item } = await callerItem(tx, caller, input.assistanceItemId);
    const now = deps.clock.now();
    const cancelled = cancelAssistance(item, { at: now, by: caller.actorId, note: input.internalNote });
    if (cancelled.changed) {
      await tx.store.saveItem(cancelled.item);
      await tx.store.saveCase({ ...record, updatedAt: now });
      await tx.store.audit({
        caller,
        action: "cancel-assistance-item",
        caseIds: [record.caseId],
        subjectId: item.assistanceItemId,
      });
    }
    return cancelled.item;
  });
}
