import {
  assertOpen,
  type CaseState,
  type NewCase as CaseworkNewCase,
  closeCaseState,
  openCaseState,
} from "@kopru/casework/domain";
import type { CaseClosureReason } from "@kopru/contracts/common/v1/case";
import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { RiskLevel } from "@kopru/contracts/common/v1/needs";
import type { ProtectionCaseType } from "@kopru/contracts/protection/v1/case";
import { isRestrictedCase } from "./case-type.js";

/** One protection case as this service keeps it: casework's case with its type, restriction and team. */
export interface ProtectionCaseState extends CaseState {
  caseType: ProtectionCaseType;
  restricted: boolean;
  authorisedUserIds: string[];
  riskLevel: RiskLevel;
}

export interface NewCase extends CaseworkNewCase {
  caseType: ProtectionCaseType;
  /** Categories the referral shared (GBV or child-protection data restricts the case). */
  sharedCategories: readonly number[];
}

/** A new open case; its opening is event 1 of the case. */
export function openCase(input: NewCase): ProtectionCaseState {
  return {
    ...openCaseState(input),
    caseType: input.caseType,
    restricted: isRestrictedCase(input.caseType, input.sharedCategories),
    authorisedUserIds: [],
    riskLevel: RiskLevel.RISK_LEVEL_UNSPECIFIED,
  };
}

/**
 * Names the caseworker and the full list of other staff allowed on the case. The caseworker is not
 * repeated among the authorised users, and nobody twice.
 */
export function assignTeam(
  state: ProtectionCaseState,
  team: { assignedCaseworkerId: string; authorisedUserIds: readonly string[] },
  at: Date,
): ProtectionCaseState {
  assertOpen(state, "its team cannot be changed");
  const authorised = [...new Set(team.authorisedUserIds)].filter((id) => id !== team.assignedCaseworkerId);
  return {
    ...state,
    assignedCaseworkerId: team.assignedCaseworkerId,
    authorisedUserIds: authorised,
    updatedAt: at,
  };
}

/**
 * A further referral served through the case. Its data may restrict a case that was not restricted
 * (e.g. GBV data arriving for a person with a general protection case); it never lifts a restriction.
 */
export function serveReferral(
  state: ProtectionCaseState,
  sharedCategories: readonly number[],
  at: Date,
): ProtectionCaseState {
  const restricted = state.restricted || isRestrictedCase(state.caseType, sharedCategories);
  return restricted === state.restricted ? state : { ...state, restricted, updatedAt: at };
}

/** The case takes the level of its newest risk assessment. */
export function recordRiskLevel(state: ProtectionCaseState, level: RiskLevel, at: Date): ProtectionCaseState {
  assertOpen(state, "no risk assessment can be added");
  return { ...state, riskLevel: level, updatedAt: at };
}

/**
 * Closes the case (announced as the case's next event). Closing it again for the same reason is a
 * repeat and changes nothing; closing it for another reason is refused.
 */
export function closeCase(
  state: ProtectionCaseState,
  reason: CaseClosureReason,
  at: Date,
  note?: string | undefined,
): { state: ProtectionCaseState; changed: boolean } {
  return closeCaseState(state, { reason, at, note });
}

/**
 * The disaggregation a case event may carry. For restricted cases the district and the nationality
 * are left out, so that survivors cannot be singled out in small groups (events.proto).
 */
export function eventDisaggregation(state: ProtectionCaseState): Disaggregation {
  if (!state.restricted) return state.disaggregation;
  return { ...state.disaggregation, districtCode: "", nationality: "" };
}

export { assertOpen, isOpen } from "@kopru/casework/domain";
