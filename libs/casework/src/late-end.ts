import { appendToOutbox } from "@kopru/bus";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, NoticeUrgency, type StaffNotice } from "@kopru/contracts/notification/v1/events";
import { EVENTS } from "@kopru/events";
import {
  ACCEPTED_STATUSES,
  type LateEndCause,
  noticeIdFor,
  type ReferralEndedAfterAcceptance,
  referralStore,
} from "@kopru/referral";
import type { Sql } from "@kopru/storage";
import type { Caller } from "./caller.js";

export type { LateEndCause, ReferralEndedAfterAcceptance } from "@kopru/referral";

/** What a receiving service did to one case (or enrolment) when its referral ended late. */
export interface EndedWork {
  /** The case (or enrolment) concerned, for the notice's link. */
  caseId: string;
  /** Who holds it: the notice goes to them (to the organisation's supervisors when nobody does). */
  holderActorId: string | undefined;
  /** Closed (or withdrawn), or kept open because it still serves another accepted referral. */
  closed: boolean;
}

/**
 * A receiving service's reaction to a referral it accepted ending by a late cancellation, consent
 * withdrawal or consent expiry, inside the transaction that ended it: close (or suspend) what it opened
 * for the referral, with the reason, and say what it did.
 */
export type ReferralEndedHandler = (tx: Sql, ended: ReferralEndedAfterAcceptance) => Promise<EndedWork[]>;

/** The case closure reason of a late end. */
export function closureReasonFor(cause: LateEndCause): CaseClosureReason {
  switch (cause) {
    case "cancelled":
      return CaseClosureReason.CASE_CLOSURE_REASON_REFERRAL_CANCELLED;
    // Erasure ends the person's consent to every processing (ADR 0023).
    case "consent-withdrawn":
    case "erasure-requested":
      return CaseClosureReason.CASE_CLOSURE_REASON_CONSENT_WITHDRAWN;
    case "consent-expired":
      return CaseClosureReason.CASE_CLOSURE_REASON_CONSENT_EXPIRED;
  }
}

/** Köprü itself, acting for the receiving organisation (audit rows of a late end). */
export function systemCaller(organisationId: string): Caller {
  return { organisationId, actorId: undefined, role: undefined };
}

/**
 * The rule every case-keeping service (protection, ECM, municipality) applies to the cases serving a
 * referral that ended late: a case that serves no other accepted referral is closed with the reason
 * (`close`); one that still does stays open for them (`keep`, which records the end). One rule, so the
 * services agree under the same race: the referrals are read in the transaction that ended this one.
 */
export async function endCasesServing<
  C extends {
    caseId: string;
    status: number;
    referralIds: readonly string[];
    assignedCaseworkerId?: string | undefined;
  },
>(
  tx: Sql,
  ended: ReferralEndedAfterAcceptance,
  ports: {
    serving(): Promise<C[]>;
    close(found: C, reason: CaseClosureReason): Promise<void>;
    keep(found: C): Promise<void>;
  },
): Promise<EndedWork[]> {
  const out: EndedWork[] = [];
  for (const found of await ports.serving()) {
    if (found.status !== CaseStatus.CASE_STATUS_OPEN) continue;
    let othersServed = false;
    for (const referralId of found.referralIds) {
      if (referralId === ended.referralId) continue;
      const other = await referralStore.find(tx, referralId, "target");
      if (other && ACCEPTED_STATUSES.includes(other.status)) othersServed = true;
    }
    if (othersServed) await ports.keep(found);
    else await ports.close(found, closureReasonFor(ended.cause));
    out.push({ caseId: found.caseId, holderActorId: found.assignedCaseworkerId, closed: !othersServed });
  }
  return out;
}

/**
 * Tells whoever holds the work a late end closed (NOTICE_KIND_REFERRAL_CLOSED, ids and codes only):
 * each case's holder (its assigned caseworker); with no case or no holder, the staff member who
 * accepted the referral; with neither, the organisation's supervisors. `case_id` names the case (or,
 * at a community centre, the enrolment). Appended to the outbox of the same transaction.
 */
export async function publishReferralClosedNotices(
  tx: Sql,
  service: string,
  ended: ReferralEndedAfterAcceptance,
  work: readonly EndedWork[],
): Promise<void> {
  const record = await referralStore.find(tx, ended.referralId, "target");
  if (!record) return;
  const acceptedBy = (await referralStore.transitions(tx, ended.referralId, "target")).findLast(
    (t) => t.to === ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  )?.actorId;
  const recipients = (work.length > 0 ? work : [{ caseId: undefined, holderActorId: undefined }]).map(
    (w) => ({ caseId: w.caseId, actorId: w.holderActorId || record.assigneeActorId || acceptedBy }),
  );
  for (const recipient of recipients) {
    const notice: StaffNotice = {
      // Derived from the referral, the piece of work and the recipient: the hook runs once per
      // late end, and a re-run of it publishes the same ids, which the notification service drops.
      noticeId: noticeIdFor(
        "closed",
        ended.referralId,
        recipient.caseId ?? "",
        recipient.actorId ? `actor/${recipient.actorId}` : "supervisor",
      ),
      organisationId: ended.organisationId,
      recipient: recipient.actorId
        ? { $case: "actorId", value: recipient.actorId }
        : { $case: "role", value: "supervisor" },
      kind: NoticeKind.NOTICE_KIND_REFERRAL_CLOSED,
      urgency: NoticeUrgency.NOTICE_URGENCY_NORMAL,
      referralId: ended.referralId,
      caseId: recipient.caseId,
      serviceType: record.serviceType,
      priority: record.priority,
      status: record.status,
      dueAt: undefined,
      occurredAt: ended.at,
      sourceService: service,
    };
    await appendToOutbox(
      tx,
      { organisationId: ended.organisationId, service },
      {
        definition: EVENTS.staffNotice,
        payload: notice,
        correlationId: record.rootReferralId,
        aggregate: { type: "staff-notice", id: notice.noticeId, sequence: 1 },
      },
    );
  }
}
