import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import type { ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { EcmAssessment } from "@kopru/contracts/ecm/v1/case";
import type { ApprovalPolicy, AssistanceItemState, EcmCaseState } from "../domain/index.js";

/** Who calls: an organisation this service hosts, and (for staff) the user id and role. */
export interface Caller {
  organisationId: string;
  actorId: string | undefined;
  role: string | undefined;
}

/** A case with the referrals it serves. */
export interface EcmCaseRecord extends EcmCaseState {
  referralIds: string[];
}

export interface CaseSummary {
  record: EcmCaseRecord;
  latestAssessment: EcmAssessment | undefined;
}

/** A received referral as far as a case needs it (from the referral library's records). */
export interface ReferralForCase {
  referralId: string;
  rootReferralId: string;
  organisationId: string;
  beneficiaryRef: string;
  serviceType: ServiceType;
  status: ReferralStatus;
  disaggregation: Disaggregation;
}

export interface EarlierRequest {
  operation: string;
  fingerprint: string;
  entityId: string;
}

export interface AuditEntry {
  caller: Caller;
  action: string;
  caseIds: readonly string[];
  /** The assessment, item or referral the action was about, when not the case itself. */
  subjectId?: string | undefined;
}

/** The ECM service's own tables, inside one transaction. */
export interface EcmStore {
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
  ): Promise<EcmCaseRecord | undefined>;
  openCaseOf(organisationId: string, beneficiaryRef: string): Promise<EcmCaseRecord | undefined>;
  casesServing(organisationId: string, referralId: string): Promise<EcmCaseRecord[]>;
  insertCase(state: EcmCaseState): Promise<void>;
  saveCase(state: EcmCaseState): Promise<void>;
  linkReferral(caseId: string, referralId: string, at: Date): Promise<void>;
  listCases(filter: {
    organisationId: string;
    statuses: readonly number[];
    assignedCaseworkerId: string | undefined;
    limit: number;
    offset: number;
  }): Promise<EcmCaseRecord[]>;
  insertAssessment(assessment: EcmAssessment): Promise<void>;
  assessment(caseId: string, assessmentId: string): Promise<EcmAssessment | undefined>;
  /** Newest first. */
  assessments(caseId: string): Promise<EcmAssessment[]>;
  latestAssessments(caseIds: readonly string[]): Promise<Map<string, EcmAssessment>>;
  /** An item of one of the organisation's cases. */
  findItem(
    organisationId: string,
    assistanceItemId: string,
    options?: { forUpdate?: boolean },
  ): Promise<AssistanceItemState | undefined>;
  /** Newest first. */
  items(caseId: string): Promise<AssistanceItemState[]>;
  insertItem(item: AssistanceItemState): Promise<void>;
  saveItem(item: AssistanceItemState): Promise<void>;
  audit(entry: AuditEntry): Promise<void>;
}

export interface ReferralLookup {
  /** A referral addressed to `organisationId`, locked for the transaction. */
  receivedReferral(organisationId: string, referralId: string): Promise<ReferralForCase | undefined>;
}

/** The case's PII-free events, written to the outbox of the same transaction. */
export interface CaseEvents {
  opened(state: EcmCaseState, referral: ReferralForCase | undefined): Promise<void>;
  delivered(state: EcmCaseState, item: AssistanceItemState): Promise<void>;
  closed(state: EcmCaseState): Promise<void>;
}

export interface Tx {
  store: EcmStore;
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

export interface EcmDeps {
  uow: UnitOfWork;
  clock: Clock;
  approval: ApprovalPolicy;
}
