import { DataCategory } from "@kopru/contracts/common/v1/vocabulary";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";

import { SENSITIVE_DATA_CATEGORIES } from "./data-contracts.js";

/** The package fields that hold personal data sections, one per DataCategory. */
export type PackageSectionKey =
  | "identity"
  | "contact"
  | "demographics"
  | "legalStatus"
  | "household"
  | "needs"
  | "disability"
  | "protection"
  | "gbv"
  | "childProtection"
  | "health"
  | "mhpss"
  | "financial"
  | "education";

/** Every real data category (not UNSPECIFIED, not UNRECOGNIZED). */
export type SectionedDataCategory = Exclude<
  DataCategory,
  DataCategory.DATA_CATEGORY_UNSPECIFIED | DataCategory.UNRECOGNIZED
>;

/** THE category → package section table (package.proto: "one optional section per category"). */
export const DATA_CATEGORY_SECTIONS: Readonly<Record<SectionedDataCategory, PackageSectionKey>> =
  Object.freeze({
    [DataCategory.DATA_CATEGORY_IDENTITY]: "identity",
    [DataCategory.DATA_CATEGORY_CONTACT]: "contact",
    [DataCategory.DATA_CATEGORY_DEMOGRAPHICS]: "demographics",
    [DataCategory.DATA_CATEGORY_LEGAL_STATUS]: "legalStatus",
    [DataCategory.DATA_CATEGORY_HOUSEHOLD]: "household",
    [DataCategory.DATA_CATEGORY_NEEDS]: "needs",
    [DataCategory.DATA_CATEGORY_DISABILITY]: "disability",
    [DataCategory.DATA_CATEGORY_PROTECTION]: "protection",
    [DataCategory.DATA_CATEGORY_GBV]: "gbv",
    [DataCategory.DATA_CATEGORY_CHILD_PROTECTION]: "childProtection",
    [DataCategory.DATA_CATEGORY_HEALTH]: "health",
    [DataCategory.DATA_CATEGORY_MHPSS]: "mhpss",
    [DataCategory.DATA_CATEGORY_FINANCIAL]: "financial",
    [DataCategory.DATA_CATEGORY_EDUCATION]: "education",
  } satisfies Record<SectionedDataCategory, PackageSectionKey & keyof ReferralPackage>);

const SECTION_ENTRIES = (Object.entries(DATA_CATEGORY_SECTIONS) as [string, PackageSectionKey][]).map(
  ([category, key]) => [Number(category) as SectionedDataCategory, key] as const,
);

/** The categories whose sections are present (set) in a package, in code order. */
export function presentDataCategories(
  pkg: Partial<Pick<ReferralPackage, PackageSectionKey>>,
): DataCategory[] {
  return SECTION_ENTRIES.filter(([, key]) => pkg[key] !== undefined && pkg[key] !== null)
    .map(([category]) => category)
    .sort((a, b) => a - b);
}

/**
 * A copy of the package that keeps only the sections of `categories` (every other section removed)
 * and whose `sharedDataCategories` is exactly the categories of the sections kept. A category asked
 * for but without a section in `pkg` is not claimed as shared. Other fields are copied unchanged.
 */
export function minimiseSections<T extends Partial<ReferralPackage>>(
  pkg: T,
  categories: readonly DataCategory[],
): T {
  const keep = new Set(categories);
  const copy: T = { ...pkg };
  for (const [category, key] of SECTION_ENTRIES) {
    if (!keep.has(category)) delete copy[key];
  }
  copy.sharedDataCategories = presentDataCategories(copy);
  return copy;
}

/**
 * For a viewer without access to restricted cases: the package without its sensitive sections, and
 * the categories withheld (GetReferralResponse.withheld_data_categories).
 */
export function withholdSensitiveSections<T extends Partial<ReferralPackage>>(
  pkg: T,
): { readonly package: T; readonly withheld: DataCategory[] } {
  const present = presentDataCategories(pkg);
  const withheld = present.filter((category) => SENSITIVE_DATA_CATEGORIES.includes(category));
  const visible = present.filter((category) => !SENSITIVE_DATA_CATEGORIES.includes(category));
  return { package: minimiseSections(pkg, visible), withheld };
}
