import type { components } from "@kopru/contracts/openapi/console-api";

type ProtectionCase = components["schemas"]["kopru.protection.v1.ProtectionCase"];

/**
 * The case as staff outside the restricted protection role keep it in the browser: without its
 * latest risk assessment, safety plan and risk level (the console shows them that this part is
 * restricted, and holds none of it).
 */
export function withoutRestrictedParts(item: ProtectionCase): ProtectionCase {
  const { latestRiskAssessment: _risk, latestSafetyPlan: _plan, riskLevel: _level, ...rest } = item;
  return rest;
}
