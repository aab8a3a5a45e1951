import { DataCategory, PartnerKind, Purpose } from "@kopru/contracts/common/v1/vocabulary";
import type { ConsentProblem } from "./domain/index.js";

const categoryName = (c: DataCategory) =>
  DataCategory[c]?.replace("DATA_CATEGORY_", "").toLowerCase() ?? String(c);

function describeProblem(problem: ConsentProblem): string {
  switch (problem.kind) {
    case "organisation_not_covered":
      return `it does not cover organisation ${problem.organisationId} (${PartnerKind[problem.partnerKind]?.replace("PARTNER_KIND_", "").toLowerCase() ?? "unknown kind"})`;
    case "purpose_not_covered":
      return `it does not cover the purpose ${Purpose[problem.purpose]?.replace("PURPOSE_", "").toLowerCase()}`;
    case "data_category_not_covered":
      return `it does not cover the data categories ${problem.categories.map(categoryName).join(", ")}`;
    case "expired":
      return `it expired on ${problem.expiresAt.toISOString()}`;
    case "expiry_missing":
      return "it has no expiry date";
    case "withdrawn":
      return `it was withdrawn on ${problem.withdrawnAt.toISOString()}`;
  }
}

/** No referral leaves without consent covering the target, the purpose and every data category. */
export class ConsentRefusedError extends Error {
  override readonly name = "ConsentRefusedError";
  readonly code = "consent_not_covering";
  constructor(
    readonly consentId: string,
    readonly problems: readonly ConsentProblem[],
  ) {
    super(`consent ${consentId} does not allow this referral: ${problems.map(describeProblem).join("; ")}`);
  }
}

/** The target's service type needs data the referrer may not or cannot send. */
export class DataContractUnmetError extends Error {
  override readonly name = "DataContractUnmetError";
  readonly code = "data_contract_unmet";
  constructor(
    readonly notConsented: readonly DataCategory[],
    readonly notAvailable: readonly DataCategory[],
  ) {
    const parts: string[] = [];
    if (notConsented.length > 0)
      parts.push(`not covered by the consent: ${notConsented.map(categoryName).join(", ")}`);
    if (notAvailable.length > 0)
      parts.push(`not recorded for this person: ${notAvailable.map(categoryName).join(", ")}`);
    super(`the service needs data that cannot be sent (${parts.join("; ")})`);
  }
}

/** Unknown referral, or one that belongs to another organisation: the same answer for both. */
export class ReferralNotFoundError extends Error {
  override readonly name = "ReferralNotFoundError";
  readonly code = "not_found";
  constructor(readonly referralId: string) {
    super(`referral ${referralId} not found`);
  }
}
