import type { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import type { DataCategory, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { presentDataCategories, type ReferralRecord, referralStore } from "@kopru/referral";
import type { Sql } from "@kopru/storage";

/** A received referral as far as a case needs it (from the referral library's records). */
export interface ReferralForCase {
  referralId: string;
  rootReferralId: string;
  /** The receiving organisation. */
  organisationId: string;
  beneficiaryRef: string;
  serviceType: ServiceType;
  status: ReferralStatus;
  disaggregation: Disaggregation;
  /** The data categories the package shares (declared and present), ascending. */
  sharedCategories: DataCategory[];
}

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
    disaggregation: record.disaggregation,
    sharedCategories: [...categories].sort((a, b) => a - b),
  };
}

/**
 * A referral addressed to `organisationId` as the referral library keeps it (same database); another
 * organisation's answers as unknown.
 */
export async function receivedReferral(
  sql: Sql,
  organisationId: string,
  referralId: string,
  options: { forUpdate?: boolean } = {},
): Promise<ReferralRecord | undefined> {
  const record = await referralStore.find(sql, referralId, "target", options);
  return record && record.targetOrganisationId === organisationId ? record : undefined;
}

/** Received referrals as cases see them, locked for the transaction (a case is opened from one). */
export interface ReferralLookup {
  receivedReferral(organisationId: string, referralId: string): Promise<ReferralForCase | undefined>;
}

export function referralLookup(sql: Sql): ReferralLookup {
  return {
    async receivedReferral(organisationId, referralId) {
      const record = await receivedReferral(sql, organisationId, referralId, { forUpdate: true });
      return record && referralForCase(record);
    },
  };
}

/** Received referrals as a port, for services that pass their adapters around as objects. */
export interface ReceivedReferrals {
  find(
    sql: Sql,
    organisationId: string,
    referralId: string,
    options?: { forUpdate?: boolean },
  ): Promise<ReferralRecord | undefined>;
}

export const receivedReferrals: ReceivedReferrals = { find: receivedReferral };
