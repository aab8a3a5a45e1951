import { Priority, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, NoticeUrgency } from "@kopru/contracts/notification/v1/events";

/** A staff notice as this service keeps it: ids, codes and times, never beneficiary data. */
export interface Notice {
  noticeId: string;
  organisationId: string;
  /** Exactly one of `actorId` (one staff member) and `role` (everyone holding it there). */
  actorId: string | undefined;
  role: string | undefined;
  kind: NoticeKind;
  urgency: NoticeUrgency;
  referralId: string | undefined;
  caseId: string | undefined;
  serviceType: ServiceType;
  priority: Priority;
  status: ReferralStatus;
  dueAt: Date | undefined;
  occurredAt: Date;
  sourceService: string;
  receivedAt: Date;
}

/** Who a notice reaches: named, or by role. */
export type Recipient = { actorId: string } | { role: string };

export function recipientOf(notice: Pick<Notice, "actorId" | "role">): Recipient {
  if (notice.actorId) return { actorId: notice.actorId };
  return { role: notice.role ?? "" };
}

/**
 * The urgency a notice is delivered with: what its publisher said, or — when it said nothing — the
 * kind's usual urgency (escalations and withdrawn consent are urgent, a status change of one's own
 * referral can wait for the digest).
 */
export function effectiveUrgency(kind: NoticeKind, urgency: NoticeUrgency): NoticeUrgency {
  if (urgency !== NoticeUrgency.NOTICE_URGENCY_UNSPECIFIED && urgency in NoticeUrgency) return urgency;
  switch (kind) {
    case NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED:
    case NoticeKind.NOTICE_KIND_CONSENT_WITHDRAWN:
      return NoticeUrgency.NOTICE_URGENCY_URGENT;
    case NoticeKind.NOTICE_KIND_REFERRAL_STATUS:
    case NoticeKind.NOTICE_KIND_REFERRAL_OUTCOME:
      return NoticeUrgency.NOTICE_URGENCY_LOW;
    default:
      return NoticeUrgency.NOTICE_URGENCY_NORMAL;
  }
}

/** Sent at once (when the person wants email) — LOW waits for the digest. */
export function emailedAtOnce(urgency: NoticeUrgency): boolean {
  return urgency !== NoticeUrgency.NOTICE_URGENCY_LOW;
}

function words(value: string): string {
  return value.toLowerCase().replaceAll("_", " ");
}

/** `SERVICE_TYPE_MMCC_COUNSELLING` → `mmcc counselling`: a code, read aloud. */
export function serviceTypeWords(serviceType: ServiceType): string | undefined {
  if (!serviceType) return undefined;
  const name = ServiceType[serviceType];
  return name ? words(name.replace(/^SERVICE_TYPE_/, "")) : undefined;
}

export function statusWords(status: ReferralStatus): string | undefined {
  if (!status) return undefined;
  const name = ReferralStatus[status];
  return name ? words(name.replace(/^REFERRAL_STATUS_/, "")) : undefined;
}

export function priorityWords(priority: Priority): string | undefined {
  if (!priority) return undefined;
  const name = Priority[priority];
  return name ? words(name.replace(/^PRIORITY_/, "")) : undefined;
}

/** One line saying what happened, in this service's words: codes and nothing about the person. */
export function noticeTitle(notice: Pick<Notice, "kind" | "status" | "caseId" | "referralId">): string {
  const what = notice.caseId && !notice.referralId ? "case" : "referral";
  switch (notice.kind) {
    case NoticeKind.NOTICE_KIND_REFERRAL_RECEIVED:
      return "A new referral arrived in your organisation's inbox";
    case NoticeKind.NOTICE_KIND_ASSIGNED:
      return `A ${what} was assigned to you`;
    case NoticeKind.NOTICE_KIND_FOLLOW_UP_REMINDER:
      return `A follow-up of a ${what} assigned to you is due soon`;
    case NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED:
      return `A follow-up deadline passed: the ${what} is escalated to supervisors`;
    case NoticeKind.NOTICE_KIND_REFERRAL_OUTCOME:
      return "The outcome of a referral you made was reported";
    case NoticeKind.NOTICE_KIND_CONSENT_WITHDRAWN:
      return "Consent was withdrawn for a person whose referral your organisation holds";
    case NoticeKind.NOTICE_KIND_REFERRAL_CLOSED:
      return `A referral you work on was closed${statusWords(notice.status) ? ` (${statusWords(notice.status)})` : ""}`;
    case NoticeKind.NOTICE_KIND_REFERRAL_STATUS:
      return statusWords(notice.status)
        ? `A referral you made is now ${statusWords(notice.status)}`
        : "A referral you made changed status";
    case NoticeKind.NOTICE_KIND_SAFE_CONTACT_CHANGED:
      return "Safe-contact details changed for a person your organisation works with";
    case NoticeKind.NOTICE_KIND_WEBHOOK_ENDPOINT_DISABLED:
      return "A webhook endpoint of your organisation's system was disabled after failed deliveries";
    default:
      return "Something in Köprü needs your attention";
  }
}

/** Where to look, in the console: ids only, never anything about the person. */
export function noticeLink(consoleUrl: string, notice: Pick<Notice, "referralId" | "caseId">): string {
  const base = consoleUrl.replace(/\/$/, "");
  if (notice.referralId) return `${base}/referrals/${encodeURIComponent(notice.referralId)}`;
  if (notice.caseId) return `${base}/cases/${encodeURIComponent(notice.caseId)}`;
  return `${base}/notifications`;
}

/** The detail lines beside the title: service type, priority, status, deadline — codes only. */
export function noticeDetails(notice: Notice): string[] {
  const lines: string[] = [];
  const service = serviceTypeWords(notice.serviceType);
  if (service) lines.push(`Service: ${service}`);
  const priority = priorityWords(notice.priority);
  if (priority) lines.push(`Priority: ${priority}`);
  const status = statusWords(notice.status);
  if (status) lines.push(`Status: ${status}`);
  if (notice.dueAt) lines.push(`Due: ${notice.dueAt.toISOString().replace("T", " ").slice(0, 16)} UTC`);
  return lines;
}
