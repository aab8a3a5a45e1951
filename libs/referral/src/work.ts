import { appendToOutbox, type Producer } from "@kopru/bus";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, NoticeUrgency, type StaffNotice } from "@kopru/contracts/notification/v1/events";
import { FollowUpStage, type ReferralAssignment } from "@kopru/contracts/referral/v1/referral";
import { EVENTS } from "@kopru/events";
import { ROLES } from "@kopru/service-kit/roles";
import type { Sql } from "@kopru/storage";
import { cancelTimer, scheduleTimer, type TimerHandler } from "@kopru/timers";
import {
  DEFAULT_FOLLOW_UP_POLICY,
  type FollowUpPolicy,
  followUpSchedule,
  isFollowUpRunning,
  isTerminal,
  type StatusChange,
  stageAfterDeadline,
  stageAfterReminder,
} from "./domain/index.js";
import {
  AssigneeNotColleagueError,
  ReferralClosedForAssignmentError,
  ReferralNotFoundError,
  StaffDirectoryMissingError,
} from "./errors.js";
import { noticeIdFor } from "./notices.js";
import type { ReferralRecord } from "./store.js";
import { referralStore } from "./store.js";

/** Durable timers of the follow-up after acceptance (libs/timers; key = referral id). */
export const FOLLOW_UP_REMINDER_TIMER = "referral-follow-up-reminder";
export const FOLLOW_UP_DUE_TIMER = "referral-follow-up-due";

const WORK_AGGREGATE = "referral-follow-up";
const NOTICE_AGGREGATE = "staff-notice";

/**
 * A staff member as the organisation's staff directory knows them (identity's, in the network): the
 * fields the colleague check needs, named as `StaffDirectory.find` of `@kopru/identity-client` names
 * them, so that method serves as the port.
 */
export interface StaffMember {
  /** The token subject of their logins. */
  id: string;
  /** A deactivated account is not assigned work. */
  active: boolean;
}

/**
 * The colleague check of an assignment: the staff member `actorId` of `organisationId`, or undefined
 * when the organisation has no such staff member.
 */
export type StaffDirectoryPort = (
  organisationId: string,
  actorId: string,
) => Promise<StaffMember | undefined>;

interface AssignmentRow {
  referral_id: string;
  sequence: number;
  assignee_actor_id: string;
  previous_assignee_actor_id: string | null;
  assigned_by_actor_id: string;
  assigned_at: Date;
}

function assignmentFromRow(row: AssignmentRow): ReferralAssignment {
  return {
    referralId: row.referral_id,
    sequence: Number(row.sequence),
    assigneeActorId: row.assignee_actor_id,
    previousAssigneeActorId: row.previous_assignee_actor_id ?? "",
    assignedByActorId: row.assigned_by_actor_id,
    assignedAt: new Date(row.assigned_at),
  };
}

/**
 * The work on a received referral after it arrived, at the target: who of its staff it is assigned
 * to, and the follow-up deadline that starts on acceptance (a reminder to the assignee, then an
 * escalation to the organisation's supervisors when it passes). Both are tracked on the target's copy,
 * told to staff as StaffNotices and to coordination as a PII-free ReferralFollowUpChanged (assigned
 * yes/no, never to whom). Deadlines are durable timers on the service's clock. Every method runs
 * inside the caller's transaction.
 */
export class ReferralWork {
  constructor(
    private readonly service: string,
    private readonly clock: { now(): Date },
    readonly policy: FollowUpPolicy = DEFAULT_FOLLOW_UP_POLICY,
  ) {}

  private producerFor(organisationId: string): Producer {
    return { organisationId, service: this.service };
  }

  /** Called by the lifecycle after every transition of the target's copy. */
  async afterTransition(tx: Sql, record: ReferralRecord, change: StatusChange): Promise<void> {
    const stage = record.followUpStage ?? FollowUpStage.FOLLOW_UP_STAGE_UNSPECIFIED;
    if (change.to === ReferralStatus.REFERRAL_STATUS_ACCEPTED && !isFollowUpRunning(stage)) {
      const schedule = followUpSchedule(this.policy, record.priority, change.at);
      if (!schedule) return;
      await this.saveFollowUp(tx, record.referralId, FollowUpStage.FOLLOW_UP_STAGE_PENDING, schedule.dueAt);
      await scheduleTimer(tx, {
        kind: FOLLOW_UP_REMINDER_TIMER,
        key: record.referralId,
        dueAt: schedule.remindAt,
      });
      await scheduleTimer(tx, { kind: FOLLOW_UP_DUE_TIMER, key: record.referralId, dueAt: schedule.dueAt });
      await this.publish(tx, {
        ...record,
        followUpStage: FollowUpStage.FOLLOW_UP_STAGE_PENDING,
        followUpDueAt: schedule.dueAt,
      });
      return;
    }
    if (isTerminal(change.to)) {
      await cancelTimer(tx, FOLLOW_UP_REMINDER_TIMER, record.referralId);
      await cancelTimer(tx, FOLLOW_UP_DUE_TIMER, record.referralId);
      if (!isFollowUpRunning(stage) && !record.assigneeActorId) return;
      const next = isFollowUpRunning(stage) ? FollowUpStage.FOLLOW_UP_STAGE_DONE : stage;
      await this.saveFollowUp(tx, record.referralId, next, record.followUpDueAt);
      await this.publish(tx, { ...record, followUpStage: next });
    }
  }

  /** Timer: the follow-up deadline is near; remind the assignee (or, with nobody assigned, the supervisors). */
  async remind(tx: Sql, referralId: string): Promise<void> {
    const record = await referralStore.find(tx, referralId, "target", { forUpdate: true });
    const next = record && !isTerminal(record.status) && stageAfterReminder(record.followUpStage ?? 0);
    if (!record || !next) return;
    await this.saveFollowUp(tx, referralId, next, record.followUpDueAt);
    await this.notify(
      tx,
      record,
      {
        kind: NoticeKind.NOTICE_KIND_FOLLOW_UP_REMINDER,
        urgency: NoticeUrgency.NOTICE_URGENCY_NORMAL,
        recipient: record.assigneeActorId
          ? { $case: "actorId", value: record.assigneeActorId }
          : { $case: "role", value: ROLES.supervisor },
        dueAt: record.followUpDueAt,
      },
      ["follow-up-reminder", referralId, record.followUpDueAt?.toISOString() ?? ""],
    );
    await this.publish(tx, { ...record, followUpStage: next });
  }

  /** Timer: the follow-up deadline passed with the referral open; escalate to the supervisors. */
  async escalate(tx: Sql, referralId: string): Promise<void> {
    const record = await referralStore.find(tx, referralId, "target", { forUpdate: true });
    const next = record && !isTerminal(record.status) && stageAfterDeadline(record.followUpStage ?? 0);
    if (!record || !next) return;
    await cancelTimer(tx, FOLLOW_UP_REMINDER_TIMER, referralId);
    await this.saveFollowUp(tx, referralId, next, record.followUpDueAt);
    await this.notify(
      tx,
      record,
      {
        kind: NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED,
        urgency: NoticeUrgency.NOTICE_URGENCY_URGENT,
        recipient: { $case: "role", value: ROLES.supervisor },
        dueAt: record.followUpDueAt,
      },
      ["follow-up-escalated", referralId, record.followUpDueAt?.toISOString() ?? ""],
    );
    await this.publish(tx, { ...record, followUpStage: next });
  }

  /**
   * Assigns an open received referral to a colleague (checked against the staff directory); the
   * history keeps every assignment. Assigning it to its current assignee changes nothing.
   */
  async assign(
    tx: Sql,
    input: {
      referralId: string;
      organisationId: string;
      assigneeActorId: string;
      assignedByActorId: string;
      staff: StaffDirectoryPort | undefined;
    },
  ): Promise<{ record: ReferralRecord; assignment: ReferralAssignment; changed: boolean }> {
    const record = await referralStore.find(tx, input.referralId, "target", { forUpdate: true });
    if (!record || record.targetOrganisationId !== input.organisationId)
      throw new ReferralNotFoundError(input.referralId);
    if (record.assigneeActorId === input.assigneeActorId) {
      const history = await this.assignments(tx, record.referralId);
      const current = history.at(-1);
      if (current) return { record, assignment: current, changed: false };
    }
    if (isTerminal(record.status))
      throw new ReferralClosedForAssignmentError(record.referralId, record.status);
    if (!input.staff) throw new StaffDirectoryMissingError();
    const colleague = await input.staff(input.organisationId, input.assigneeActorId);
    if (!colleague?.active) throw new AssigneeNotColleagueError(input.assigneeActorId, input.organisationId);
    const at = this.clock.now();
    const sequence = await tx.query<{ n: number }>(
      "SELECT COALESCE(MAX(sequence), 0) + 1 AS n FROM referral_assignments WHERE referral_id = $1",
      [record.referralId],
    );
    const assignment: ReferralAssignment = {
      referralId: record.referralId,
      sequence: Number(sequence.rows[0]?.n ?? 1),
      assigneeActorId: input.assigneeActorId,
      previousAssigneeActorId: record.assigneeActorId ?? "",
      assignedByActorId: input.assignedByActorId,
      assignedAt: at,
    };
    await tx.query(
      `INSERT INTO referral_assignments (referral_id, sequence, organisation_id, assignee_actor_id,
         previous_assignee_actor_id, assigned_by_actor_id, assigned_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        assignment.referralId,
        assignment.sequence,
        input.organisationId,
        assignment.assigneeActorId,
        record.assigneeActorId ?? null,
        assignment.assignedByActorId,
        at,
      ],
    );
    await tx.query(
      "UPDATE referrals SET assignee_actor_id = $2, assigned_at = $3 WHERE referral_id = $1 AND role = 'target'",
      [record.referralId, input.assigneeActorId, at],
    );
    const next: ReferralRecord = { ...record, assigneeActorId: input.assigneeActorId, assignedAt: at };
    await this.notify(
      tx,
      next,
      {
        kind: NoticeKind.NOTICE_KIND_ASSIGNED,
        urgency: NoticeUrgency.NOTICE_URGENCY_NORMAL,
        recipient: { $case: "actorId", value: input.assigneeActorId },
        dueAt: record.followUpDueAt,
      },
      ["assigned", record.referralId, assignment.sequence],
    );
    // Coordination learns only that it is assigned: a reassignment changes nothing it sees.
    if (!record.assigneeActorId) await this.publish(tx, next);
    return { record: next, assignment, changed: true };
  }

  /** The assignment history of a received referral, oldest first. */
  async assignments(sql: Sql, referralId: string): Promise<ReferralAssignment[]> {
    const rows = await sql.query<AssignmentRow>(
      "SELECT * FROM referral_assignments WHERE referral_id = $1 ORDER BY sequence",
      [referralId],
    );
    return rows.rows.map(assignmentFromRow);
  }

  /** The timers' handlers, by kind, for the service's TimerWorker. */
  timerHandlers(): Record<string, TimerHandler> {
    return {
      [FOLLOW_UP_REMINDER_TIMER]: (tx, timer) => this.remind(tx, timer.key),
      [FOLLOW_UP_DUE_TIMER]: (tx, timer) => this.escalate(tx, timer.key),
    };
  }

  // ------------------------------------------------------------------ internals

  private async saveFollowUp(
    tx: Sql,
    referralId: string,
    stage: FollowUpStage,
    dueAt: Date | undefined,
  ): Promise<void> {
    await tx.query(
      `UPDATE referrals SET follow_up_stage = $2, follow_up_due_at = $3
        WHERE referral_id = $1 AND role = 'target'`,
      [referralId, stage, dueAt ?? null],
    );
  }

  /** The PII-free ReferralFollowUpChanged, numbered per referral. */
  private async publish(tx: Sql, record: ReferralRecord): Promise<void> {
    const numbered = await tx.query<{ follow_up_sequence: number }>(
      `UPDATE referrals SET follow_up_sequence = follow_up_sequence + 1
        WHERE referral_id = $1 AND role = 'target' RETURNING follow_up_sequence`,
      [record.referralId],
    );
    const sequence = Number(numbered.rows[0]?.follow_up_sequence ?? 1);
    await appendToOutbox(tx, this.producerFor(record.targetOrganisationId), {
      definition: EVENTS.referralFollowUpChanged,
      payload: {
        referralId: record.referralId,
        rootReferralId: record.rootReferralId,
        referrerOrganisationId: record.referrerOrganisationId,
        targetOrganisationId: record.targetOrganisationId,
        serviceType: record.serviceType,
        priority: record.priority,
        status: record.status,
        assigned: Boolean(record.assigneeActorId),
        followUpStage: record.followUpStage ?? FollowUpStage.FOLLOW_UP_STAGE_UNSPECIFIED,
        followUpDueAt: record.followUpDueAt,
        occurredAt: this.clock.now(),
        sequence,
      },
      correlationId: record.rootReferralId,
      aggregate: { type: WORK_AGGREGATE, id: record.referralId, sequence },
    });
  }

  /**
   * One staff notice, its id derived from `about` (what it tells: the deadline a reminder or an
   * escalation is for, the assignment's number), so a re-run of the same timer or assignment
   * publishes the same id and the notification service drops the repeat.
   */
  private async notify(
    tx: Sql,
    record: ReferralRecord,
    notice: Pick<StaffNotice, "kind" | "urgency" | "recipient" | "dueAt">,
    about: readonly (string | number)[],
  ): Promise<void> {
    const noticeId = noticeIdFor(...about);
    await appendToOutbox(tx, this.producerFor(record.targetOrganisationId), {
      definition: EVENTS.staffNotice,
      payload: {
        noticeId,
        organisationId: record.targetOrganisationId,
        ...notice,
        referralId: record.referralId,
        caseId: undefined,
        serviceType: record.serviceType,
        priority: record.priority,
        status: record.status,
        occurredAt: this.clock.now(),
        sourceService: this.service,
      },
      correlationId: record.rootReferralId,
      aggregate: { type: NOTICE_AGGREGATE, id: noticeId, sequence: 1 },
    });
  }
}
