import type { AuditLog, Caller, ReceivedReferrals, RequestLog } from "@kopru/casework";
import type { Disaggregation, Sex } from "@kopru/contracts/common/v1/disaggregation";
import type { OutcomeCode, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type {
  ActivityKind,
  ActivityStatus,
  AttendanceStatus,
  EnrolmentStatus,
  Weekday,
} from "@kopru/contracts/communitycentre/v1/activity";
import type { Clock } from "@kopru/service-kit";
import type { Database, Sql } from "@kopru/storage";
import type { ActivityState, Admission, CentreProfile, EnrolmentState } from "../domain/index.js";

export type { AuditLog, Caller, ReceivedReferrals, RequestLog };

export interface CentreRecord extends CentreProfile {
  centreId: string;
  active: boolean;
}

export interface ScheduleRecord {
  firstSessionAt: Date;
  lastSessionAt: Date | undefined;
  days: Weekday[];
  startTime: string;
  sessionMinutes: number;
  timeZone: string;
  totalSessions: number | undefined;
}

export interface ActivityRecord extends ActivityState, Admission {
  activityId: string;
  centreId: string;
  organisationId: string;
  title: string;
  kind: ActivityKind;
  serviceType: ServiceType;
  language: string;
  level: string | undefined;
  schedule: ScheduleRecord;
  sexes: Sex[];
  status: ActivityStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Sequence of the last event published about the activity. */
  eventSequence: number;
}

export interface EnrolmentRecord extends EnrolmentState {
  enrolmentId: string;
  activityId: string;
  centreId: string;
  organisationId: string;
  referralId: string;
  participantRef: string;
  status: EnrolmentStatus;
  enrolledAt: Date;
  /** Sessions marked PRESENT. */
  sessionsAttended: number;
  /** Sessions with a mark for this enrolment. */
  sessionsHeld: number;
}

export interface Page {
  limit: number;
  offset: number;
}

export interface CentreRepository {
  /** Inserts or refreshes a hosted organisation's centre (active). */
  upsert(sql: Sql, centre: CentreRecord, at: Date): Promise<void>;
  /** Marks centres of organisations no longer hosted inactive. */
  deactivateOthers(sql: Sql, hostedOrganisations: readonly string[], at: Date): Promise<void>;
  find(sql: Sql, centreId: string): Promise<CentreRecord | undefined>;
  list(
    sql: Sql,
    filter: { organisationIds: readonly string[]; provinceCodes: readonly string[] } & Page,
  ): Promise<CentreRecord[]>;
}

export interface ActivityRepository {
  /** False when an activity with this id exists already (seeding). */
  insertIfAbsent(sql: Sql, record: ActivityRecord): Promise<boolean>;
  find(sql: Sql, activityId: string, options?: { forUpdate?: boolean }): Promise<ActivityRecord | undefined>;
  /** Writes capacity, seats, schedule, status, updated_at and event_sequence. */
  save(sql: Sql, record: ActivityRecord): Promise<void>;
  list(
    sql: Sql,
    filter: {
      centreIds: readonly string[];
      kinds: readonly ActivityKind[];
      serviceTypes: readonly ServiceType[];
      languages: readonly string[];
      withFreeSeatsOnly: boolean;
      statuses: readonly ActivityStatus[];
    } & Page,
  ): Promise<ActivityRecord[]>;
}

export interface EnrolmentRepository {
  /** Refuses (AlreadyEnrolledError) a second current seat for the referral or the person. */
  insert(sql: Sql, record: EnrolmentRecord): Promise<void>;
  find(
    sql: Sql,
    organisationId: string,
    enrolmentId: string,
    options?: { forUpdate?: boolean },
  ): Promise<EnrolmentRecord | undefined>;
  findInActivity(sql: Sql, activityId: string, enrolmentIds: readonly string[]): Promise<EnrolmentRecord[]>;
  /** The referral's current (ENROLLED) enrolment at the organisation, if any. */
  currentForReferral(
    sql: Sql,
    organisationId: string,
    referralId: string,
  ): Promise<EnrolmentRecord | undefined>;
  /** Writes status, ended_at and certificate_issued. */
  save(sql: Sql, record: EnrolmentRecord): Promise<void>;
  list(
    sql: Sql,
    filter: { activityId: string; statuses: readonly EnrolmentStatus[] } & Page,
  ): Promise<EnrolmentRecord[]>;
}

export interface AttendanceRepository {
  /** Replaces every mark of one session of an activity. */
  replaceSession(
    sql: Sql,
    input: {
      activityId: string;
      sessionAt: Date;
      marks: readonly { enrolmentId: string; status: AttendanceStatus }[];
      recordedBy: string | undefined;
      at: Date;
    },
  ): Promise<void>;
}

/** Moves a received referral through the shared lifecycle, in the caller's transaction. */
export interface ReferralProgress {
  start(sql: Sql, caller: Caller, referralId: string): Promise<void>;
  complete(sql: Sql, caller: Caller, referralId: string, outcomes: readonly OutcomeCode[]): Promise<void>;
}

/** The PII-free facts this service publishes, written to the outbox of the caller's transaction. */
export interface CentreEvents {
  enrolmentCreated(
    sql: Sql,
    enrolment: EnrolmentRecord,
    activity: ActivityRecord,
    disaggregation: Disaggregation,
  ): Promise<void>;
  /** `activity.eventSequence` is the new event's sequence. */
  capacityChanged(sql: Sql, activity: ActivityRecord, at: Date): Promise<void>;
}

export interface CentreDeps {
  db: Database;
  clock: Clock;
  centres: CentreRepository;
  activities: ActivityRepository;
  enrolments: EnrolmentRepository;
  attendance: AttendanceRepository;
  requests: RequestLog;
  audit: AuditLog;
  referrals: ReceivedReferrals;
  progress: ReferralProgress;
  events: CentreEvents;
  afterCommit(): void;
  newId(): string;
  /** The same id for the same name every time (seeded centres and activities). */
  stableId(name: string): string;
}
