import type { ErrorDeclarations } from "@kopru/service-kit";

/** The failures every receiving service shares, by stable code; part of each one's error catalogue. */
export const CASEWORK_ERRORS = {
  case_closed: { grpc: "FAILED_PRECONDITION", http: 409, title: "The case is closed" },
  case_already_open: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The person or referral already has an open case",
  },
  referral_not_accepted: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "A case is opened from an accepted or started referral",
  },
  staff_directory_unavailable: {
    grpc: "UNAVAILABLE",
    http: 503,
    title: "The staff directory cannot be asked now; nothing was assigned",
  },
} as const satisfies ErrorDeclarations;

export type CaseworkErrorCode = keyof typeof CASEWORK_ERRORS;

/** The case is closed: nothing may be added to it or changed on it. */
export class CaseClosedError extends Error {
  override readonly name = "CaseClosedError";
  readonly code: CaseworkErrorCode = "case_closed";
  constructor(
    readonly caseId: string,
    consequence: string,
  ) {
    super(`case ${caseId} is closed; ${consequence}`);
  }
}

/** Opening a case explicitly when the person, or the referral, already has an open one. */
export class CaseAlreadyOpenError extends Error {
  override readonly name = "CaseAlreadyOpenError";
  readonly code: CaseworkErrorCode = "case_already_open";
  constructor(
    readonly existingCaseId: string,
    message: string,
  ) {
    super(message);
  }
}

/** A case can be opened from a referral only once it was accepted (and while it is not closed). */
export class ReferralNotAcceptedError extends Error {
  override readonly name = "ReferralNotAcceptedError";
  readonly code: CaseworkErrorCode = "referral_not_accepted";
  constructor(
    readonly referralId: string,
    statusName: string,
  ) {
    super(`referral ${referralId} is ${statusName}; a case is opened from an accepted or started referral`);
  }
}

/** The identity service's staff directory could not answer the colleague check; nothing was assigned. */
export class StaffDirectoryUnavailableError extends Error {
  override readonly name = "StaffDirectoryUnavailableError";
  readonly code: CaseworkErrorCode = "staff_directory_unavailable";
  constructor(options?: ErrorOptions) {
    super("the staff directory cannot be asked now; nothing was assigned, try again", options);
  }
}
