import type { Money } from "@kopru/contracts/common/v1/money";
import { type AssistanceItemState, announce, deliverAssistance } from "../domain/index.js";
import type { Caller, EcmDeps } from "./ports.js";
import { callerItem } from "./shared.js";

export interface MarkDeliveredInput {
  assistanceItemId: string;
  /** Defaults to now. */
  deliveredAt: Date | undefined;
  /** Defaults to the approved amount. */
  deliveredAmount: Money | undefined;
}

/**
 * APPROVED → DELIVERED, announced as AssistanceDelivered (kind, amount, time and disaggregation; no
 * payment details). Recording the same delivery again changes nothing and announces nothing.
 */
export async function markAssistanceDelivered(
  deps: EcmDeps,
  caller: Caller,
  input: MarkDeliveredInput,
): Promise<AssistanceItemState> {
  return deps.uow.run(async (tx) => {
    const { record, item } = await callerItem(tx, caller, input.assistanceItemId);
    const now = deps.clock.now();
    const delivered = deliverAssistance(item, {
      deliveredAt: input.deliveredAt,
      amount: input.deliveredAmount,
      recordedBy: caller.actorId,
      now,
    });
    if (delivered.changed) {
      const announced = announce(record, now);
      await tx.store.saveItem(delivered.item);
      await tx.store.saveCase(announced);
      await tx.events.delivered(announced, delivered.item);
      await tx.store.audit({
        caller,
        action: "mark-assistance-delivered",
        caseIds: [record.caseId],
        subjectId: item.assistanceItemId,
      });
    }
    return delivered.item;
  });
}
