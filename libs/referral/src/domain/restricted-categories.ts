import { DataCategory, PartnerKind, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { SERVICE_DATA_CONTRACTS } from "./data-contracts.js";
import { minimiseSections, presentDataCategories } from "./package-sections.js";

/**
 * The restricted categories (GBV, child protection): stricter than the other sensitive ones. Each
 * travels only (1) with a consent whose scope names that category, (2) in a referral of the one
 * service type that works with it, (3) to an organisation whose directory offering is that service
 * type, and (4) never to a municipality or a community centre, whatever their offerings say.
 * Coordination holds no offering of either service type and receives no package at all. At the
 * target they are shown only to the restricted-case role (`protection-restricted`).
 */
export const RESTRICTED_CATEGORY_SERVICE: Readonly<
  Record<DataCategory.DATA_CATEGORY_GBV | DataCategory.DATA_CATEGORY_CHILD_PROTECTION, ServiceType>
> = Object.freeze({
  [DataCategory.DATA_CATEGORY_GBV]: ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
  [DataCategory.DATA_CATEGORY_CHILD_PROTECTION]: ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT,
});

export const RESTRICTED_DATA_CATEGORIES: readonly DataCategory[] = Object.freeze([
  DataCategory.DATA_CATEGORY_GBV,
  DataCategory.DATA_CATEGORY_CHILD_PROTECTION,
]);

/** Partner kinds that never receive a restricted section, even under a consent naming it. */
export const PARTNER_KINDS_WITHOUT_RESTRICTED_DATA: readonly PartnerKind[] = Object.freeze([
  PartnerKind.PARTNER_KIND_MUNICIPALITY,
  PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE,
]);

export function isRestrictedCategory(category: DataCategory): boolean {
  return RESTRICTED_DATA_CATEGORIES.includes(category);
}

export type RestrictedDataProblemKind =
  /** The consent's scope does not name the category. */
  | "not_consented"
  /** The referral's service type is not the one that works with the category. */
  | "service_type"
  /** The target is a municipality or a community centre. */
  | "partner_kind"
  /** The target has no directory offering of the category's service type. */
  | "not_offered";

export interface RestrictedDataProblem {
  readonly category: DataCategory;
  readonly kind: RestrictedDataProblemKind;
}

/**
 * Why the restricted categories among `categories` may not travel to this target (empty when they
 * may, or when none is restricted). `offeredServiceTypes` are the service types of the target's
 * directory offerings the referral is routed to; unknown (undefined) counts as none.
 */
export function restrictedDataProblems(
  categories: readonly DataCategory[],
  request: {
    serviceType: ServiceType;
    consentedCategories: readonly DataCategory[];
    targetPartnerKind: PartnerKind;
    offeredServiceTypes?: readonly ServiceType[] | undefined;
  },
): RestrictedDataProblem[] {
  const problems: RestrictedDataProblem[] = [];
  for (const category of [...new Set(categories)].filter(isRestrictedCategory).sort((a, b) => a - b)) {
    const service = RESTRICTED_CATEGORY_SERVICE[category as keyof typeof RESTRICTED_CATEGORY_SERVICE];
    if (!request.consentedCategories.includes(category)) problems.push({ category, kind: "not_consented" });
    if (request.serviceType !== service) problems.push({ category, kind: "service_type" });
    if (PARTNER_KINDS_WITHOUT_RESTRICTED_DATA.includes(request.targetPartnerKind))
      problems.push({ category, kind: "partner_kind" });
    if (!(request.offeredServiceTypes ?? []).includes(service))
      problems.push({ category, kind: "not_offered" });
  }
  return problems;
}

/** The kinds of `restrictedDataProblems` that depend on the target alone. */
const TARGET_PROBLEM_KINDS: readonly RestrictedDataProblemKind[] = ["partner_kind", "not_offered"];

/**
 * The restricted rule as far as it depends on the target, for routing before any package exists:
 * what `restrictedDataProblems` (the rule `preparePackage` applies) would refuse of a referral of
 * `serviceType` to this target — a municipality or community centre, or no offering of the
 * category's service type among `offeredServiceTypes` — for each restricted category the service
 * type's data contract carries. Empty for service types whose contract carries none. The consent is
 * judged on its own (a candidate it does not cover is still suggested, marked so).
 */
export function restrictedTargetProblems(
  serviceType: ServiceType,
  target: { partnerKind: PartnerKind; offeredServiceTypes?: readonly ServiceType[] | undefined },
): RestrictedDataProblem[] {
  const contract = Object.hasOwn(SERVICE_DATA_CONTRACTS, serviceType)
    ? SERVICE_DATA_CONTRACTS[serviceType as keyof typeof SERVICE_DATA_CONTRACTS]
    : undefined;
  const categories = [...(contract?.required ?? []), ...(contract?.optional ?? [])].filter(
    isRestrictedCategory,
  );
  if (categories.length === 0) return [];
  return restrictedDataProblems(categories, {
    serviceType,
    consentedCategories: categories,
    targetPartnerKind: target.partnerKind,
    offeredServiceTypes: target.offeredServiceTypes,
  }).filter((problem) => TARGET_PROBLEM_KINDS.includes(problem.kind));
}

/**
 * The package without its GBV and child-protection sections (and `sharedDataCategories` saying so):
 * what a service that never holds them (municipality, community centre) keeps of a package that
 * arrives with them anyway.
 */
export function withoutRestrictedSections<T extends Partial<ReferralPackage>>(pkg: T): T {
  const present = presentDataCategories(pkg);
  if (!present.some(isRestrictedCategory)) return pkg;
  return minimiseSections(
    pkg,
    present.filter((c) => !isRestrictedCategory(c)),
  );
}
