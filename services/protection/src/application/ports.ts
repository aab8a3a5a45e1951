import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import type { DataCategory, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { RiskAssessment, SafetyPlan } from "@kopru/contracts/protection/v1/case";
import type { AccessPolicy, ProtectionCaseState } from "../domain/index.js";

/** Who calls: an organisation this service hosts, and (for staff) the user id and role. */
export interface Caller {
  organisationId: string;
  actorId: string | undefined;
  role: string | undefined;
}

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

/** A received referral as far as a case needs it (from the referral library's records). */
export interface ReferralForCase {
  referralId: string;
  rootReferralId: string;
  organisationId: string;
  beneficiaryRef: string;
  serviceType: ServiceType;
  status: ReferralStatus;
  /** Every data category the package carries. */
  sharedCategories: DataCategory[];
  disaggregation: Disaggregation;
}

export interface CaseFilter {
  organisationId: string;
  caseTypes: readonly number[];
  statuses: readonly number[];
  riskLevels: readonly number[];
  assignedCaseworkerId: string | undefined;
  /** Restricted cases are listed only to a restricted-case role or to their team. */
  viewer: { actorId: string | undefined; seesAllRestricted: boolean };
  limit: number;
  offset: number;
}

/** An earlier request with the same request id. */
export interface EarlierRequest {
  operation: string;
  fingerprint: string;
  entityId: string;
}

export interface AuditEntry {
  caller: Caller;
  action: string;
  caseIds: readonly string[];
  /** The assessment, plan or referral the action was about, when not the case itself. */
  subjectId?: string | undefined;
}

/** The service's own tables, inside one transaction. */
export interface ProtectionStore {
  /** Records the request id; returns the earlier request when the id was used before. */
  claimRequest(claim: {
    organisationId: string;
    requestId: string;
    operation: string;
    fingerprint: string;
    entityId: string;
  }): Promise<EarlierRequest | undefined>;
  /** Serialises case opening for one person until the transaction ends. */
  lockPerson(organisationId: string, beneficiaryRef: string): Promise<void>;
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
  audit(entry: AuditEntry): Promise<void>;
}

/** The referral library's records of referrals this service received. */
export interface ReferralLookup {
  /** A referral addressed to `organisationId`, locked for the transaction. */
  receivedReferral(organisationId: string, referralId: string): Promise<ReferralForCase | undefined>;
}

/** The case's PII-free events, written to the outbox of the same transaction. */
export interface CaseEvents {
  opened(state: ProtectionCaseState, referral: ReferralForCase | undefined): Promise<void>;
  closed(state: ProtectionCaseState): Promise<void>;
}

export interface Tx {
  store: ProtectionStore;
  referrals: ReferralLookup;
  events: CaseEvents;
}

/** One transaction per command: everything inside commits together (events included), or nothing does. */
export interface UnitOfWork {
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface Clock {
  now(): Date;
}

export interface ProtectionDeps {
  uow: UnitOfWork;
  clock: Clock;
  policy: AccessPolicy;
}
