import type { ErrorDeclarations } from "@kopru/service-kit";

/** The coordination service's failures by stable code, with what each means on the wire. */
export const COORDINATION_ERRORS = {
  offering_removed: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The service offering was removed from the directory",
  },
  offering_owner_change: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "A service offering cannot move to another organisation",
  },
  directory_record_conflict: {
    grpc: "ABORTED",
    http: 409,
    title: "The record was created by another request meanwhile",
  },
  already_rerouted: { grpc: "FAILED_PRECONDITION", http: 409, title: "The referral was re-routed before" },
  not_reroutable: { grpc: "FAILED_PRECONDITION", http: 409, title: "The referral cannot be re-routed" },
  suggested_offering_full: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The suggested service offering takes no new referrals",
  },
  suggested_offering_type_mismatch: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The suggested service offering is of another service type",
  },
  suggested_offering_excluded: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The suggested service offering's organisation is excluded or already tried",
  },
} as const satisfies ErrorDeclarations;

type CoordinationErrorCode = keyof typeof COORDINATION_ERRORS;

export class OfferingRemovedError extends Error {
  override readonly name = "OfferingRemovedError";
  readonly code: CoordinationErrorCode = "offering_removed";
  constructor(readonly serviceOfferingId: string) {
    super(`service offering ${serviceOfferingId} was removed from the directory; upsert it to bring it back`);
  }
}

export class OfferingOwnerChangeError extends Error {
  override readonly name = "OfferingOwnerChangeError";
  readonly code: CoordinationErrorCode = "offering_owner_change";
  constructor(
    readonly serviceOfferingId: string,
    readonly organisationId: string,
  ) {
    super(
      `service offering ${serviceOfferingId} belongs to ${organisationId}; an offering cannot move to another organisation`,
    );
  }
}

/** A create that lost a race with another create of the same id: read again and decide. */
export class DirectoryRecordConflictError extends Error {
  override readonly name = "DirectoryRecordConflictError";
  readonly code: CoordinationErrorCode = "directory_record_conflict";
}

export class AlreadyReroutedError extends Error {
  override readonly name = "AlreadyReroutedError";
  readonly code: CoordinationErrorCode = "already_rerouted";
  constructor(
    readonly referralId: string,
    readonly reroutedAs: string,
  ) {
    super(`referral ${referralId} was already re-routed as ${reroutedAs}`);
  }
}

export class NotReroutableError extends Error {
  override readonly name = "NotReroutableError";
  readonly code: CoordinationErrorCode = "not_reroutable";
  constructor(
    readonly referralId: string,
    refusal: string,
  ) {
    super(`referral ${referralId} cannot be re-routed: ${refusal}`);
  }
}

export class SuggestedOfferingFullError extends Error {
  override readonly name = "SuggestedOfferingFullError";
  readonly code: CoordinationErrorCode = "suggested_offering_full";
  constructor(readonly serviceOfferingId: string) {
    super(`suggested service offering ${serviceOfferingId} takes no new referrals`);
  }
}

export class SuggestedOfferingTypeMismatchError extends Error {
  override readonly name = "SuggestedOfferingTypeMismatchError";
  readonly code: CoordinationErrorCode = "suggested_offering_type_mismatch";
  constructor(readonly serviceOfferingId: string) {
    super(`suggested service offering ${serviceOfferingId} is of another service type than the referral`);
  }
}

export class SuggestedOfferingExcludedError extends Error {
  override readonly name = "SuggestedOfferingExcludedError";
  readonly code: CoordinationErrorCode = "suggested_offering_excluded";
  constructor(
    readonly serviceOfferingId: string,
    readonly organisationId: string,
  ) {
    super(
      `suggested service offering ${serviceOfferingId} belongs to ${organisationId}, which is excluded or already tried`,
    );
  }
}
