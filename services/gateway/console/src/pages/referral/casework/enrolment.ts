import type { components } from "@kopru/contracts/openapi/console-api";

// Community-centre rules the console needs to decide what to offer: a referral is enrolled only
// once it is accepted (or in progress), into an activity with a free seat; a full activity instead
// offers the waiting list, which is the inbox's on-hold (capacity full) and only exists before
// acceptance. Attendance is recorded for participants still enrolled.

export type Activity = components["schemas"]["kopru.communitycentre.v1.Activity"];
export type Enrolment = components["schemas"]["kopru.communitycentre.v1.Enrolment"];
export type AttendanceStatus = components["schemas"]["kopru.communitycentre.v1.AttendanceStatus"];
export type AttendanceMark = components["schemas"]["kopru.communitycentre.v1.AttendanceMark"];

export function freeSeats(activity: Activity): number {
  return Math.max(0, (activity.capacity ?? 0) - (activity.seatsTaken ?? 0));
}

export function isFull(activity: Activity): boolean {
  return freeSeats(activity) === 0;
}

/** What the console offers for one activity, given the referral's status. */
export type ActivityOffer =
  | "enrol" // a seat is free and the referral is accepted or in progress
  | "acceptFirst" // a seat is free, but the referral must be accepted before enrolling
  | "waitlist" // full; the referral (still only received) can go on the waiting list
  | "full" // full, and the waiting list is no longer possible (accepted) or already used
  | "none"; // the referral is closed or already enrolled: nothing to do here

export function activityOffer(
  activity: Activity,
  referralStatus: string | undefined,
  alreadyEnrolled: boolean,
): ActivityOffer {
  const open =
    activity.status === "ACTIVITY_STATUS_SCHEDULED" || activity.status === "ACTIVITY_STATUS_RUNNING";
  if (!open || alreadyEnrolled) return "none";
  const enrollable =
    referralStatus === "REFERRAL_STATUS_ACCEPTED" || referralStatus === "REFERRAL_STATUS_IN_PROGRESS";
  const waiting =
    referralStatus === "REFERRAL_STATUS_RECEIVED" || referralStatus === "REFERRAL_STATUS_ON_HOLD";
  if (!enrollable && !waiting) return "none";
  if (!isFull(activity)) return enrollable ? "enrol" : "acceptFirst";
  return referralStatus === "REFERRAL_STATUS_RECEIVED" ? "waitlist" : "full";
}

/** The referral's current enrolment among an activity roster: an active one first, else the newest. */
export function enrolmentOfReferral(
  enrolments: readonly Enrolment[],
  referralId: string,
): Enrolment | undefined {
  const own = enrolments.filter((enrolment) => enrolment.referralId === referralId);
  return (
    own.find((enrolment) => enrolment.status === "ENROLMENT_STATUS_ENROLLED") ??
    [...own].sort((a, b) => (b.enrolledAt ?? "").localeCompare(a.enrolledAt ?? ""))[0]
  );
}

export function canEndEnrolment(enrolment: Enrolment | undefined): boolean {
  return enrolment?.status === "ENROLMENT_STATUS_ENROLLED";
}

/** Participants attendance is recorded for: those still enrolled. */
export function attendanceRoster(enrolments: readonly Enrolment[]): Enrolment[] {
  return enrolments.filter((enrolment) => enrolment.status === "ENROLMENT_STATUS_ENROLLED");
}

/** One mark per participant still enrolled; anyone not marked yet counts as present. */
export function attendanceMarks(
  enrolments: readonly Enrolment[],
  chosen: Readonly<Record<string, AttendanceStatus>>,
): AttendanceMark[] {
  return attendanceRoster(enrolments).map((enrolment) => ({
    enrolmentId: enrolment.enrolmentId ?? "",
    status: chosen[enrolment.enrolmentId ?? ""] ?? "ATTENDANCE_STATUS_PRESENT",
  }));
}

/** Attendance rate of an enrolment (0..1), or undefined before any session was held. */
export function attendanceRate(enrolment: Enrolment): number | undefined {
  const held = enrolment.sessionsHeld ?? 0;
  return held > 0 ? (enrolment.sessionsAttended ?? 0) / held : undefined;
}
