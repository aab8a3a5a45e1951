import { presentDataCategories, type ReferralRecord, referralStore } from "@kopru/referral";
import type { Sql } from "@kopru/storage";
import type { ReferralForCase, ReferralLookup } from "../../application/ports.js";

/** A received referral (the referral library's record) as a case sees it. */
export function referralForCase(record: ReferralRecord): ReferralForCase {
  const categories = new Set([
    ...record.package.sharedDataCategories,
    ...presentDataCategories(record.package),
  ]);
  return {
    referralId: record.referralId,
    rootReferralId: record.rootReferralId,
    organisationId: record.targetOrganisationId,
    beneficiaryRef: record.beneficiaryRef,
    serviceType: record.serviceType,
    status: record.status,
    sharedCategories: [...categories].sort((a, b) => a - b),
    disaggregation: record.disaggregation,
  };
}

/** Referrals this service received, read through the referral library's store (same database). */
export function referralLookup(sql: Sql): ReferralLookup {
  return {
    async receivedReferral(organisationId, referralId) {
      const record = await referralStore.find(sql, referralId, "target", { forUpdate: true });
      if (!record || record.targetOrganisationId !== organisationId) return undefined;
      return referralForCase(record);
    },
  };
}
