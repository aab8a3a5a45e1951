import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { ReRouteReason } from "@kopru/contracts/coordination/v1/tracking";
import { isOverdue, OPEN_STATUSES } from "@kopru/referral/domain";

/** What the re-route rule needs to know about a tracked referral. */
export interface ReRouteCandidate {
  status: ReferralStatus;
  respondBy: Date;
  /** The offering it was sent to is now full, suspended, inactive or removed. */
  offeringUnavailable: boolean;
}

const STATUS_FOR_REASON: Readonly<Record<number, (c: ReRouteCandidate, now: Date) => boolean>> = {
  // Expired, or past its answer deadline and about to be.
  [ReRouteReason.RE_ROUTE_REASON_EXPIRED]: (c, now) =>
    c.status === ReferralStatus.REFERRAL_STATUS_EXPIRED || isOverdue(c, now),
  // Declined, or accepted and then not delivered: another offering may serve the need.
  [ReRouteReason.RE_ROUTE_REASON_DECLINED]: (c) =>
    c.status === ReferralStatus.REFERRAL_STATUS_DECLINED ||
    c.status === ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED,
  // Still open (or expired) while its offering stopped taking referrals.
  [ReRouteReason.RE_ROUTE_REASON_OFFERING_UNAVAILABLE]: (c) =>
    c.offeringUnavailable &&
    (OPEN_STATUSES.includes(c.status) || c.status === ReferralStatus.REFERRAL_STATUS_EXPIRED),
};

/**
 * Why a re-route may not be asked for this referral with this reason, or undefined when it may:
 * EXPIRED fits an expired or overdue referral, DECLINED a declined or not-completed one, and
 * OFFERING_UNAVAILABLE an open or expired referral whose offering no longer takes referrals.
 */
export function reRouteRefusal(
  candidate: ReRouteCandidate,
  reason: ReRouteReason,
  now: Date,
): string | undefined {
  const fits = STATUS_FOR_REASON[reason];
  if (!fits) return `re-route reason ${reason} is not known`;
  if (fits(candidate, now)) return undefined;
  switch (reason) {
    case ReRouteReason.RE_ROUTE_REASON_EXPIRED:
      return "the referral is neither expired nor past its answer deadline";
    case ReRouteReason.RE_ROUTE_REASON_DECLINED:
      return "the referral was neither declined nor closed as not completed";
    default:
      return "the referral is not open, or its offering still takes referrals";
  }
}

/**
 * Organisations the referrer should not route to again: those the caller named, plus every
 * target already tried in the chain (which includes this referral's target). Sorted, unique.
 */
export function excludedOrganisations(
  requested: readonly string[],
  triedTargets: readonly string[],
): string[] {
  return [...new Set([...requested, ...triedTargets].filter((id) => id !== ""))].sort();
}
