import type { CaseAuditEntry, CaseLifeEvents, CaseworkTx, ReceivingDeps } from "@kopru/casework";
import type { EcmAssessment } from "@kopru/contracts/ecm/v1/case";
import type { ApprovalPolicy, AssistanceItemState, EcmCaseState } from "../domain/index.js";

export type { Caller, Clock, ReferralForCase, ReferralLookup } from "@kopru/casework";

/** A case with the referrals it serves. */
export interface EcmCaseRecord extends EcmCaseState {
  referralIds: string[];
}

export interface CaseSummary {
  record: EcmCaseRecord;
  latestAssessment: EcmAssessment | undefined;
}

/** The ECM service's own tables, inside one transaction. */
export interface EcmStore {
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
  audit(entry: CaseAuditEntry): Promise<void>;
}

/** The case's PII-free events (an assistance delivery besides casework's), in the same transaction. */
export interface CaseEvents extends CaseLifeEvents<EcmCaseState> {
  delivered(state: EcmCaseState, item: AssistanceItemState): Promise<void>;
}

export type Tx = CaseworkTx<EcmStore, CaseEvents>;

export interface EcmDeps extends ReceivingDeps<Tx> {
  approval: ApprovalPolicy;
}
