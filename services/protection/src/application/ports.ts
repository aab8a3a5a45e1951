import type { CaseAuditEntry, CaseLifeEvents, CaseworkTx, ReceivingDeps } from "@kopru/casework";
import type { RiskAssessment, SafetyPlan } from "@kopru/contracts/protection/v1/case";
import type { AccessPolicy, ProtectionCaseState } from "../domain/index.js";

export type { Caller, Clock, ReferralForCase, ReferralLookup } from "@kopru/casework";

/** A case with the referrals it serves. */
export interface ProtectionCaseRecord extends ProtectionCaseState {
  referralIds: string[];
}

/** What a use case hands back for one case: the case and its newest assessment and plan. */
export interface CaseSummary {
  record: ProtectionCaseRecord;
  latestRiskAssessment: RiskAssessment | undefined;
  latestSafetyPlan: SafetyPlan | undefined;
}

export interface CaseFilter {
  organisationId: string;
  caseTypes: readonly number[];
  statuses: readonly number[];
  riskLevels: readonly number[];
  assignedCaseworkerId: string | undefined;
  /**
   * Restricted cases are listed only to a restricted-case role or to their team; the risk level
   * orders the list only for a viewer who may see it.
   */
  viewer: { actorId: string | undefined; seesAllRestricted: boolean; seesRisk: boolean };
  limit: number;
  offset: number;
}

/** The service's own tables, inside one transaction. */
export interface ProtectionStore {
  findCase(
    organisationId: string,
    caseId: string,
    options?: { forUpdate?: boolean },
  ): Promise<ProtectionCaseRecord | undefined>;
  openCasesOf(organisationId: string, beneficiaryRef: string): Promise<ProtectionCaseRecord[]>;
  casesServing(organisationId: string, referralId: string): Promise<ProtectionCaseRecord[]>;
  insertCase(state: ProtectionCaseState): Promise<void>;
  saveCase(state: ProtectionCaseState): Promise<void>;
  linkReferral(caseId: string, referralId: string, at: Date): Promise<void>;
  listCases(filter: CaseFilter): Promise<ProtectionCaseRecord[]>;
  insertRiskAssessment(assessment: RiskAssessment): Promise<void>;
  riskAssessment(caseId: string, assessmentId: string): Promise<RiskAssessment | undefined>;
  /** Newest first. */
  riskAssessments(caseId: string): Promise<RiskAssessment[]>;
  latestRiskAssessments(caseIds: readonly string[]): Promise<Map<string, RiskAssessment>>;
  nextSafetyPlanVersion(caseId: string): Promise<number>;
  insertSafetyPlan(plan: SafetyPlan, version: number): Promise<void>;
  safetyPlan(caseId: string, safetyPlanId: string): Promise<SafetyPlan | undefined>;
  /** Newest first. */
  safetyPlans(caseId: string): Promise<SafetyPlan[]>;
  latestSafetyPlans(caseIds: readonly string[]): Promise<Map<string, SafetyPlan>>;
  audit(entry: CaseAuditEntry): Promise<void>;
}

/** The case's PII-free events, written to the outbox of the same transaction. */
export type CaseEvents = CaseLifeEvents<ProtectionCaseState>;

export type Tx = CaseworkTx<ProtectionStore, CaseEvents>;

export interface ProtectionDeps extends ReceivingDeps<Tx> {
  policy: AccessPolicy;
}
