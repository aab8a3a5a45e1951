import { assignTeam, canChangeTeam, maySeeRiskAndSafety, TeamChangeForbiddenError } from "../domain/index.js";
import type { Caller, CaseSummary, ProtectionDeps } from "./ports.js";
import { inTransaction, summary, visibleCase } from "./shared.js";

export interface AssignCaseInput {
  caseId: string;
  assignedCaseworkerId: string;
  /** The full new list of other staff allowed on the case. */
  authorisedUserIds: readonly string[];
}

/** Names the caseworker and who else may work on the case (for a restricted case: who may see it). */
export async function assignCase(
  deps: ProtectionDeps,
  caller: Caller,
  input: AssignCaseInput,
): Promise<CaseSummary> {
  return inTransaction(deps, caller, "assign-case", async (tx) => {
    const record = await visibleCase(tx, deps, caller, input.caseId, { forUpdate: true });
    if (!canChangeTeam(record, caller, deps.policy)) throw new TeamChangeForbiddenError(record.caseId);
    const next = assignTeam(record, input, deps.clock.now());
    await tx.store.saveCase(next);
    await tx.store.audit({ caller, action: "assign-case", caseIds: [record.caseId] });
    return summary(
      tx,
      { ...next, referralIds: record.referralIds },
      maySeeRiskAndSafety(caller, deps.policy),
    );
  });
}
