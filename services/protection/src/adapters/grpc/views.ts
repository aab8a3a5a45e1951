import { caseCoreView } from "@kopru/casework";
import type { ProtectionCase } from "@kopru/contracts/protection/v1/case";
import type { CaseSummary } from "../../application/ports.js";

/** A case as the API shows it (internal notes and bookkeeping stay inside). */
export function caseView(summary: CaseSummary): ProtectionCase {
  const { record } = summary;
  return {
    ...caseCoreView(record),
    caseType: record.caseType,
    restricted: record.restricted,
    authorisedUserIds: [...record.authorisedUserIds],
    riskLevel: record.riskLevel,
    latestRiskAssessment: summary.latestRiskAssessment,
    latestSafetyPlan: summary.latestSafetyPlan,
  };
}
