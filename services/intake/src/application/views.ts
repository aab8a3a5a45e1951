import { DataCategory } from "@kopru/contracts/common/v1/vocabulary";
import type { Beneficiary, NeedsScreening } from "@kopru/contracts/intake/v1/beneficiary";
import type { ConsentRecord } from "@kopru/contracts/referral/v1/consent";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { isRestrictedCategory, minimiseSections, presentDataCategories } from "@kopru/referral/domain";
import { personDisaggregation } from "../domain/disaggregation.js";
import type { BeneficiaryRecord, ConsentRecordStored, ScreeningRecord } from "../domain/records.js";

/** The contract's Beneficiary: the stored person plus the PII-free bundle as of `at`. */
export function beneficiaryView(
  record: BeneficiaryRecord,
  latestScreening: ScreeningRecord | undefined,
  at: Date,
): Beneficiary {
  const { beneficiaryRef: _ref, erasedAt: _erased, ...person } = record;
  return { ...person, disaggregation: personDisaggregation(record, latestScreening, at) };
}

export function consentView(stored: ConsentRecordStored): ConsentRecord {
  const {
    organisationId: _org,
    withdrawalNotifiedOrganisationIds: _notified,
    withdrawalCancelledReferralIds: _cancelled,
    ...consent
  } = stored;
  return consent;
}

/**
 * The contract's NeedsScreening. Its GBV and child-protection sections only for a caller with
 * restricted access; for anyone else they are left out and named in `withheldDataCategories`.
 */
export function screeningView(
  stored: ScreeningRecord,
  restrictedAccess: boolean | undefined,
): NeedsScreening {
  const { organisationId: _org, gbv, childProtection, ...screening } = stored;
  if (restrictedAccess) return { ...screening, gbv, childProtection, withheldDataCategories: [] };
  const withheldDataCategories: DataCategory[] = [];
  if (gbv) withheldDataCategories.push(DataCategory.DATA_CATEGORY_GBV);
  if (childProtection) withheldDataCategories.push(DataCategory.DATA_CATEGORY_CHILD_PROTECTION);
  return { ...screening, withheldDataCategories };
}

/**
 * A package intake sent, as a caller may read it: whole for restricted access; otherwise without its
 * GBV and child-protection sections, which are named in `withheld`.
 */
export function sentPackageView(
  pkg: ReferralPackage,
  restrictedAccess: boolean | undefined,
): { referralPackage: ReferralPackage; withheld: DataCategory[] } {
  const present = presentDataCategories(pkg);
  const withheld = present.filter(isRestrictedCategory);
  if (restrictedAccess || withheld.length === 0) return { referralPackage: pkg, withheld: [] };
  return {
    referralPackage: minimiseSections(
      pkg,
      present.filter((c) => !isRestrictedCategory(c)),
    ),
    withheld,
  };
}
