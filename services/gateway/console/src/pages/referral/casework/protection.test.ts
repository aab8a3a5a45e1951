import { describe, expect, it } from "vitest";
import { withoutRestrictedParts } from "./protection.js";

describe("withoutRestrictedParts", () => {
  it("keeps the case but not its risk assessment, safety plan or risk level", () => {
    const kept = withoutRestrictedParts({
      caseId: "c1",
      status: "CASE_STATUS_OPEN",
      caseType: "PROTECTION_CASE_TYPE_GENERAL",
      riskLevel: "RISK_LEVEL_HIGH",
      latestRiskAssessment: { assessmentId: "a1", summary: "secret" },
      latestSafetyPlan: { safetyPlanId: "p1", notes: "secret" },
      referralIds: ["r1"],
    });
    expect(kept).toEqual({
      caseId: "c1",
      status: "CASE_STATUS_OPEN",
      caseType: "PROTECTION_CASE_TYPE_GENERAL",
      referralIds: ["r1"],
    });
    expect(JSON.stringify(kept)).not.toContain("secret");
  });
});
