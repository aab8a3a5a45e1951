import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";

const STATUS_NAMES: Readonly<Record<ReferralStatus, string>> = {
  [ReferralStatus.REFERRAL_STATUS_UNSPECIFIED]: "unspecified",
  [ReferralStatus.REFERRAL_STATUS_REQUESTED]: "requested",
  [ReferralStatus.REFERRAL_STATUS_RECEIVED]: "received",
  [ReferralStatus.REFERRAL_STATUS_ACCEPTED]: "accepted",
  [ReferralStatus.REFERRAL_STATUS_DECLINED]: "declined",
  [ReferralStatus.REFERRAL_STATUS_ON_HOLD]: "on hold",
  [ReferralStatus.REFERRAL_STATUS_IN_PROGRESS]: "in progress",
  [ReferralStatus.REFERRAL_STATUS_COMPLETED]: "completed",
  [ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED]: "not completed",
  [ReferralStatus.REFERRAL_STATUS_CANCELLED]: "cancelled",
  [ReferralStatus.REFERRAL_STATUS_REDIRECTED]: "redirected",
  [ReferralStatus.REFERRAL_STATUS_EXPIRED]: "expired",
  [ReferralStatus.UNRECOGNIZED]: "unrecognised",
};

/** Lower-case words for a status, for messages: "on hold", "not completed". */
export function statusName(status: ReferralStatus): string {
  return STATUS_NAMES[status] ?? `unknown status ${String(status)}`;
}

/** Statuses a referral never leaves. */
export const TERMINAL_STATUSES: readonly ReferralStatus[] = Object.freeze([
  ReferralStatus.REFERRAL_STATUS_DECLINED,
  ReferralStatus.REFERRAL_STATUS_COMPLETED,
  ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED,
  ReferralStatus.REFERRAL_STATUS_CANCELLED,
  ReferralStatus.REFERRAL_STATUS_REDIRECTED,
  ReferralStatus.REFERRAL_STATUS_EXPIRED,
]);

/** Statuses of a referral still open (the inbox's default filter). */
export const OPEN_STATUSES: readonly ReferralStatus[] = Object.freeze([
  ReferralStatus.REFERRAL_STATUS_REQUESTED,
  ReferralStatus.REFERRAL_STATUS_RECEIVED,
  ReferralStatus.REFERRAL_STATUS_ON_HOLD,
  ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
]);

/** Every status a referral can be in: the inbox's "changed since" feed, which must see closures too. */
export const ALL_STATUSES: readonly ReferralStatus[] = Object.freeze([
  ...OPEN_STATUSES,
  ...TERMINAL_STATUSES,
]);

/** Statuses in which the target has not answered yet: the answer deadline applies. */
export const AWAITING_ANSWER_STATUSES: readonly ReferralStatus[] = Object.freeze([
  ReferralStatus.REFERRAL_STATUS_REQUESTED,
  ReferralStatus.REFERRAL_STATUS_RECEIVED,
]);

/** Statuses whose referral carries outcome codes (what the person got). */
export const OUTCOME_STATUSES: readonly ReferralStatus[] = Object.freeze([
  ReferralStatus.REFERRAL_STATUS_COMPLETED,
  ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED,
]);

export function isTerminal(status: ReferralStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function isAwaitingAnswer(status: ReferralStatus): boolean {
  return AWAITING_ANSWER_STATUSES.includes(status);
}
