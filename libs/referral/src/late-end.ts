import { type PartnerKind, ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import type { Sql } from "@kopru/storage";
import { TERMINAL_STATUSES } from "./domain/index.js";

/**
 * Why a referral the target had accepted ended without its staff: the referrer cancelled it, the
 * consent it was made under was withdrawn or expired, or the person's data is being erased
 * network-wide (ADR 0023).
 */
export type LateEndCause = "cancelled" | "consent-withdrawn" | "consent-expired" | "erasure-requested";

/** Statuses in which the target had agreed to serve the referral: a late end closes its work. */
export const ACCEPTED_STATUSES: readonly ReferralStatus[] = Object.freeze([
  ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
]);

/** What the receiving service is told when a referral it had accepted ends by a late event. */
export interface ReferralEndedAfterAcceptance {
  cause: LateEndCause;
  referralId: string;
  /** The receiving organisation. */
  organisationId: string;
  /** ACCEPTED or IN_PROGRESS: the referral's status when the late event arrived. */
  previousStatus: ReferralStatus;
  at: Date;
}

/**
 * The one hook of the lifecycle for a late end, run in the transaction that applied it (after the
 * referral's CANCELLED status event was appended): the service closes or suspends what it opened on
 * acceptance and tells whoever holds it.
 */
export type ReferralEndedHook = (tx: Sql, ended: ReferralEndedAfterAcceptance) => Promise<void>;

export interface LifecycleHooks {
  onEndedAfterAcceptance?: ReferralEndedHook | undefined;
  /**
   * The partner kind of an organisation this service hosts, from the directory (undefined while the
   * directory does not know it): the consent check on arrival covers an organisation by its kind.
   * Read through `sql`, the arriving package's transaction (an embedded PGlite has one connection).
   */
  partnerKindOf?: ((sql: Sql, organisationId: string) => Promise<PartnerKind | undefined>) | undefined;
}

/** The timer that ends a received referral when the consent it was made under expires. */
export const CONSENT_EXPIRY_TIMER = "referral-consent-expiry";

/**
 * The open referrals `organisationId` received under a consent (by consent id, or named by the
 * withdrawal), oldest first: what a withdrawal ends there.
 */
export async function openReferralsUnderConsent(
  sql: Sql,
  organisationId: string,
  consentId: string,
  referralIds: readonly string[],
): Promise<string[]> {
  const rows = await sql.query<{ referral_id: string }>(
    `SELECT referral_id::text AS referral_id FROM referrals
      WHERE role = 'target' AND target_organisation_id = $1
        AND (consent_id = $2 OR referral_id::text = ANY($3::text[]))
        AND status NOT IN (${TERMINAL_SQL})
      ORDER BY requested_at, referral_id`,
    [organisationId, consentId, [...referralIds]],
  );
  return rows.rows.map((r) => r.referral_id);
}

const TERMINAL_SQL = TERMINAL_STATUSES.map(Number).join(", ");
