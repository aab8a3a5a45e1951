import { DataCategory, PartnerKind, Purpose, ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { type ErrorDeclarations, InvalidArgumentError } from "@kopru/service-kit";
import { CONTACT_ERRORS } from "./contact-errors.js";
import { type ConsentProblem, REFERRAL_DOMAIN_ERRORS, type RestrictedDataProblem } from "./domain/index.js";

/**
 * Every failure of the referral library by stable code (the domain's and the sending rules'); a
 * service that uses the library hands this table to its error catalogue.
 */
export const REFERRAL_ERRORS = {
  ...REFERRAL_DOMAIN_ERRORS,
  ...CONTACT_ERRORS,
  consent_not_covering: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The consent does not cover this referral",
  },
  data_contract_unmet: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The service needs data that cannot be sent",
  },
  restricted_data_refused: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "GBV or child-protection data may not go to this target",
  },
  parent_referral_closed: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "An onward referral needs an open referral",
  },
  referral_closed_for_assignment: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "A closed referral is not assigned",
  },
  staff_directory_missing: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "Assignment needs the organisation's staff directory, which this service is not given",
  },
} as const satisfies ErrorDeclarations;

type ReferralLibraryErrorCode = keyof typeof REFERRAL_ERRORS;

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
  readonly code: ReferralLibraryErrorCode = "consent_not_covering";
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
  readonly code: ReferralLibraryErrorCode = "data_contract_unmet";
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

const RESTRICTED_PROBLEM_TEXT: Readonly<Record<RestrictedDataProblem["kind"], string>> = {
  not_consented: "the consent does not name it",
  service_type: "the service type is not the one that works with it",
  partner_kind: "municipalities and community centres never receive it",
  not_offered: "the target has no directory offering of its service type",
};

/**
 * A GBV or child-protection section would go where it may not (restricted-categories.ts): the
 * referral is refused rather than sent without it, since the service types that take it require it.
 */
export class RestrictedDataRefusedError extends Error {
  override readonly name = "RestrictedDataRefusedError";
  readonly code: ReferralLibraryErrorCode = "restricted_data_refused";
  constructor(
    readonly organisationId: string,
    readonly problems: readonly RestrictedDataProblem[],
  ) {
    super(
      `restricted data may not go to ${organisationId}: ${problems
        .map((p) => `${categoryName(p.category)}: ${RESTRICTED_PROBLEM_TEXT[p.kind]}`)
        .join("; ")}`,
    );
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

/** A closed referral (declined, expired, cancelled…) is not a basis for sharing onward. */
export class ParentReferralClosedError extends Error {
  override readonly name = "ParentReferralClosedError";
  readonly code: ReferralLibraryErrorCode = "parent_referral_closed";
  constructor(readonly referralId: string) {
    super(`referral ${referralId} is closed; an onward referral needs an open one`);
  }
}

/** A closed referral (completed, declined, cancelled…) is not assigned any more. */
export class ReferralClosedForAssignmentError extends Error {
  override readonly name = "ReferralClosedForAssignmentError";
  readonly code: ReferralLibraryErrorCode = "referral_closed_for_assignment";
  constructor(
    readonly referralId: string,
    readonly status: ReferralStatus,
  ) {
    const name = ReferralStatus[status]?.replace("REFERRAL_STATUS_", "").toLowerCase() ?? String(status);
    super(`referral ${referralId} is ${name}; a closed referral is not assigned`);
  }
}

/** The service was started without the staff directory, so no colleague can be checked. */
export class StaffDirectoryMissingError extends Error {
  override readonly name = "StaffDirectoryMissingError";
  readonly code: ReferralLibraryErrorCode = "staff_directory_missing";
  constructor() {
    super("assignment needs the organisation's staff directory, which this service is not given");
  }
}

/** The assignee is not an active staff member of the organisation (names the field). */
export class AssigneeNotColleagueError extends InvalidArgumentError {
  constructor(actorId: string, organisationId: string) {
    super([
      {
        field: "assignee_actor_id",
        description: `${actorId} is not an active staff member of organisation ${organisationId}`,
      },
    ]);
  }
}
