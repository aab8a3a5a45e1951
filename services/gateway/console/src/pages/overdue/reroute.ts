import type { components } from "@kopru/contracts/openapi/console-api";

// Which re-route reasons fit a tracked referral: the console offers only these (coordination
// checks the same rule and refuses the others), and preselects the first.

type Schemas = components["schemas"];
export type ReRouteReason = Schemas["kopru.coordination.v1.ReRouteReason"];
export type ReferralStatus = Schemas["kopru.common.v1.ReferralStatus"];
export type OverdueReferral = Schemas["kopru.coordination.v1.OverdueReferral"];

const AWAITING_ANSWER: readonly ReferralStatus[] = ["REFERRAL_STATUS_REQUESTED", "REFERRAL_STATUS_RECEIVED"];
const OPEN: readonly ReferralStatus[] = [
  ...AWAITING_ANSWER,
  "REFERRAL_STATUS_ON_HOLD",
  "REFERRAL_STATUS_ACCEPTED",
  "REFERRAL_STATUS_IN_PROGRESS",
];

/**
 * EXPIRED fits an expired referral or one still awaiting an answer past its deadline; DECLINED a
 * declined or not-completed one; OFFERING_UNAVAILABLE any open or expired one (coordination checks
 * that the offering really stopped taking referrals).
 */
export function reRouteReasons(
  status: ReferralStatus | undefined,
  pastAnswerDeadline: boolean,
): ReRouteReason[] {
  if (!status) return [];
  const reasons: ReRouteReason[] = [];
  if (status === "REFERRAL_STATUS_EXPIRED" || (pastAnswerDeadline && AWAITING_ANSWER.includes(status))) {
    reasons.push("RE_ROUTE_REASON_EXPIRED");
  }
  if (status === "REFERRAL_STATUS_DECLINED" || status === "REFERRAL_STATUS_NOT_COMPLETED") {
    reasons.push("RE_ROUTE_REASON_DECLINED");
  }
  if (status === "REFERRAL_STATUS_EXPIRED" || OPEN.includes(status)) {
    reasons.push("RE_ROUTE_REASON_OFFERING_UNAVAILABLE");
  }
  return reasons;
}

/** Whether the list row may offer a re-route: a reason fits and none was asked for yet. */
export function mayOfferReRoute(entry: OverdueReferral, followUp: boolean): boolean {
  if (entry.rerouteRequested) return false;
  return reRouteReasons(entry.referral?.status, !followUp).length > 0;
}

/** Seconds overdue from proto3 JSON (an int64 string, absent when zero). */
export function overdueSeconds(entry: OverdueReferral): number {
  const value = Number(entry.overdueSeconds ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
}
