import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { RiskLevel } from "@kopru/contracts/common/v1/needs";
import type { ProtectionCaseType } from "@kopru/contracts/protection/v1/case";
import { isRestrictedCase } from "./case-type.js";
import { CaseClosedError } from "./errors.js";

/** One protection case as this service keeps it. */
export interface ProtectionCaseState {
  caseId: string;
  organisationId: string;
  caseType: ProtectionCaseType;
  restricted: boolean;
  status: CaseStatus;
  beneficiaryRef: string;
  assignedCaseworkerId: string | undefined;
  authorisedUserIds: string[];
  riskLevel: RiskLevel;
  openedAt: Date;
  openedBy: string | undefined;
  closedAt: Date | undefined;
  closureReason: CaseClosureReason;
  closureNote: string | undefined;
  updatedAt: Date;
  /** Events published about the case so far; the next one is this + 1 in the case's aggregate sequence. */
  eventSequence: number;
  /** PII-free bands copied from the referral (all unspecified for a case opened without one). */
  disaggregation: Disaggregation;
}

export interface NewCase {
  caseId: string;
  organisationId: string;
  caseType: ProtectionCaseType;
  beneficiaryRef: string;
  /** Categories the referral shared (GBV or child-protection data restricts the case). */
  sharedCategories: readonly number[];
  assignedCaseworkerId: string | undefined;
  openedBy: string | undefined;
  disaggregation: Disaggregation;
  at: Date;
}

/** A new open case; its opening is event 1 of the case. */
export function openCase(input: NewCase): ProtectionCaseState {
  return {
    caseId: input.caseId,
    organisationId: input.organisationId,
    caseType: input.caseType,
    restricted: isRestrictedCase(input.caseType, input.sharedCategories),
    status: CaseStatus.CASE_STATUS_OPEN,
    beneficiaryRef: input.beneficiaryRef,
    assignedCaseworkerId: input.assignedCaseworkerId || undefined,
    authorisedUserIds: [],
    riskLevel: RiskLevel.RISK_LEVEL_UNSPECIFIED,
    openedAt: input.at,
    openedBy: input.openedBy,
    closedAt: undefined,
    closureReason: CaseClosureReason.CASE_CLOSURE_REASON_UNSPECIFIED,
    closureNote: undefined,
    updatedAt: input.at,
    eventSequence: 1,
    disaggregation: input.disaggregation,
  };
}

export function isOpen(state: ProtectionCaseState): boolean {
  return state.status === CaseStatus.CASE_STATUS_OPEN;
}

export function assertOpen(state: ProtectionCaseState, consequence: string): void {
  if (!isOpen(state)) throw new CaseClosedError(state.caseId, consequence);
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
  if (!isOpen(state)) {
    if (state.closureReason === reason) return { state, changed: false };
    throw new CaseClosedError(state.caseId, "it was closed for another reason");
  }
  return {
    state: {
      ...state,
      status: CaseStatus.CASE_STATUS_CLOSED,
      closedAt: at,
      closureReason: reason,
      closureNote: note || undefined,
      updatedAt: at,
      eventSequence: state.eventSequence + 1,
    },
    changed: true,
  };
}

/**
 * The disaggregation a case event may carry. For restricted cases the district and the nationality
 * are left out, so that survivors cannot be singled out in small groups (events.proto).
 */
export function eventDisaggregation(state: ProtectionCaseState): Disaggregation {
  if (!state.restricted) return state.disaggregation;
  return { ...state.disaggregation, districtCode: "", nationality: "" };
}
