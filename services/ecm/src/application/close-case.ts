import type { CaseClosureReason } from "@kopru/contracts/common/v1/case";
import { closeCase as close, isPending } from "../domain/index.js";
import type { Caller, CaseSummary, EcmDeps } from "./ports.js";
import { callerCase, summary } from "./shared.js";

/**
 * Closes the case once every assistance item was delivered or cancelled, and announces it
 * (EcmCaseClosed). Closing again for the same reason answers the closed case and announces nothing.
 * The referrals it served keep their own lifecycle (completed or not through the inbox).
 */
export async function closeCase(
  deps: EcmDeps,
  caller: Caller,
  input: { caseId: string; reason: CaseClosureReason; internalNote: string | undefined },
): Promise<CaseSummary> {
  return deps.uow.run(async (tx) => {
    const record = await callerCase(tx, caller, input.caseId, { forUpdate: true });
    const pendingAssistance = (await tx.store.items(record.caseId)).filter(isPending).length;
    const { state, changed } = close(record, {
      reason: input.reason,
      at: deps.clock.now(),
      note: input.internalNote,
      pendingAssistance,
    });
    if (changed) {
      await tx.store.saveCase(state);
      await tx.events.closed(state);
      await tx.store.audit({ caller, action: "close-case", caseIds: [record.caseId] });
    }
    return summary(tx, { ...state, referralIds: record.referralIds });
  });
}
