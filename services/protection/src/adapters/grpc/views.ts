import type { ProtectionCase } from "@kopru/contracts/protection/v1/case";
import type { CaseSummary } from "../../application/ports.js";

/** A case as the API shows it (internal notes and bookkeeping stay inside). */
export function caseView(summary: CaseSummary): ProtectionCase {
  const { record } = summary;
  return {
    caseId: record.caseId,
    organisationId: record.organisationId,
    caseType: record.caseType,
    restricted: record.restricted,
    status: record.status,
    beneficiaryRef: record.beneficiaryRef,
    referralIds: [...record.referralIds],
    assignedCaseworkerId: record.assignedCaseworkerId ?? "",
    authorisedUserIds: [...record.authorisedUserIds],
    riskLevel: record.riskLevel,
    latestRiskAssessment: summary.latestRiskAssessment,
    latestSafetyPlan: summary.latestSafetyPlan,
    openedAt: record.openedAt,
    closedAt: record.closedAt,
    closureReason: record.closureReason,
    updatedAt: record.updatedAt,
  };
}
