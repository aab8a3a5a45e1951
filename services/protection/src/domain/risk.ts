import { RiskLevel } from "@kopru/contracts/common/v1/needs";

const DAY = 86_400_000;

export type AssessedRiskLevel = Exclude<RiskLevel, RiskLevel.RISK_LEVEL_UNSPECIFIED | RiskLevel.UNRECOGNIZED>;

/**
 * How soon a risk is looked at again when the assessor does not say: the higher the risk, the
 * sooner (critical: the next day).
 */
export const REVIEW_INTERVAL_MS: Readonly<Record<AssessedRiskLevel, number>> = Object.freeze({
  [RiskLevel.RISK_LEVEL_CRITICAL]: DAY,
  [RiskLevel.RISK_LEVEL_HIGH]: 7 * DAY,
  [RiskLevel.RISK_LEVEL_MEDIUM]: 30 * DAY,
  [RiskLevel.RISK_LEVEL_LOW]: 90 * DAY,
});

/** The next review: the assessor's date when given, else the level's interval after the assessment. */
export function nextReviewAt(level: AssessedRiskLevel, assessedAt: Date, requested?: Date | undefined): Date {
  return requested ?? new Date(assessedAt.getTime() + REVIEW_INTERVAL_MS[level]);
}

export function isAssessedRiskLevel(level: RiskLevel): level is AssessedRiskLevel {
  return Object.hasOwn(REVIEW_INTERVAL_MS, level);
}
