import { DataCategory, PartnerKind, Purpose } from "@kopru/contracts/common/v1/vocabulary";
import type { ConsentScope } from "@kopru/contracts/referral/v1/consent";

/** The parts of a consent record that decide whether it covers a sharing. */
export interface ConsentForCheck {
  readonly scope: ConsentScope;
  /** Required by the contract (no open-ended consent): absent is reported as `expiry_missing`. */
  readonly expiresAt?: Date | undefined;
  readonly withdrawnAt?: Date | undefined;
}

/** One intended sharing: with whom, for what, which data, when. */
export interface SharingRequest {
  readonly targetOrganisationId: string;
  readonly targetPartnerKind: PartnerKind;
  readonly purpose: Purpose;
  /** Every category that would be sent (every section present in the package). */
  readonly dataCategories: readonly DataCategory[];
  readonly at: Date;
}

/** What a consent fails to cover, one entry per kind of gap. */
export type ConsentProblem =
  | {
      readonly kind: "organisation_not_covered";
      readonly organisationId: string;
      readonly partnerKind: PartnerKind;
    }
  | { readonly kind: "purpose_not_covered"; readonly purpose: Purpose }
  | { readonly kind: "data_category_not_covered"; readonly categories: readonly DataCategory[] }
  | { readonly kind: "expired"; readonly expiresAt: Date }
  | { readonly kind: "expiry_missing" }
  | { readonly kind: "withdrawn"; readonly withdrawnAt: Date };

export type ConsentProblemKind = ConsentProblem["kind"];

export type ConsentCoverage =
  | { readonly covered: true }
  | { readonly covered: false; readonly problems: ConsentProblem[] };

/**
 * Whether a consent covers a sharing (the ConsentScope rule in consent.proto): the target's organisation
 * or its partner kind is listed, the purpose is listed, every data category is listed, and at `at` the
 * consent is neither past `expiresAt` nor withdrawn. Reports every problem, not just the first.
 */
export function consentCovers(consent: ConsentForCheck, request: SharingRequest): ConsentCoverage {
  const { scope } = consent;
  const problems: ConsentProblem[] = [];
  const at = request.at.getTime();

  const byOrganisation =
    request.targetOrganisationId !== "" && scope.organisationIds.includes(request.targetOrganisationId);
  const byKind =
    request.targetPartnerKind !== PartnerKind.PARTNER_KIND_UNSPECIFIED &&
    request.targetPartnerKind !== PartnerKind.UNRECOGNIZED &&
    scope.partnerKinds.includes(request.targetPartnerKind);
  if (!byOrganisation && !byKind) {
    problems.push({
      kind: "organisation_not_covered",
      organisationId: request.targetOrganisationId,
      partnerKind: request.targetPartnerKind,
    });
  }

  const purposeKnown =
    request.purpose !== Purpose.PURPOSE_UNSPECIFIED && request.purpose !== Purpose.UNRECOGNIZED;
  if (!purposeKnown || !scope.purposes.includes(request.purpose)) {
    problems.push({ kind: "purpose_not_covered", purpose: request.purpose });
  }

  const uncovered = [...new Set(request.dataCategories)]
    .filter(
      (category) =>
        category === DataCategory.DATA_CATEGORY_UNSPECIFIED ||
        category === DataCategory.UNRECOGNIZED ||
        !scope.dataCategories.includes(category),
    )
    .sort((a, b) => a - b);
  if (uncovered.length > 0) {
    problems.push({ kind: "data_category_not_covered", categories: uncovered });
  }

  if (consent.expiresAt === undefined) {
    problems.push({ kind: "expiry_missing" });
  } else if (at > consent.expiresAt.getTime()) {
    problems.push({ kind: "expired", expiresAt: consent.expiresAt });
  }
  if (consent.withdrawnAt !== undefined && consent.withdrawnAt.getTime() <= at) {
    problems.push({ kind: "withdrawn", withdrawnAt: consent.withdrawnAt });
  }

  return problems.length === 0 ? { covered: true } : { covered: false, problems };
}
