import type { components } from "@kopru/contracts/openapi/console-api";

export type Referral = components["schemas"]["kopru.referral.v1.Referral"];
export type ReferralStatus = components["schemas"]["kopru.common.v1.ReferralStatus"];
export type Transition = components["schemas"]["kopru.referral.v1.ReferralTransition"];

export const STATUSES: readonly ReferralStatus[] = [
  "REFERRAL_STATUS_REQUESTED",
  "REFERRAL_STATUS_RECEIVED",
  "REFERRAL_STATUS_ACCEPTED",
  "REFERRAL_STATUS_ON_HOLD",
  "REFERRAL_STATUS_IN_PROGRESS",
  "REFERRAL_STATUS_COMPLETED",
  "REFERRAL_STATUS_NOT_COMPLETED",
  "REFERRAL_STATUS_DECLINED",
  "REFERRAL_STATUS_REDIRECTED",
  "REFERRAL_STATUS_CANCELLED",
  "REFERRAL_STATUS_EXPIRED",
];

/** Still waiting for the target's answer (the response deadline runs). */
export function awaitingAnswer(status: string | undefined): boolean {
  return status === "REFERRAL_STATUS_REQUESTED" || status === "REFERRAL_STATUS_RECEIVED";
}

/** The answer is overdue: no acceptance or decline by the deadline. */
export function isOverdue(referral: Referral, now = Date.now()): boolean {
  return awaitingAnswer(referral.status) && !!referral.respondBy && Date.parse(referral.respondBy) < now;
}

/** The enum values that say how a referral ended or why it stands where it is (outcome and reasons). */
export function outcomeValues(item: Referral | Transition): string[] {
  return [
    ...(item.outcomeCodes ?? []),
    item.declineReason,
    item.notCompletedReason,
    item.cancelReason,
    item.onHoldReason,
    item.redirectReason,
  ].filter((value): value is NonNullable<typeof value> => Boolean(value));
}
