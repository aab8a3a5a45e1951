import { AgeBand, type Disaggregation, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { OutcomeCode, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { EnrolmentStatus } from "@kopru/contracts/communitycentre/v1/activity";
import { statusName as referralStatusName } from "@kopru/referral/domain";
import { type ActivityState, isEnrolling, statusName } from "./activity.js";
import {
  ActivityClosedError,
  ActivityFullError,
  EnrolmentNotActiveError,
  NotEligibleError,
  ReferralNotEnrollableError,
  type RuleViolation,
  ServiceTypeMismatchError,
} from "./errors.js";

/** Referral statuses from which the person can take a seat: the organisation agreed to serve them. */
export const ENROLLABLE_REFERRAL_STATUSES: readonly ReferralStatus[] = Object.freeze([
  ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
]);

/** Ages (inclusive) an age band covers; the last band is open-ended. */
const AGE_BANDS: Readonly<Record<number, readonly [number, number]>> = {
  [AgeBand.AGE_BAND_0_4]: [0, 4],
  [AgeBand.AGE_BAND_5_11]: [5, 11],
  [AgeBand.AGE_BAND_12_17]: [12, 17],
  [AgeBand.AGE_BAND_18_24]: [18, 24],
  [AgeBand.AGE_BAND_25_49]: [25, 49],
  [AgeBand.AGE_BAND_50_59]: [50, 59],
  [AgeBand.AGE_BAND_60_PLUS]: [60, Number.POSITIVE_INFINITY],
};

export interface Admission {
  minAge: number | undefined;
  maxAge: number | undefined;
  sexes: readonly Sex[];
}

/**
 * Why the person (known only by disaggregation bands) is outside what the activity admits; empty when
 * they may be admitted. An unknown band or sex never excludes: staff decide at the door.
 */
export function eligibilityProblems(
  person: Pick<Disaggregation, "ageBand" | "sex">,
  activity: Admission,
): string[] {
  const problems: string[] = [];
  const band = AGE_BANDS[person.ageBand];
  if (band) {
    if (activity.minAge !== undefined && band[1] < activity.minAge)
      problems.push(`the activity is for ages ${activity.minAge} and over`);
    if (activity.maxAge !== undefined && band[0] > activity.maxAge)
      problems.push(`the activity is for ages up to ${activity.maxAge}`);
  }
  if (
    activity.sexes.length > 0 &&
    person.sex !== Sex.SEX_UNSPECIFIED &&
    person.sex !== Sex.SEX_OTHER_OR_NOT_STATED &&
    !activity.sexes.includes(person.sex)
  )
    problems.push("the activity is for another group (sex)");
  return problems;
}

const serviceName = (s: ServiceType) =>
  (ServiceType[s] ?? String(s)).replace("SERVICE_TYPE_", "").toLowerCase();

/**
 * Whether the person of a referral may take a seat in an activity, and what it does to the activity:
 * the referral must be accepted (or in progress) and ask for what the activity serves, the person must
 * be eligible, the activity must take enrolments and have a free seat. Returns the activity with the
 * seat taken.
 */
export function takeSeat<T extends ActivityState & Admission & { serviceType: ServiceType }>(
  activity: T,
  referral: {
    referralId: string;
    status: ReferralStatus;
    serviceType: ServiceType;
    disaggregation: Disaggregation;
  },
): T {
  if (!ENROLLABLE_REFERRAL_STATUSES.includes(referral.status))
    throw new ReferralNotEnrollableError(referral.referralId, referralStatusName(referral.status));
  if (!isEnrolling(activity.status))
    throw new ActivityClosedError(activity.activityId, statusName(activity.status), "it takes no enrolments");
  if (referral.serviceType !== activity.serviceType)
    throw new ServiceTypeMismatchError(serviceName(referral.serviceType), serviceName(activity.serviceType));
  const problems = eligibilityProblems(referral.disaggregation, activity);
  if (problems.length > 0) throw new NotEligibleError(problems);
  if (activity.seatsTaken >= activity.capacity)
    throw new ActivityFullError(activity.activityId, activity.capacity);
  return { ...activity, seatsTaken: activity.seatsTaken + 1 };
}

export interface EnrolmentState {
  enrolmentId: string;
  status: EnrolmentStatus;
  endedAt: Date | undefined;
  certificateIssued: boolean;
}

export function enrolmentStatusName(status: EnrolmentStatus): string {
  return (EnrolmentStatus[status] ?? String(status))
    .replace("ENROLMENT_STATUS_", "")
    .toLowerCase()
    .replaceAll("_", " ");
}

/** The rules of the CompleteEnrolment request itself. */
export function endingViolations(request: {
  status: EnrolmentStatus;
  certificateIssued: boolean;
}): RuleViolation[] {
  const v: RuleViolation[] = [];
  if (
    request.status !== EnrolmentStatus.ENROLMENT_STATUS_COMPLETED &&
    request.status !== EnrolmentStatus.ENROLMENT_STATUS_DROPPED_OUT
  )
    v.push({
      field: "status",
      description: "must be ENROLMENT_STATUS_COMPLETED or ENROLMENT_STATUS_DROPPED_OUT",
    });
  else if (request.certificateIssued && request.status !== EnrolmentStatus.ENROLMENT_STATUS_COMPLETED)
    v.push({ field: "certificate_issued", description: "can be set only when the enrolment is completed" });
  return v;
}

/**
 * Ends an enrolment as completed or dropped out. Ending it again the same way changes nothing (a
 * retried call); ending an ended enrolment differently is refused.
 */
export function endEnrolment<T extends EnrolmentState>(
  enrolment: T,
  ending: { status: EnrolmentStatus; certificateIssued: boolean },
  at: Date,
): { changed: boolean; enrolment: T } {
  if (enrolment.status !== EnrolmentStatus.ENROLMENT_STATUS_ENROLLED) {
    if (enrolment.status === ending.status && enrolment.certificateIssued === ending.certificateIssued)
      return { changed: false, enrolment };
    throw new EnrolmentNotActiveError(
      enrolment.enrolmentId,
      enrolmentStatusName(enrolment.status),
      "it has already ended",
    );
  }
  return {
    changed: true,
    enrolment: {
      ...enrolment,
      status: ending.status,
      certificateIssued: ending.certificateIssued,
      endedAt: at,
    },
  };
}

export function freeSeat<T extends ActivityState>(activity: T): T {
  return { ...activity, seatsTaken: Math.max(0, activity.seatsTaken - 1) };
}

/**
 * What the referral's outcome is when its enrolment ends: a completed course, or a course the person
 * attended in part. The referral is completed with these codes (it was in progress since enrolment).
 */
export function referralOutcomes(ending: EnrolmentStatus): OutcomeCode[] {
  return ending === EnrolmentStatus.ENROLMENT_STATUS_COMPLETED
    ? [OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE, OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED]
    : [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL, OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE];
}

export function assertEnrolled(enrolment: EnrolmentState, action: string): void {
  if (enrolment.status !== EnrolmentStatus.ENROLMENT_STATUS_ENROLLED)
    throw new EnrolmentNotActiveError(enrolment.enrolmentId, enrolmentStatusName(enrolment.status), action);
}
