/**
 * The community centre's domain failures. Each has a stable `code`; the gRPC adapter registers them
 * all as FAILED_PRECONDITION (valid requests that the records' state does not allow).
 */
export const DOMAIN_ERROR_CODES = [
  "activity_full",
  "activity_closed",
  "activity_status_change_not_allowed",
  "activity_has_participants",
  "capacity_below_seats_taken",
  "referral_not_enrollable",
  "service_type_mismatch",
  "not_eligible",
  "already_enrolled",
  "enrolment_not_active",
] as const;
export type CommunityCentreErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export abstract class CommunityCentreDomainError extends Error {
  abstract readonly code: CommunityCentreErrorCode;
}

/** No free seat: enrol elsewhere, or put the referral on hold (ON_HOLD_REASON_CAPACITY_FULL) in the inbox. */
export class ActivityFullError extends CommunityCentreDomainError {
  override readonly name = "ActivityFullError";
  readonly code = "activity_full";
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
  readonly code = "activity_closed";
  constructor(activityId: string, status: string, action: string) {
    super(`activity ${activityId} is ${status}; ${action}`);
  }
}

export class ActivityStatusChangeError extends CommunityCentreDomainError {
  override readonly name = "ActivityStatusChangeError";
  readonly code = "activity_status_change_not_allowed";
  constructor(from: string, to: string) {
    super(`an activity that is ${from} cannot become ${to}`);
  }
}

/** Cancelling an activity would silently strand its participants: end their enrolments first. */
export class ActivityHasParticipantsError extends CommunityCentreDomainError {
  override readonly name = "ActivityHasParticipantsError";
  readonly code = "activity_has_participants";
  constructor(seatsTaken: number) {
    super(
      `the activity has ${seatsTaken} enrolled participant(s); end their enrolments before cancelling it`,
    );
  }
}

export class CapacityBelowSeatsError extends CommunityCentreDomainError {
  override readonly name = "CapacityBelowSeatsError";
  readonly code = "capacity_below_seats_taken";
  constructor(capacity: number, seatsTaken: number) {
    super(`capacity ${capacity} is below the ${seatsTaken} seat(s) already taken`);
  }
}

/** Only an accepted (or in-progress) referral received by the organisation can take a seat. */
export class ReferralNotEnrollableError extends CommunityCentreDomainError {
  override readonly name = "ReferralNotEnrollableError";
  readonly code = "referral_not_enrollable";
  constructor(referralId: string, status: string) {
    super(`referral ${referralId} is ${status}; only an accepted or in-progress referral can be enrolled`);
  }
}

export class ServiceTypeMismatchError extends CommunityCentreDomainError {
  override readonly name = "ServiceTypeMismatchError";
  readonly code = "service_type_mismatch";
  constructor(referralType: string, activityType: string) {
    super(`the referral asks for ${referralType}; the activity serves ${activityType}`);
  }
}

/** The person's (banded) age or sex is outside what the activity admits. */
export class NotEligibleError extends CommunityCentreDomainError {
  override readonly name = "NotEligibleError";
  readonly code = "not_eligible";
  constructor(readonly reasons: readonly string[]) {
    super(`the person is not eligible for the activity: ${reasons.join("; ")}`);
  }
}

export class AlreadyEnrolledError extends CommunityCentreDomainError {
  override readonly name = "AlreadyEnrolledError";
  readonly code = "already_enrolled";
  constructor(what: string) {
    super(what);
  }
}

export class EnrolmentNotActiveError extends CommunityCentreDomainError {
  override readonly name = "EnrolmentNotActiveError";
  readonly code = "enrolment_not_active";
  constructor(enrolmentId: string, status: string, action: string) {
    super(`enrolment ${enrolmentId} is ${status}; ${action}`);
  }
}

/** A request field that breaks a domain rule, named in its proto spelling. */
export interface RuleViolation {
  field: string;
  description: string;
}
