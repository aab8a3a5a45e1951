import type { CaseClosureReason } from "@kopru/contracts/common/v1/case";
import { closeCase as close, maySeeRiskAndSafety } from "../domain/index.js";
import type { Caller, CaseSummary, ProtectionDeps } from "./ports.js";
import { inTransaction, summary, visibleCase } from "./shared.js";

export interface CloseCaseInput {
  caseId: string;
  reason: CaseClosureReason;
  /** Kept here; never published. */
  internalNote: string | undefined;
}

/**
 * Closes the case and announces it (ProtectionCaseClosed). Closing again for the same reason answers
 * the closed case and announces nothing. The referrals it served keep their own lifecycle: they are
 * completed (or not) through the inbox.
 */
export async function closeCase(
  deps: ProtectionDeps,
  caller: Caller,
  input: CloseCaseInput,
): Promise<CaseSummary> {
  return inTransaction(deps, caller, "close-case", async (tx) => {
    const record = await visibleCase(tx, deps, caller, input.caseId, { forUpdate: true });
    const { state, changed } = close(record, input.reason, deps.clock.now(), input.internalNote);
    if (changed) {
      await tx.store.saveCase(state);
      await tx.events.closed(state);
      await tx.store.audit({ caller, action: "close-case", caseIds: [record.caseId] });
    }
    return summary(
      tx,
      { ...state, referralIds: record.referralIds },
      maySeeRiskAndSafety(caller, deps.policy),
    );
  });
}
