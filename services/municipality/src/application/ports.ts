import type { AuditLog, Caller, ReceivedReferrals, RequestLog } from "@kopru/casework";
import type { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import type { ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";
import type { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import type {
  CounsellingSessionType,
  CounsellingTopic,
  SessionModality,
} from "@kopru/contracts/municipality/v1/case";
import type { Clock } from "@kopru/service-kit";
import type { Database, Sql } from "@kopru/storage";
import type { Amount, CaseState, MmccProfile } from "../domain/index.js";

export type { AuditLog, Caller, ReceivedReferrals, RequestLog };

/** Who did something, as stored (ids only, never names). */
export interface ActorRef {
  kind: ActorKind;
  actorId: string;
  role: StaffRole;
}

export interface CaseRecord extends CaseState {
  status: CaseStatus;
  closureReason: CaseClosureReason;
  organisationId: string;
  beneficiaryRef: string;
  referralIds: string[];
  assignedCaseworkerId: string;
  closureNote: string | undefined;
  disaggregation: Disaggregation;
  /** Sequence of the last event published about the case. */
  eventSequence: number;
}

export interface CounsellingSessionRecord {
  sessionId: string;
  caseId: string;
  organisationId: string;
  sessionType: CounsellingSessionType;
  modality: SessionModality;
  topics: CounsellingTopic[];
  interpreterUsed: boolean;
  interpreterLanguage: string | undefined;
  durationMinutes: number;
  heldAt: Date;
  counsellor: ActorRef;
  notes: string | undefined;
  recordedAt: Date;
}

export interface DirectAssistanceRecord {
  directAssistanceId: string;
  caseId: string;
  organisationId: string;
  referralId: string | undefined;
  kind: AssistanceKind;
  amount: Amount | undefined;
  description: string | undefined;
  providedAt: Date;
  recordedBy: ActorRef;
  recordedAt: Date;
}

export interface CentreRecord extends MmccProfile {
  active: boolean;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface CaseRepository {
  find(
    sql: Sql,
    organisationId: string,
    caseId: string,
    options?: { forUpdate?: boolean },
  ): Promise<CaseRecord | undefined>;
  findOpenFor(
    sql: Sql,
    organisationId: string,
    beneficiaryRef: string,
    options?: { forUpdate?: boolean },
  ): Promise<CaseRecord | undefined>;
  /** Refuses (OpenCaseExistsError) when the person already has an open case at the MMCC. */
  insert(sql: Sql, record: CaseRecord): Promise<void>;
  linkReferral(sql: Sql, record: CaseRecord, referralId: string, at: Date): Promise<void>;
  /** Writes status, closure, updated_at and event_sequence. */
  save(sql: Sql, record: CaseRecord): Promise<void>;
  list(
    sql: Sql,
    filter: {
      organisationId: string;
      statuses: readonly CaseStatus[];
      assignedCaseworkerId?: string | undefined;
    } & Page,
  ): Promise<CaseRecord[]>;
}

export interface SessionRepository {
  insert(sql: Sql, record: CounsellingSessionRecord): Promise<void>;
  find(sql: Sql, organisationId: string, sessionId: string): Promise<CounsellingSessionRecord | undefined>;
  /** Newest first. */
  listForCase(sql: Sql, caseId: string): Promise<CounsellingSessionRecord[]>;
}

export interface AssistanceRepository {
  insert(sql: Sql, record: DirectAssistanceRecord): Promise<void>;
  find(sql: Sql, organisationId: string, id: string): Promise<DirectAssistanceRecord | undefined>;
  /** Newest first. */
  listForCase(sql: Sql, caseId: string): Promise<DirectAssistanceRecord[]>;
}

export interface CentreRepository {
  /** Upserts the hosted MMCCs as active and marks every other one inactive. */
  syncHosted(sql: Sql, profiles: readonly MmccProfile[], at: Date): Promise<void>;
  list(sql: Sql, filter: { provinceCodes: readonly string[] } & Page): Promise<CentreRecord[]>;
}

/** The PII-free case facts this service publishes, written to the outbox of the caller's transaction. */
export interface CaseEvents {
  /** `record.eventSequence` is the new event's sequence. */
  caseOpened(sql: Sql, record: CaseRecord, referralId: string | undefined): Promise<void>;
  sessionRecorded(sql: Sql, record: CaseRecord, session: CounsellingSessionRecord): Promise<void>;
  assistanceProvided(sql: Sql, record: CaseRecord, assistance: DirectAssistanceRecord): Promise<void>;
  caseClosed(sql: Sql, record: CaseRecord): Promise<void>;
}

export interface MunicipalityDeps {
  db: Database;
  clock: Clock;
  cases: CaseRepository;
  sessions: SessionRepository;
  assistance: AssistanceRepository;
  centres: CentreRepository;
  requests: RequestLog;
  audit: AuditLog;
  referrals: ReceivedReferrals;
  events: CaseEvents;
  /** Wakes the outbox relay after a commit. */
  afterCommit(): void;
  newId(): string;
}
