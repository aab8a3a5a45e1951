import type { RiskAssessment, SafetyPlan } from "@kopru/contracts/protection/v1/case";
import { maySeeRiskAndSafety } from "../domain/index.js";
import type { Caller, CaseSummary, ProtectionDeps } from "./ports.js";
import { inTransaction, summary, visibleCase } from "./shared.js";

export interface CaseDetails extends CaseSummary {
  /** Newest first. */
  riskAssessments: RiskAssessment[];
  /** Newest first. */
  safetyPlans: SafetyPlan[];
}

/**
 * One case with its whole history; the read is audited. The risk assessments and safety plans only
 * for a restricted-case role: anyone else who may see the case gets it without them.
 */
export async function getCase(deps: ProtectionDeps, caller: Caller, caseId: string): Promise<CaseDetails> {
  return inTransaction(deps, caller, "read-case", async (tx) => {
    const record = await visibleCase(tx, deps, caller, caseId);
    const seesRisk = maySeeRiskAndSafety(caller, deps.policy);
    const riskAssessments = seesRisk ? await tx.store.riskAssessments(caseId) : [];
    const safetyPlans = seesRisk ? await tx.store.safetyPlans(caseId) : [];
    await tx.store.audit({ caller, action: "read-case", caseIds: [caseId] });
    return {
      ...(await summary(tx, record, seesRisk)),
      riskAssessments,
      safetyPlans,
    };
  });
}
