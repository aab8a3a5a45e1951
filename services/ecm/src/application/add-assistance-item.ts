import { addCaseEntry } from "@kopru/casework";
import type { Money } from "@kopru/contracts/common/v1/money";
import type { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import type { PaymentChannel } from "@kopru/contracts/referral/v1/package";
import { NotFoundError } from "@kopru/service-kit";
import { type AssistanceItemState, planAssistance } from "../domain/index.js";
import type { Caller, EcmDeps } from "./ports.js";
import { actorOf, callerCase } from "./shared.js";

export interface AddAssistanceItemInput {
  requestId: string;
  caseId: string;
  /** Must be a referral the case serves. */
  referralId: string | undefined;
  kind: AssistanceKind;
  amount: Money;
  description: string | undefined;
  paymentChannel: PaymentChannel;
}

/**
 * Plans an assistance item (PLANNED). The request id makes it happen once: a retry — even one racing
 * the first — returns the item the first request planned, so no cash is ever planned twice.
 */
export async function addAssistanceItem(
  deps: EcmDeps,
  caller: Caller,
  input: AddAssistanceItemInput,
): Promise<AssistanceItemState> {
  return deps.uow.run(async (tx) => {
    const record = await callerCase(tx, caller, input.caseId, { forUpdate: true });
    const command = {
      action: "add-assistance-item",
      entryName: "assistance item",
      record,
      request: input,
      refusedWhenClosed: "no assistance can be planned",
      at: deps.clock.now(),
    };
    return addCaseEntry(tx, caller, command, {
      earlier: (id) => tx.store.findItem(caller.organisationId, id),
      async add(assistanceItemId, now) {
        if (input.referralId && !record.referralIds.includes(input.referralId))
          throw new NotFoundError("referral", input.referralId);
        const item = planAssistance({
          assistanceItemId,
          caseId: record.caseId,
          referralId: input.referralId,
          kind: input.kind,
          amount: input.amount,
          description: input.description,
          paymentChannel: input.paymentChannel,
          plannedBy: actorOf(caller),
          at: now,
        });
        await tx.store.insertItem(item);
        return { entry: item, updated: { ...record, updatedAt: item.plannedAt } };
      },
    });
  });
}
