import type { DataCategory, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { statusName } from "@kopru/referral/domain";
import type { ErrorDeclarations } from "@kopru/service-kit";
import { categoryNames, serviceTypeName } from "./names.js";

/**
 * Intake's own failures by stable code, with what each means on the wire; intake's error catalogue
 * adds the referral library's.
 */
export const INTAKE_ERRORS = {
  categories_not_accepted: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The service type does not take these data categories",
  },
  categories_not_held: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "These data categories are not recorded for the person",
  },
  no_candidate: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "No offering in the directory fits the need",
  },
  not_reroutable: { grpc: "FAILED_PRECONDITION", http: 409, title: "The referral cannot be re-routed" },
  already_rerouted: { grpc: "FAILED_PRECONDITION", http: 409, title: "The referral was re-routed before" },
  organisation_not_served: {
    grpc: "PERMISSION_DENIED",
    http: 403,
    title: "The organisation is not one intake acts for",
  },
  offering_service_type_mismatch: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The service offering provides another service type",
  },
  offering_not_taking_referrals: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The service offering is full or suspended",
  },
  beneficiary_erased: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The person's data was erased",
  },
} as const satisfies ErrorDeclarations;

type IntakeErrorCode = keyof typeof INTAKE_ERRORS;

/** The referrer asked to send categories the service type's data contract does not take. */
export class CategoriesNotAcceptedError extends Error {
  override readonly name = "CategoriesNotAcceptedError";
  readonly code: IntakeErrorCode = "categories_not_accepted";
  constructor(
    readonly serviceType: ServiceType,
    readonly categories: readonly DataCategory[],
  ) {
    super(
      `a ${serviceTypeName(serviceType)} referral does not take the data categories ${categoryNames(categories)}`,
    );
  }
}

/** The referrer asked to send categories intake does not hold for this person. */
export class CategoriesNotHeldError extends Error {
  override readonly name = "CategoriesNotHeldError";
  readonly code: IntakeErrorCode = "categories_not_held";
  constructor(readonly categories: readonly DataCategory[]) {
    super(`not recorded for this person: ${categoryNames(categories)}`);
  }
}

/** Routing found no offering in the directory replica that fits the need. */
export class NoCandidateError extends Error {
  override readonly name = "NoCandidateError";
  readonly code: IntakeErrorCode = "no_candidate";
  constructor(
    readonly serviceType: ServiceType,
    readonly provinceCode: string,
  ) {
    super(
      `no active ${serviceTypeName(serviceType)} offering in the directory covers province ${provinceCode} ` +
        "with the routing criteria given",
    );
  }
}

/** A referral that is not expired, declined, not completed or overdue cannot be re-routed. */
export class NotReroutableError extends Error {
  override readonly name = "NotReroutableError";
  readonly code: IntakeErrorCode = "not_reroutable";
  constructor(
    readonly referralId: string,
    readonly status: ReferralStatus,
  ) {
    super(
      `referral ${referralId} is ${statusName(status)}; only an expired, declined, not completed or ` +
        "overdue referral can be re-routed",
    );
  }
}

/** The referral was re-routed before; the chain continues in that child. */
export class AlreadyReroutedError extends Error {
  override readonly name = "AlreadyReroutedError";
  readonly code: IntakeErrorCode = "already_rerouted";
  constructor(
    readonly referralId: string,
    readonly childReferralId: string,
  ) {
    super(`referral ${referralId} was already re-routed as referral ${childReferralId}`);
  }
}

/** The caller's organisation is not one intake acts for. */
export class OrganisationNotServedError extends Error {
  override readonly name = "OrganisationNotServedError";
  readonly code: IntakeErrorCode = "organisation_not_served";
  constructor(readonly organisationId: string | undefined) {
    super(
      organisationId
        ? `organisation ${organisationId} is not served by intake`
        : "the caller's token names no organisation",
    );
  }
}

/** The chosen offering provides another service type than the referral asks for. */
export class OfferingServiceTypeMismatchError extends Error {
  override readonly name = "OfferingServiceTypeMismatchError";
  readonly code: IntakeErrorCode = "offering_service_type_mismatch";
  constructor(
    readonly serviceOfferingId: string,
    offered: ServiceType,
    asked: ServiceType,
  ) {
    super(
      `service offering ${serviceOfferingId} provides ${serviceTypeName(offered)}, not ${serviceTypeName(asked)}`,
    );
  }
}

/** The chosen offering is full or suspended. */
export class OfferingNotTakingReferralsError extends Error {
  override readonly name = "OfferingNotTakingReferralsError";
  readonly code: IntakeErrorCode = "offering_not_taking_referrals";
  constructor(
    readonly serviceOfferingId: string,
    capacity: string,
  ) {
    super(`service offering ${serviceOfferingId} is not taking referrals (${capacity})`);
  }
}

/** The person's data was erased network-wide (ADR 0023): nothing new is recorded or shared for them. */
export class BeneficiaryErasedError extends Error {
  override readonly name = "BeneficiaryErasedError";
  readonly code: IntakeErrorCode = "beneficiary_erased";
  constructor(readonly beneficiaryId: string) {
    super(`beneficiary ${beneficiaryId} was erased: register the person again to record anything new`);
  }
}
