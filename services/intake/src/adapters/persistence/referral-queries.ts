import { ReferralOrigin } from "@kopru/contracts/common/v1/vocabulary";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import { keysetSql } from "@kopru/referral";
import type { ReferralQueries } from "../../application/ports.js";

// Reads over the referral library's tables (`referrals`, `referral_chain_events`) in this service's own
// database, for what `referralStore` does not offer yet: filters by service type, priority and dates,
// the referrals of a chain, and the chain's status events. Rows are then loaded through the library.

export const referralQueries: ReferralQueries = {
  async sentPage(sql, f) {
    const page = keysetSql(f.page, 9);
    const rows = await sql.query<{ referral_id: string; page_key: string }>(
      `SELECT referral_id, ${page.keyColumn} FROM referrals
        WHERE role = 'referrer' AND referrer_organisation_id = $1
          AND (cardinality($2::int[]) = 0 OR status = ANY($2::int[]))
          AND (cardinality($3::int[]) = 0 OR service_type = ANY($3::int[]))
          AND ($4::text IS NULL OR beneficiary_ref = $4)
          AND ($5::timestamptz IS NULL OR requested_at >= $5)
          AND ($6::timestamptz IS NULL OR requested_at < $6)
          AND (cardinality($7::int[]) = 0 OR priority = ANY($7::int[]))
          AND ($8::timestamptz IS NULL OR updated_at >= $8)
          AND ${page.after}
        ${page.orderBy}`,
      [
        f.organisationId,
        [...f.statuses],
        [...f.serviceTypes],
        f.beneficiaryRef ?? null,
        f.requestedFrom ?? null,
        f.requestedBefore ?? null,
        [...f.priorities],
        f.updatedSince ?? null,
        ...page.params,
      ],
    );
    return rows.rows.map((r) => ({ referralId: r.referral_id, micros: r.page_key }));
  },

  async ownInChain(sql, rootReferralId, organisationId) {
    const rows = await sql.query<{ referral_id: string }>(
      `SELECT referral_id FROM referrals
        WHERE root_referral_id = $1 AND role = 'referrer' AND referrer_organisation_id = $2
        ORDER BY requested_at, referral_id`,
      [rootReferralId, organisationId],
    );
    return rows.rows.map((r) => r.referral_id);
  },

  async chainEvents(sql, rootReferralId) {
    const rows = await sql.query<{ event: Uint8Array }>(
      "SELECT event FROM referral_chain_events WHERE root_referral_id = $1 ORDER BY occurred_at, referral_id, sequence",
      [rootReferralId],
    );
    return rows.rows.map((r) => ReferralStatusChanged.decode(r.event));
  },

  async sentUnderConsent(sql, consentId, organisationId) {
    const rows = await sql.query<{ referral_id: string }>(
      `SELECT referral_id FROM referrals
        WHERE consent_id = $1 AND role = 'referrer' AND referrer_organisation_id = $2
        ORDER BY requested_at, referral_id`,
      [consentId, organisationId],
    );
    return rows.rows.map((r) => r.referral_id);
  },

  async rerouteChildOf(sql, referralId) {
    const rows = await sql.query<{ referral_id: string }>(
      `SELECT referral_id FROM referrals
        WHERE parent_referral_id = $1 AND role = 'referrer' AND origin = $2
        ORDER BY requested_at LIMIT 1`,
      [referralId, ReferralOrigin.REFERRAL_ORIGIN_REROUTE],
    );
    return rows.rows[0]?.referral_id;
  },
};
