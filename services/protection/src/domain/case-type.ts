import { type DataCategory, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ProtectionCaseType } from "@kopru/contracts/protection/v1/case";
import { RESTRICTED_DATA_CATEGORIES as NETWORK_RESTRICTED_CATEGORIES } from "@kopru/referral/domain";

const CASE_TYPE_BY_SERVICE: Readonly<Partial<Record<ServiceType, ProtectionCaseType>>> = Object.freeze({
  [ServiceType.SERVICE_TYPE_PROTECTION_GENERAL]: ProtectionCaseType.PROTECTION_CASE_TYPE_GENERAL,
  [ServiceType.SERVICE_TYPE_MHPSS_INDIVIDUAL]: ProtectionCaseType.PROTECTION_CASE_TYPE_MHPSS,
  [ServiceType.SERVICE_TYPE_MHPSS_GROUP]: ProtectionCaseType.PROTECTION_CASE_TYPE_MHPSS,
  [ServiceType.SERVICE_TYPE_PSYCHOLOGICAL_FIRST_AID]: ProtectionCaseType.PROTECTION_CASE_TYPE_MHPSS,
  [ServiceType.SERVICE_TYPE_LEGAL_COUNSELLING]: ProtectionCaseType.PROTECTION_CASE_TYPE_LEGAL,
  [ServiceType.SERVICE_TYPE_DOCUMENTATION_CIVIL_REGISTRATION]: ProtectionCaseType.PROTECTION_CASE_TYPE_LEGAL,
  [ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT]: ProtectionCaseType.PROTECTION_CASE_TYPE_GBV,
  [ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT]:
    ProtectionCaseType.PROTECTION_CASE_TYPE_CHILD_PROTECTION,
});

/** The kind of case a referral of `serviceType` opens; anything not listed is general protection. */
export function caseTypeForService(serviceType: ServiceType): ProtectionCaseType {
  return CASE_TYPE_BY_SERVICE[serviceType] ?? ProtectionCaseType.PROTECTION_CASE_TYPE_GENERAL;
}

export function isRestrictedCaseType(caseType: ProtectionCaseType): boolean {
  return (
    caseType === ProtectionCaseType.PROTECTION_CASE_TYPE_GBV ||
    caseType === ProtectionCaseType.PROTECTION_CASE_TYPE_CHILD_PROTECTION
  );
}

/**
 * Data categories whose presence makes a case (and the package it came with) restricted: the
 * network's restricted categories (GBV, child protection), defined once in the referral library,
 * which also decides where they may travel.
 */
export const RESTRICTED_DATA_CATEGORIES: readonly DataCategory[] = NETWORK_RESTRICTED_CATEGORIES;

/**
 * A case is restricted when its type is GBV or child protection, and also when the referral it
 * serves shared GBV or child-protection data (e.g. a general protection referral of a survivor):
 * the data, not only the label, decides who may see it.
 */
export function isRestrictedCase(
  caseType: ProtectionCaseType,
  sharedCategories: readonly DataCategory[],
): boolean {
  return (
    isRestrictedCaseType(caseType) || sharedCategories.some((c) => RESTRICTED_DATA_CATEGORIES.includes(c))
  );
}
