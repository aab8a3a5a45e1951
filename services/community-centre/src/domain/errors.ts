import type { ErrorDeclarations } from "@kopru/service-kit";

/**
 * The community centre's failures by stable code, with what each means on the wire: all are valid
 * requests that the records' state does not allow.
 */
export const COMMUNITY_CENTRE_ERRORS = {
  activity_full: { grpc: "FAILED_PRECONDITION", http: 409, title: "The activity has no free seat" },
  activity_closed: { grpc: "FAILED_PRECONDITION", http: 409, title: "The activity is finished or cancelled" },
  activity_status_change_not_allowed: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The activity cannot change to that status",
  },
  activity_has_participants: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The activity still has enrolled participants",
  },
  capacity_below_seats_taken: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The capacity is below the seats taken",
  },
  referral_not_enrollable: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "Only an accepted referral can take a seat",
  },
  service_type_mismatch: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The referral is for another service type",
  },
  not_eligible: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The person is outside what the activity admits",
  },
  already_enrolled: { grpc: "FAILED_PRECONDITION", http: 409, title: "The referral already holds a seat" },
  enrolment_not_active: { grpc: "FAILED_PRECONDITION", http: 409, title: "The enrolment has ended" },
} as const satisfies ErrorDeclarations;

export type CommunityCentreErrorCode = keyof typeof COMMUNITY_CENTRE_ERRORS;

export abstract class CommunityCentreDomainError extends Error {
  abstract readonly code: CommunityCentreErrorCode;
}

/** No free seat: enrol elsewhere, or put the referral on hold (ON_HOLD_REASON_CAPACITY_FULL) in the inbox. */
export class ActivityFullError extends CommunityCentreDomainError {
  override readonly name = "ActivityFullError";
  readonly code: CommunityCentreErrorCode = "activity_full";
  constructor(
    readonly activityId: string,
    readonly capacity: number,
  ) {
    super(
      `activity ${activityId} is full (${capacity} of ${capacity} seats taken); choose another activity or put the referral on hold (capacity full)`,
    );
  }
}

/** The activity is finished or cancelled. */
export class ActivityClosedError extends CommunityCentreDomainError {
  override readonly name = "ActivityClosedError";
  readonly code: CommunityCentreErrorCode = "activity_closed";
  constructor(activityId: string, status: string, action: string) {
    super(`activity ${activityId} is ${status}; ${action}`);
  }
}

export class ActivityStatusChangeError extends CommunityCentreDomainError {
  override readonly name = "ActivityStatusChangeError";
  readonly code: CommunityCentreErrorCode = "activity_status_change_not_allowed";
  constructor(from: string, to: string) {
    super(`an activity that is ${from} cannot become ${to}`);
  }
}

/** Cancelling an activity would silently strand its participants: end their enrolments first. */
export class ActivityHasParticipantsError extends CommunityCentreDomainError {
  override readonly name = "ActivityHasParticipantsError";
  readonly code: CommunityCentreErrorCode = "activity_has_participants";
  constructor(seatsTaken: number) {
    super(
      `the activity has ${seatsTaken} enrolled participant(s); end their enrolments before cancelling it`,
    );
  }
}

export class CapacityBelowSeatsError extends CommunityCentreDomainError {
  override readonly name = "CapacityBelowSeatsError";
  readonly code: CommunityCentreErrorCode = "capacity_below_seats_taken";
  constructor(capacity: number, seatsTaken: number) {
    super(`capacity ${capacity} is below the ${seatsTaken} seat(s) already taken`);
  }
}

/** Only an accepted (or in-progress) referral received by the organisation can take a seat. */
export class ReferralNotEnrollableError extends CommunityCentreDomainError {
  override readonly name = "ReferralNotEnrollableError";
  readonly code: CommunityCentreErrorCode = "referral_not_enrollable";
  constructor(referralId: string, status: string) {
    super(`referral ${referralId} is ${status}; only an accepted or in-progress referral can be enrolled`);
  }
}

export class ServiceTypeMismatchError extends CommunityCentreDomainError {
  override readonly name = "ServiceTypeMismatchError";
  readonly code: CommunityCentreErrorCode = "service_type_mismatch";
  constructor(referralType: string, activityType: string) {
    super(`the referral asks for ${referralType}; the activity serves ${activityType}`);
  }
}

/** The person's (banded) age or sex is outside what the activity admits. */
export class NotEligibleError extends CommunityCentreDomainError {
  override readonly name = "NotEligibleError";
  readonly code: CommunityCentreErrorCode = "not_eligible";
  constructor(readonly reasons: readonly string[]) {
    super(`the person is not eligible for the activity: ${reasons.join("; ")}`);
  }
}

export class AlreadyEnrolledError extends CommunityCentreDomainError {
  override readonly name = "AlreadyEnrolledError";
  readonly code: CommunityCentreErrorCode = "already_enrolled";
  constructor(what: string) {
    super(what);
  }
}

export class EnrolmentNotActiveError extends CommunityCentreDomainError {
  override readonly name = "EnrolmentNotActiveError";
  readonly code: CommunityCentreErrorCode = "enrolment_not_active";
  constructor(enrolmentId: string, status: string, action: string) {
    super(`enrolment ${enrolmentId} is ${status}; ${action}`);
  }
}

/** A request field that breaks a domain rule, named in its proto spelling. */
export interface RuleViolation {
  field: string;
  description: string;
}
