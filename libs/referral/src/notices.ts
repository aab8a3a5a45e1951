import { appendToOutbox, type ReceivedEvent } from "@kopru/bus";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import { CancelReason, Priority, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, NoticeUrgency, type StaffNotice } from "@kopru/contracts/notification/v1/events";
import type {
  ConsentWithdrawn,
  ReferralOutcomeReported,
  ReferralStatusChanged,
} from "@kopru/contracts/referral/v1/events";
import { EVENTS } from "@kopru/events";
import type { Sql } from "@kopru/storage";
import { v5 as uuidv5 } from "uuid";
import { TERMINAL_STATUSES } from "./domain/index.js";
import { type ReferralRecord, referralStore } from "./store.js";

// Staff notices about referrals that nobody else publishes (ADR 0017): a referral arrived in an
// organisation's inbox, and — to the staff member who made a referral — its status changed or its
// outcome was reported; consent was withdrawn for a person whose referral an organisation holds.
// A notice carries ids and codes only (never the package), is written to the outbox in the same
// transaction as what it tells, on the subject of the organisation whose staff are told, and its id
// is derived from what it is about, so the notification service drops a repeat.

/** Namespace of notice ids derived here (UUID v5). */
const NOTICE_NAMESPACE = "5b0d6f1e-9c3a-4c52-8e0b-7a9f2c1d4e17";

export function noticeIdFor(...parts: readonly (string | number)[]): string {
  return uuidv5(parts.join("/"), NOTICE_NAMESPACE);
}

type NoticeInput = Omit<
  StaffNotice,
  "serviceType" | "priority" | "status" | "dueAt" | "referralId" | "caseId"
> &
  Partial<Pick<StaffNotice, "serviceType" | "priority" | "status" | "dueAt" | "referralId" | "caseId">>;

/** Writes one staff notice to the outbox, inside the caller's transaction. */
export async function appendStaffNotice(tx: Sql, notice: NoticeInput): Promise<void> {
  const payload: StaffNotice = {
    serviceType: ServiceType.SERVICE_TYPE_UNSPECIFIED,
    priority: Priority.PRIORITY_UNSPECIFIED,
    status: ReferralStatus.REFERRAL_STATUS_UNSPECIFIED,
    dueAt: undefined,
    referralId: undefined,
    caseId: undefined,
    ...notice,
  };
  await appendToOutbox(
    tx,
    { organisationId: payload.organisationId, service: payload.sourceService },
    {
      definition: EVENTS.staffNotice,
      payload,
      aggregate: { type: "staff-notice", id: payload.noticeId, sequence: 1 },
      occurredAt: payload.occurredAt,
    },
  );
}

/** The roles told that a referral arrived in their organisation's inbox. */
export const RECEIVED_NOTICE_ROLES = ["caseworker", "supervisor"] as const;

/**
 * A referral arrived: every caseworker and supervisor of the target organisation is told (one
 * notice per role), unless it arrived too late and expired on arrival.
 */
export async function noticeReferralReceived(
  tx: Sql,
  service: string,
  record: ReferralRecord,
): Promise<void> {
  if (record.role !== "target" || record.status !== ReferralStatus.REFERRAL_STATUS_RECEIVED) return;
  for (const role of RECEIVED_NOTICE_ROLES) {
    await appendStaffNotice(tx, {
      noticeId: noticeIdFor("received", record.referralId, role),
      organisationId: record.targetOrganisationId,
      recipient: { $case: "role", value: role },
      kind: NoticeKind.NOTICE_KIND_REFERRAL_RECEIVED,
      urgency:
        record.priority === Priority.PRIORITY_EMERGENCY
          ? NoticeUrgency.NOTICE_URGENCY_URGENT
          : NoticeUrgency.NOTICE_URGENCY_NORMAL,
      referralId: record.referralId,
      serviceType: record.serviceType,
      priority: record.priority,
      // When it must be answered by.
      dueAt: record.respondBy,
      occurredAt: record.receivedAt ?? record.updatedAt,
      sourceService: service,
    });
  }
}

/** The staff member who made a referral, when a staff member did. */
function referringStaff(record: ReferralRecord): string | undefined {
  const by = record.package.requestedBy;
  return by?.kind === ActorKind.ACTOR_KIND_STAFF && by.actorId ? by.actorId : undefined;
}

/** Statuses the referring staff member is told about; those that ask something of them are NORMAL. */
const STATUS_URGENCY: Partial<Record<ReferralStatus, NoticeUrgency>> = {
  [ReferralStatus.REFERRAL_STATUS_ACCEPTED]: NoticeUrgency.NOTICE_URGENCY_LOW,
  [ReferralStatus.REFERRAL_STATUS_ON_HOLD]: NoticeUrgency.NOTICE_URGENCY_LOW,
  [ReferralStatus.REFERRAL_STATUS_COMPLETED]: NoticeUrgency.NOTICE_URGENCY_LOW,
  [ReferralStatus.REFERRAL_STATUS_REDIRECTED]: NoticeUrgency.NOTICE_URGENCY_LOW,
  [ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED]: NoticeUrgency.NOTICE_URGENCY_NORMAL,
  [ReferralStatus.REFERRAL_STATUS_DECLINED]: NoticeUrgency.NOTICE_URGENCY_NORMAL,
  [ReferralStatus.REFERRAL_STATUS_EXPIRED]: NoticeUrgency.NOTICE_URGENCY_NORMAL,
};

/**
 * After a status event was applied to the referrer's copy: the staff member who made the referral
 * is told that it was accepted, declined, put on hold, redirected, completed, not completed or
 * expired. Nothing for a status that was not applied now (out of sequence, not this service's
 * referral) or a referral no staff member made.
 */
export async function noticeReferralStatus(
  tx: Sql,
  service: string,
  event: ReceivedEvent<ReferralStatusChanged>,
): Promise<void> {
  const status = event.payload;
  const urgency = STATUS_URGENCY[status.toStatus];
  if (urgency === undefined) return;
  const copy = await referralStore.find(tx, status.referralId, "referrer");
  if (!copy || copy.sequence !== status.sequence || copy.status !== status.toStatus) return;
  const actorId = referringStaff(copy);
  if (!actorId) return;
  await appendStaffNotice(tx, {
    noticeId: noticeIdFor("status", status.referralId, status.sequence),
    organisationId: copy.referrerOrganisationId,
    recipient: { $case: "actorId", value: actorId },
    kind: NoticeKind.NOTICE_KIND_REFERRAL_STATUS,
    urgency,
    referralId: status.referralId,
    serviceType: copy.serviceType,
    priority: copy.priority,
    status: status.toStatus,
    occurredAt: status.occurredAt ?? event.occurredAt,
    sourceService: service,
  });
}

/** After an outcome report was applied: the staff member who made the referral is told (LOW). */
export async function noticeReferralOutcome(
  tx: Sql,
  service: string,
  event: ReceivedEvent<ReferralOutcomeReported>,
): Promise<void> {
  const report = event.payload;
  const copy = await referralStore.find(tx, report.referralId, "referrer");
  if (!copy) return;
  const actorId = referringStaff(copy);
  if (!actorId) return;
  await appendStaffNotice(tx, {
    noticeId: noticeIdFor("outcome", report.referralId, event.aggregate.sequence),
    organisationId: copy.referrerOrganisationId,
    recipient: { $case: "actorId", value: actorId },
    kind: NoticeKind.NOTICE_KIND_REFERRAL_OUTCOME,
    urgency: NoticeUrgency.NOTICE_URGENCY_LOW,
    referralId: report.referralId,
    serviceType: copy.serviceType,
    priority: copy.priority,
    status: copy.status,
    occurredAt: report.completedAt ?? event.occurredAt,
    sourceService: service,
  });
}

/** The roles told of a withdrawal for a referral nobody is assigned to. */
const UNASSIGNED_WITHDRAWAL_ROLES = ["supervisor", "caseworker"] as const;

/**
 * The referrals `organisationId` holds under a withdrawn consent (received under it, or named by the
 * withdrawal) that its staff must hear about: those still open, those the withdrawal ended (or the
 * referrer's cancellation for the same reason, which may arrive first), and those it served to the
 * end (completed or not: its file on the person remains). Not those it declined, let expire,
 * redirected or that were cancelled for another reason before: it never took the person on, or
 * stopped before the withdrawal. Oldest first.
 */
async function referralsHeldUnderConsent(
  sql: Sql,
  organisationId: string,
  consentId: string,
  referralIds: readonly string[],
): Promise<ReferralRecord[]> {
  const rows = await sql.query<{ referral_id: string }>(
    `SELECT referral_id::text AS referral_id FROM referrals
      WHERE role = 'target' AND target_organisation_id = $1
        AND (consent_id = $2 OR referral_id::text = ANY($3::text[]))
        AND (status NOT IN (${TERMINAL_STATUSES.map(Number).join(", ")})
             OR status IN (${ReferralStatus.REFERRAL_STATUS_COMPLETED}, ${ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED})
             OR (status = ${ReferralStatus.REFERRAL_STATUS_CANCELLED}
                 AND cancel_reason = ${CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN}))
      ORDER BY requested_at, referral_id`,
    [organisationId, consentId, [...referralIds]],
  );
  const held: ReferralRecord[] = [];
  for (const row of rows.rows) {
    const record = await referralStore.find(sql, row.referral_id, "target");
    if (record) held.push(record);
  }
  return held;
}

/**
 * Consent was withdrawn for a person whose referrals the addressed organisation holds
 * (`referralsHeldUnderConsent`): its staff are told once per such referral (URGENT: the data must
 * stop being used), with the referral's status after the withdrawal was applied (CANCELLED for one it
 * ended). An organisation that holds nothing under the consent is told nothing.
 *
 * Who is told: a referral with an assignee tells the assignee (by actor id) and the organisation's
 * supervisors, not every caseworker. The assignee is the one using the person's data and must stop;
 * the supervisors answer for the organisation stopping (and cover an assignee who is away — a
 * withdrawal cannot wait for them); the other caseworkers never worked with the person, and telling
 * them would only spread the fact further than needed. A referral nobody is assigned to tells the
 * roles `supervisor` and `caseworker`, as its arrival did. Someone both assigned and a supervisor
 * sees it twice (ADR 0017).
 *
 * For the receiving services' consumer of `SUBJECTS.consentWithdrawnFor(org)`, in its transaction,
 * after `ReferralLifecycle.applyConsentWithdrawal`. Ids are derived from the consent, the referral and
 * the recipient, so a redelivery or re-run is dropped by the notification service.
 */
export async function noticeConsentWithdrawn(
  tx: Sql,
  service: string,
  organisationId: string,
  event: ReceivedEvent<ConsentWithdrawn>,
): Promise<void> {
  const { consentId, referralIds, withdrawnAt } = event.payload;
  for (const held of await referralsHeldUnderConsent(tx, organisationId, consentId, referralIds)) {
    const recipients: { id: readonly string[]; recipient: StaffNotice["recipient"] }[] = held.assigneeActorId
      ? [
          {
            id: ["actor", held.assigneeActorId],
            recipient: { $case: "actorId", value: held.assigneeActorId },
          },
          { id: ["supervisor"], recipient: { $case: "role", value: "supervisor" } },
        ]
      : UNASSIGNED_WITHDRAWAL_ROLES.map((role) => ({
          id: [role],
          recipient: { $case: "role", value: role },
        }));
    for (const { id, recipient } of recipients) {
      await appendStaffNotice(tx, {
        noticeId: noticeIdFor("consent-withdrawn", consentId, held.referralId, ...id),
        organisationId,
        recipient,
        kind: NoticeKind.NOTICE_KIND_CONSENT_WITHDRAWN,
        urgency: NoticeUrgency.NOTICE_URGENCY_URGENT,
        referralId: held.referralId,
        serviceType: held.serviceType,
        priority: held.priority,
        status: held.status,
        occurredAt: withdrawnAt ?? event.occurredAt,
        sourceService: service,
      });
    }
  }
}
