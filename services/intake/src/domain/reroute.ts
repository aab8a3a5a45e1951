import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { ReRouteReason } from "@kopru/contracts/coordination/v1/tracking";
import { isOverdue, OPEN_STATUSES } from "@kopru/referral/domain";

/** Closed without the person being served: the need is still there. */
const UNSERVED: readonly ReferralStatus[] = [
  ReferralStatus.REFERRAL_STATUS_EXPIRED,
  ReferralStatus.REFERRAL_STATUS_DECLINED,
  ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED,
];

export type RerouteVerdict =
  /** Re-route; the referral is closed already. */
  | { kind: "reroute"; cancelOriginal: false }
  /** Re-route, and ask the target to cancel the original, which is still open there. */
  | { kind: "reroute"; cancelOriginal: true }
  | { kind: "refuse" };

/**
 * Whether intake re-routes a referral it made, judged on its own copy:
 * - expired, declined or not completed: yes;
 * - still waiting for an answer past its deadline (the target may be down and unable to expire it,
 *   ADR 0005), or open while coordination reports its offering unavailable: yes, and the original
 *   is cancelled so that only one referral of the chain stays live;
 * - anything else (completed, cancelled, redirected — the chain continues in the redirect — or open
 *   and in time): no.
 */
export function rerouteVerdict(
  referral: { status: ReferralStatus; respondBy: Date },
  reason: ReRouteReason,
  now: Date,
): RerouteVerdict {
  if (UNSERVED.includes(referral.status)) return { kind: "reroute", cancelOriginal: false };
  if (isOverdue(referral, now)) return { kind: "reroute", cancelOriginal: true };
  if (
    reason === ReRouteReason.RE_ROUTE_REASON_OFFERING_UNAVAILABLE &&
    OPEN_STATUSES.includes(referral.status)
  ) {
    return { kind: "reroute", cancelOriginal: true };
  }
  return { kind: "refuse" };
}

/** Organisations a re-route must not go to: those named, plus every target already tried in the chain. */
export function rerouteExclusions(named: readonly string[], triedTargets: readonly string[]): string[] {
  return [...new Set([...named, ...triedTargets].filter((id) => id !== ""))].sort();
}
