import { DataCategory, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { ConsentScope } from "@kopru/contracts/referral/v1/consent";

import { NoDataContractError } from "./errors.js";

/** Which data a service type needs (`required`) and may use when consented (`optional`). */
export interface DataContract {
  readonly required: readonly DataCategory[];
  readonly optional: readonly DataCategory[];
}

/** Every real service type (not UNSPECIFIED, not UNRECOGNIZED). */
export type ContractedServiceType = Exclude<
  ServiceType,
  ServiceType.SERVICE_TYPE_UNSPECIFIED | ServiceType.UNRECOGNIZED
>;

/**
 * Special-category data (KVKK art. 6): sent only when the service type's contract lists the category
 * AND the consent covers it, and shown at the target only to staff with access to restricted cases.
 */
export const SENSITIVE_DATA_CATEGORIES: readonly DataCategory[] = Object.freeze([
  DataCategory.DATA_CATEGORY_GBV,
  DataCategory.DATA_CATEGORY_CHILD_PROTECTION,
  DataCategory.DATA_CATEGORY_HEALTH,
  DataCategory.DATA_CATEGORY_MHPSS,
]);

export function isSensitiveCategory(category: DataCategory): boolean {
  return SENSITIVE_DATA_CATEGORIES.includes(category);
}

const {
  DATA_CATEGORY_IDENTITY: IDENTITY,
  DATA_CATEGORY_CONTACT: CONTACT,
  DATA_CATEGORY_DEMOGRAPHICS: DEMOGRAPHICS,
  DATA_CATEGORY_LEGAL_STATUS: LEGAL_STATUS,
  DATA_CATEGORY_HOUSEHOLD: HOUSEHOLD,
  DATA_CATEGORY_NEEDS: NEEDS,
  DATA_CATEGORY_DISABILITY: DISABILITY,
  DATA_CATEGORY_PROTECTION: PROTECTION,
  DATA_CATEGORY_GBV: GBV,
  DATA_CATEGORY_CHILD_PROTECTION: CHILD_PROTECTION,
  DATA_CATEGORY_HEALTH: HEALTH,
  DATA_CATEGORY_MHPSS: MHPSS,
  DATA_CATEGORY_FINANCIAL: FINANCIAL,
  DATA_CATEGORY_EDUCATION: EDUCATION,
} = DataCategory;

/** Who the person is and how to reach them: every service needs these to act at all. */
const PERSON = [IDENTITY, CONTACT, DEMOGRAPHICS] as const;

function contract(required: readonly DataCategory[], optional: readonly DataCategory[] = []): DataContract {
  return Object.freeze({ required: Object.freeze([...required]), optional: Object.freeze([...optional]) });
}

/**
 * THE minimum-necessary table: the one place that says which personal data each service type gets.
 * A package section travels only if its category is listed here for the service type and the consent
 * covers it. Sensitive categories appear only where the service genuinely works with them.
 */
export const SERVICE_DATA_CONTRACTS: Readonly<Record<ContractedServiceType, DataContract>> = Object.freeze({
  // --- Protection and MHPSS ---
  [ServiceType.SERVICE_TYPE_PROTECTION_GENERAL]: contract(
    [...PERSON, NEEDS, PROTECTION],
    [LEGAL_STATUS, HOUSEHOLD, DISABILITY, HEALTH, MHPSS],
  ),
  [ServiceType.SERVICE_TYPE_MHPSS_INDIVIDUAL]: contract(
    [...PERSON, MHPSS],
    [NEEDS, PROTECTION, DISABILITY, HEALTH],
  ),
  [ServiceType.SERVICE_TYPE_MHPSS_GROUP]: contract([...PERSON], [NEEDS, DISABILITY, MHPSS]),
  [ServiceType.SERVICE_TYPE_PSYCHOLOGICAL_FIRST_AID]: contract([...PERSON], [NEEDS, MHPSS]),
  [ServiceType.SERVICE_TYPE_LEGAL_COUNSELLING]: contract(
    [...PERSON, LEGAL_STATUS],
    [HOUSEHOLD, NEEDS, PROTECTION],
  ),
  [ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT]: contract([...PERSON, PROTECTION, GBV], [HEALTH, MHPSS]),
  [ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT]: contract(
    [...PERSON, CHILD_PROTECTION],
    [LEGAL_STATUS, HOUSEHOLD, DISABILITY, PROTECTION, HEALTH, MHPSS, EDUCATION],
  ),

  // --- Emergency case management ---
  [ServiceType.SERVICE_TYPE_ECM_MEDICAL]: contract(
    [...PERSON, NEEDS, HEALTH],
    [LEGAL_STATUS, HOUSEHOLD, DISABILITY],
  ),
  [ServiceType.SERVICE_TYPE_ECM_TRANSPORT]: contract([...PERSON, NEEDS], [LEGAL_STATUS, DISABILITY]),
  [ServiceType.SERVICE_TYPE_ECM_ACCOMMODATION]: contract(
    [...PERSON, HOUSEHOLD, NEEDS],
    [LEGAL_STATUS, DISABILITY, PROTECTION],
  ),
  [ServiceType.SERVICE_TYPE_ECM_FOOD]: contract([...PERSON, HOUSEHOLD, NEEDS], [DISABILITY]),
  [ServiceType.SERVICE_TYPE_ECM_NFI]: contract([...PERSON, HOUSEHOLD, NEEDS], [DISABILITY]),
  // ECM caseworkers assess and collect the payment channel themselves after accepting, so an
  // ECM cash referral (often onward from an MMCC that never held it) does not require it.
  [ServiceType.SERVICE_TYPE_ECM_CASH]: contract(
    [...PERSON, HOUSEHOLD, NEEDS],
    [LEGAL_STATUS, DISABILITY, FINANCIAL],
  ),

  // --- Cash and livelihoods ---
  [ServiceType.SERVICE_TYPE_CASH_BASIC_NEEDS]: contract(
    [...PERSON, LEGAL_STATUS, HOUSEHOLD, NEEDS, FINANCIAL],
    [DISABILITY],
  ),
  [ServiceType.SERVICE_TYPE_SMALL_BUSINESS_GRANT]: contract(
    [...PERSON, LEGAL_STATUS, HOUSEHOLD, FINANCIAL],
    [NEEDS, EDUCATION],
  ),
  [ServiceType.SERVICE_TYPE_VOCATIONAL_TRAINING]: contract(
    [...PERSON],
    [LEGAL_STATUS, DISABILITY, EDUCATION],
  ),
  [ServiceType.SERVICE_TYPE_LIVELIHOOD_JOB_PLACEMENT]: contract(
    [...PERSON, LEGAL_STATUS],
    [DISABILITY, EDUCATION],
  ),

  // --- Community centres ---
  [ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH]: contract([...PERSON], [EDUCATION]),
  [ServiceType.SERVICE_TYPE_COMMUNITY_ACTIVITIES]: contract([...PERSON], [DISABILITY]),

  // --- MMCCs ---
  [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING]: contract(
    [...PERSON, NEEDS],
    [LEGAL_STATUS, HOUSEHOLD, DISABILITY],
  ),
  [ServiceType.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE]: contract(
    [...PERSON, HOUSEHOLD, NEEDS],
    [LEGAL_STATUS, DISABILITY, FINANCIAL],
  ),
  [ServiceType.SERVICE_TYPE_MMCC_INFORMATION_ORIENTATION]: contract([...PERSON], [LEGAL_STATUS, NEEDS]),

  // --- Shelter ---
  [ServiceType.SERVICE_TYPE_SHELTER_REPAIR]: contract([...PERSON, HOUSEHOLD, NEEDS], [DISABILITY]),
  [ServiceType.SERVICE_TYPE_RENTAL_SUPPORT]: contract(
    [...PERSON, HOUSEHOLD, NEEDS, FINANCIAL],
    [LEGAL_STATUS, DISABILITY],
  ),

  // --- Education ---
  [ServiceType.SERVICE_TYPE_SCHOOL_TRANSPORTATION]: contract([...PERSON, EDUCATION], [HOUSEHOLD, DISABILITY]),

  // --- Cross-cutting ---
  [ServiceType.SERVICE_TYPE_INTERPRETATION]: contract([IDENTITY, CONTACT], [DEMOGRAPHICS]),
  [ServiceType.SERVICE_TYPE_DOCUMENTATION_CIVIL_REGISTRATION]: contract(
    [...PERSON, LEGAL_STATUS],
    [HOUSEHOLD],
  ),
  [ServiceType.SERVICE_TYPE_HEALTH_REFERRAL]: contract(
    [...PERSON, HEALTH],
    [LEGAL_STATUS, DISABILITY, MHPSS],
  ),
  [ServiceType.SERVICE_TYPE_DISABILITY_SUPPORT]: contract(
    [...PERSON, DISABILITY],
    [HOUSEHOLD, NEEDS, HEALTH],
  ),
} satisfies Record<ContractedServiceType, DataContract>);

/** The data contract of a service type; NoDataContractError for UNSPECIFIED or an unknown value. */
export function dataContractFor(serviceType: ServiceType): DataContract {
  const found = Object.hasOwn(SERVICE_DATA_CONTRACTS, serviceType)
    ? SERVICE_DATA_CONTRACTS[serviceType as ContractedServiceType]
    : undefined;
  if (found === undefined) throw new NoDataContractError(serviceType);
  return found;
}

export type PackageSelection =
  | { readonly ok: true; readonly categories: DataCategory[] }
  | {
      readonly ok: false;
      /** Every required category that cannot be sent (union of the two lists below). */
      readonly missingRequired: DataCategory[];
      /** Required categories the consent does not cover. */
      readonly notConsented: DataCategory[];
      /** Required categories the sender does not hold. */
      readonly notAvailable: DataCategory[];
    };

const byCode = (a: DataCategory, b: DataCategory) => a - b;

/**
 * The categories a package for `serviceType` may carry: all required ones (each must be consented and
 * available, otherwise a refusal naming those missing), plus the optional ones that are consented and
 * available. Nothing outside the contract is ever selected, so sensitive categories travel only where
 * the contract lists them and the consent covers them. Categories are returned in code order.
 */
export function selectPackageCategories(
  serviceType: ServiceType,
  consentScope: Pick<ConsentScope, "dataCategories">,
  available: readonly DataCategory[],
): PackageSelection {
  const { required, optional } = dataContractFor(serviceType);
  const consented = new Set(consentScope.dataCategories);
  const held = new Set(available);
  const notConsented = required.filter((category) => !consented.has(category)).sort(byCode);
  const notAvailable = required.filter((category) => !held.has(category)).sort(byCode);
  if (notConsented.length > 0 || notAvailable.length > 0) {
    const missingRequired = [...new Set([...notConsented, ...notAvailable])].sort(byCode);
    return { ok: false, missingRequired, notConsented, notAvailable };
  }
  const extra = optional.filter((category) => consented.has(category) && held.has(category));
  return { ok: true, categories: [...new Set([...required, ...extra])].sort(byCode) };
}
