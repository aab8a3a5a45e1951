import { describe, expect, it } from "vitest";
import {
  type Activity,
  activityOffer,
  attendanceMarks,
  attendanceRate,
  canEndEnrolment,
  type Enrolment,
  enrolmentOfReferral,
  freeSeats,
} from "./enrolment.js";

const activity = (capacity: number, seatsTaken: number, status = "ACTIVITY_STATUS_SCHEDULED"): Activity => ({
  activityId: "a1",
  capacity,
  seatsTaken,
  status: status as Activity["status"],
});

describe("activityOffer", () => {
  it("enrols an accepted referral while a seat is free", () => {
    expect(freeSeats(activity(12, 11))).toBe(1);
    expect(activityOffer(activity(12, 11), "REFERRAL_STATUS_ACCEPTED", false)).toBe("enrol");
    expect(activityOffer(activity(12, 11), "REFERRAL_STATUS_IN_PROGRESS", false)).toBe("enrol");
    expect(activityOffer(activity(12, 11), "REFERRAL_STATUS_RECEIVED", false)).toBe("acceptFirst");
  });

  it("offers the waiting list for a full activity only before acceptance", () => {
    expect(activityOffer(activity(12, 12), "REFERRAL_STATUS_RECEIVED", false)).toBe("waitlist");
    expect(activityOffer(activity(12, 12), "REFERRAL_STATUS_ON_HOLD", false)).toBe("full");
    expect(activityOffer(activity(12, 12), "REFERRAL_STATUS_ACCEPTED", false)).toBe("full");
    expect(freeSeats(activity(10, 12))).toBe(0);
  });

  it("offers nothing for closed referrals, finished activities or an enrolled referral", () => {
    expect(activityOffer(activity(12, 1), "REFERRAL_STATUS_COMPLETED", false)).toBe("none");
    expect(
      activityOffer(activity(12, 1, "ACTIVITY_STATUS_FINISHED"), "REFERRAL_STATUS_ACCEPTED", false),
    ).toBe("none");
    expect(activityOffer(activity(12, 1), "REFERRAL_STATUS_IN_PROGRESS", true)).toBe("none");
  });
});

describe("enrolments and attendance", () => {
  const roster: Enrolment[] = [
    {
      enrolmentId: "e1",
      referralId: "r1",
      status: "ENROLMENT_STATUS_DROPPED_OUT",
      enrolledAt: "2026-10-01T00:00:00Z",
    },
    {
      enrolmentId: "e2",
      referralId: "r1",
      status: "ENROLMENT_STATUS_ENROLLED",
      enrolledAt: "2026-09-01T00:00:00Z",
    },
    {
      enrolmentId: "e3",
      referralId: "r2",
      status: "ENROLMENT_STATUS_ENROLLED",
      sessionsAttended: 3,
      sessionsHeld: 4,
    },
    { enrolmentId: "e4", referralId: "r3", status: "ENROLMENT_STATUS_COMPLETED" },
  ];

  it("finds the referral's active enrolment first", () => {
    expect(enrolmentOfReferral(roster, "r1")?.enrolmentId).toBe("e2");
    expect(enrolmentOfReferral(roster, "r3")?.enrolmentId).toBe("e4");
    expect(enrolmentOfReferral(roster, "r9")).toBeUndefined();
    expect(canEndEnrolment(roster[1])).toBe(true);
    expect(canEndEnrolment(roster[3])).toBe(false);
  });

  it("marks every enrolled participant, present unless chosen otherwise", () => {
    expect(attendanceMarks(roster, { e3: "ATTENDANCE_STATUS_EXCUSED" })).toEqual([
      { enrolmentId: "e2", status: "ATTENDANCE_STATUS_PRESENT" },
      { enrolmentId: "e3", status: "ATTENDANCE_STATUS_EXCUSED" },
    ]);
  });

  it("gives an attendance rate once sessions were held", () => {
    expect(attendanceRate(roster[2] as Enrolment)).toBe(0.75);
    expect(attendanceRate(roster[0] as Enrolment)).toBeUndefined();
  });
});
