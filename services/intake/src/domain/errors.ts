import type { DataCategory, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { statusName } from "@kopru/referral/domain";
import { categoryNames, serviceTypeName } from "./names.js";

// Intake's business-rule failures. Each carries a stable `code` that the service kit's one error
// mapper turns into a gRPC status (failed_precondition → FAILED_PRECONDITION).

/** The referrer asked to send categories the service type's data contract does not take. */
export class CategoriesNotAcceptedError extends Error {
  override readonly name = "CategoriesNotAcceptedError";
  readonly code = "failed_precondition";
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
  readonly code = "failed_precondition";
  constructor(readonly categories: readonly DataCategory[]) {
    super(`not recorded for this person: ${categoryNames(categories)}`);
  }
}

/** Routing found no offering in the directory replica that fits the need. */
export class NoCandidateError extends Error {
  override readonly name = "NoCandidateError";
  readonly code = "failed_precondition";
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
  readonly code = "failed_precondition";
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
  readonly code = "failed_precondition";
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
  readonly code = "permission_denied";
  constructor(readonly organisationId: string | undefined) {
    super(
      organisationId
        ? `organisation ${organisationId} is not served by intake`
        : "the caller's organisation (kopru-organisation-id) is required",
    );
  }
}
