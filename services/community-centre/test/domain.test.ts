import { AgeBand, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { OutcomeCode, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  ActivityKind,
  ActivityStatus,
  AttendanceStatus,
  EnrolmentStatus,
  Weekday,
} from "@kopru/contracts/communitycentre/v1/activity";
import { describe, expect, it } from "vitest";
import {
  type ActivityDraft,
  activityViolations,
  attendanceViolations,
  centreProfile,
  demoActivities,
  eligibilityProblems,
  endEnrolment,
  endingViolations,
  nextSession,
  referralOutcomes,
  scheduleViolations,
  statusAfterAttendance,
  takeSeat,
  updateActivity,
} from "../src/domain/index.js";

const NOW = new Date("2026-12-02T08:00:00Z"); // a Wednesday
const fields = (violations: { field: string }[]) => violations.map((v) => v.field);

const schedule = {
  firstSessionAt: new Date("2026-12-07T07:00:00Z"),
  lastSessionAt: undefined,
  days: [Weekday.WEEKDAY_MONDAY, Weekday.WEEKDAY_WEDNESDAY],
  startTime: "10:00",
  sessionMinutes: 90,
  timeZone: "Europe/Istanbul",
  totalSessions: 24,
};
const draft: ActivityDraft = {
  title: "Turkish A1",
  kind: ActivityKind.ACTIVITY_KIND_LANGUAGE_COURSE,
  serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
  language: "tr",
  level: "A1",
  capacity: 20,
  schedule,
  minAge: 16,
  maxAge: undefined,
  sexes: [],
};

function activity(overrides: Partial<ReturnType<typeof base>> = {}) {
  return { ...base(), ...overrides };
}
function base() {
  return {
    activityId: "a-1",
    status: ActivityStatus.ACTIVITY_STATUS_SCHEDULED,
    capacity: 2,
    seatsTaken: 0,
    serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
    minAge: 16 as number | undefined,
    maxAge: undefined as number | undefined,
    sexes: [] as Sex[],
  };
}
const referral = {
  referralId: "r-1",
  status: ReferralStatus.REFERRAL_STATUS_ACCEPTED,
  serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
  disaggregation: {
    sex: Sex.SEX_FEMALE,
    ageBand: AgeBand.AGE_BAND_25_49,
    disabilityStatus: 0,
    nationality: "SY",
    legalStatus: 0,
    provinceCode: "TUR027",
    districtCode: "",
  },
};

describe("centres and demo activities", () => {
  it("knows the two community centres, also under a suffixed id", () => {
    expect(centreProfile("cc-gaziantep-sahinbey")).toMatchObject({
      provinceCode: "TUR027",
      districtName: "Şahinbey",
    });
    expect(centreProfile("cc-sanliurfa-haliliye-t1a2b3")).toMatchObject({ provinceCode: "TUR063" });
    expect(centreProfile("cc-izmir")).toMatchObject({ name: "Community centre cc-izmir", provinceCode: "" });
  });

  it("seeds two or three valid activities per centre, each with a stable key", () => {
    for (const org of ["cc-gaziantep-sahinbey", "cc-sanliurfa-haliliye", "cc-elsewhere"]) {
      const demos = demoActivities(org, NOW);
      expect(demos.length).toBeGreaterThanOrEqual(2);
      expect(demos.length).toBeLessThanOrEqual(3);
      expect(new Set(demos.map((d) => d.key)).size).toBe(demos.length);
      for (const demo of demos) expect(activityViolations(demo)).toEqual([]);
    }
    const kinds = demoActivities("cc-gaziantep-sahinbey", NOW).map((d) => d.kind);
    expect(kinds).toEqual([
      ActivityKind.ACTIVITY_KIND_LANGUAGE_COURSE,
      ActivityKind.ACTIVITY_KIND_SKILLS_TRAINING,
      ActivityKind.ACTIVITY_KIND_PSYCHOSOCIAL,
    ]);
  });

  it("schedules the first session on the next given weekday, Istanbul time", () => {
    expect(nextSession(NOW, Weekday.WEEKDAY_MONDAY, "10:00").toISOString()).toBe("2026-12-07T07:00:00.000Z");
    // Never today, even if today is that weekday.
    expect(nextSession(NOW, Weekday.WEEKDAY_WEDNESDAY, "09:30").toISOString()).toBe(
      "2026-12-09T06:30:00.000Z",
    );
  });
});

describe("activity rules", () => {
  it("accepts a complete activity", () => {
    expect(activityViolations(draft)).toEqual([]);
  });

  it("names every field at fault, under activity.", () => {
    expect(
      fields(
        activityViolations({
          ...draft,
          title: " ",
          serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
          language: "Turkish",
          capacity: 0,
          minAge: 30,
          maxAge: 20,
          sexes: [0],
          schedule: {
            ...schedule,
            firstSessionAt: undefined,
            days: [],
            startTime: "25:00",
            sessionMinutes: 5,
            timeZone: "Mars/Olympus",
          },
        }),
      ),
    ).toEqual([
      "activity.title",
      "activity.service_type",
      "activity.language",
      "activity.capacity",
      "activity.max_age",
      "activity.sexes[0]",
      "activity.schedule.first_session_at",
      "activity.schedule.days",
      "activity.schedule.start_time",
      "activity.schedule.session_minutes",
      "activity.schedule.time_zone",
    ]);
    expect(fields(activityViolations({ ...draft, schedule: undefined }))).toEqual(["activity.schedule"]);
  });

  it("checks a schedule on its own, e.g. in an update", () => {
    expect(
      fields(
        scheduleViolations(
          {
            ...schedule,
            lastSessionAt: new Date("2026-01-01T00:00:00Z"),
            days: [Weekday.WEEKDAY_MONDAY, Weekday.WEEKDAY_MONDAY],
          },
          "schedule",
        ),
      ),
    ).toEqual(["schedule.last_session_at", "schedule.days"]);
  });

  it("changes capacity, never below the seats taken", () => {
    expect(updateActivity(activity({ seatsTaken: 2 }), { capacity: 5 }).capacity).toBe(5);
    expect(() => updateActivity(activity({ seatsTaken: 2 }), { capacity: 1 })).toThrow(
      expect.objectContaining({ code: "capacity_below_seats_taken" }),
    );
  });

  it("moves status forward only, and never cancels an activity with participants", () => {
    const running = updateActivity(activity(), { status: ActivityStatus.ACTIVITY_STATUS_RUNNING });
    expect(running.status).toBe(ActivityStatus.ACTIVITY_STATUS_RUNNING);
    expect(() => updateActivity(running, { status: ActivityStatus.ACTIVITY_STATUS_SCHEDULED })).toThrow(
      expect.objectContaining({ code: "activity_status_change_not_allowed" }),
    );
    expect(() =>
      updateActivity(activity({ seatsTaken: 1 }), { status: ActivityStatus.ACTIVITY_STATUS_CANCELLED }),
    ).toThrow(expect.objectContaining({ code: "activity_has_participants" }));
    const finished = updateActivity(running, { status: ActivityStatus.ACTIVITY_STATUS_FINISHED });
    expect(() => updateActivity(finished, { capacity: 10 })).toThrow(
      expect.objectContaining({ code: "activity_closed" }),
    );
  });

  it("starts a scheduled activity at its first attendance, and takes none when cancelled", () => {
    expect(statusAfterAttendance(activity())).toBe(ActivityStatus.ACTIVITY_STATUS_RUNNING);
    expect(() =>
      statusAfterAttendance(activity({ status: ActivityStatus.ACTIVITY_STATUS_CANCELLED })),
    ).toThrow(expect.objectContaining({ code: "activity_closed" }));
  });
});

describe("enrolment rules", () => {
  it("takes a seat for an accepted or in-progress referral", () => {
    expect(takeSeat(activity(), referral).seatsTaken).toBe(1);
    expect(
      takeSeat(activity({ seatsTaken: 1 }), {
        ...referral,
        status: ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
      }).seatsTaken,
    ).toBe(2);
  });

  it("refuses a full activity", () => {
    expect(() => takeSeat(activity({ seatsTaken: 2 }), referral)).toThrow(
      expect.objectContaining({ code: "activity_full" }),
    );
  });

  it("refuses a referral not (yet) accepted, another service type, or a closed activity", () => {
    for (const status of [
      ReferralStatus.REFERRAL_STATUS_RECEIVED,
      ReferralStatus.REFERRAL_STATUS_ON_HOLD,
      ReferralStatus.REFERRAL_STATUS_COMPLETED,
    ])
      expect(() => takeSeat(activity(), { ...referral, status })).toThrow(
        expect.objectContaining({ code: "referral_not_enrollable" }),
      );
    expect(() =>
      takeSeat(activity(), { ...referral, serviceType: ServiceType.SERVICE_TYPE_VOCATIONAL_TRAINING }),
    ).toThrow(expect.objectContaining({ code: "service_type_mismatch" }));
    expect(() => takeSeat(activity({ status: ActivityStatus.ACTIVITY_STATUS_FINISHED }), referral)).toThrow(
      expect.objectContaining({ code: "activity_closed" }),
    );
  });

  it("judges eligibility on bands: only a band wholly outside the ages, or another sex, excludes", () => {
    const admits = { minAge: 18, maxAge: 24, sexes: [Sex.SEX_FEMALE] };
    expect(eligibilityProblems({ ageBand: AgeBand.AGE_BAND_18_24, sex: Sex.SEX_FEMALE }, admits)).toEqual([]);
    expect(
      eligibilityProblems({ ageBand: AgeBand.AGE_BAND_12_17, sex: Sex.SEX_FEMALE }, admits),
    ).toHaveLength(1);
    expect(eligibilityProblems({ ageBand: AgeBand.AGE_BAND_25_49, sex: Sex.SEX_MALE }, admits)).toHaveLength(
      2,
    );
    expect(
      eligibilityProblems({ ageBand: AgeBand.AGE_BAND_UNSPECIFIED, sex: Sex.SEX_UNSPECIFIED }, admits),
    ).toEqual([]);
    expect(
      eligibilityProblems(
        { ageBand: AgeBand.AGE_BAND_60_PLUS, sex: Sex.SEX_FEMALE },
        { ...admits, maxAge: undefined },
      ),
    ).toEqual([]);
    // 12-17 overlaps "16 and over": staff decide.
    expect(
      eligibilityProblems(
        { ageBand: AgeBand.AGE_BAND_12_17, sex: Sex.SEX_MALE },
        { minAge: 16, maxAge: undefined, sexes: [] },
      ),
    ).toEqual([]);
    expect(() => takeSeat(activity({ sexes: [Sex.SEX_MALE] }), referral)).toThrow(
      expect.objectContaining({ code: "not_eligible" }),
    );
  });

  it("ends an enrolment once; the same ending again changes nothing", () => {
    const enrolled = {
      enrolmentId: "e-1",
      status: EnrolmentStatus.ENROLMENT_STATUS_ENROLLED,
      endedAt: undefined,
      certificateIssued: false,
    };
    const done = endEnrolment(
      enrolled,
      { status: EnrolmentStatus.ENROLMENT_STATUS_COMPLETED, certificateIssued: true },
      NOW,
    );
    expect(done).toMatchObject({
      changed: true,
      enrolment: { status: EnrolmentStatus.ENROLMENT_STATUS_COMPLETED, endedAt: NOW },
    });
    expect(
      endEnrolment(
        done.enrolment,
        { status: EnrolmentStatus.ENROLMENT_STATUS_COMPLETED, certificateIssued: true },
        NOW,
      ).changed,
    ).toBe(false);
    expect(() =>
      endEnrolment(
        done.enrolment,
        { status: EnrolmentStatus.ENROLMENT_STATUS_DROPPED_OUT, certificateIssued: false },
        NOW,
      ),
    ).toThrow(expect.objectContaining({ code: "enrolment_not_active" }));
  });

  it("ends as completed or dropped out only, with a certificate only for completion", () => {
    expect(
      endingViolations({ status: EnrolmentStatus.ENROLMENT_STATUS_COMPLETED, certificateIssued: true }),
    ).toEqual([]);
    expect(
      fields(
        endingViolations({ status: EnrolmentStatus.ENROLMENT_STATUS_ENROLLED, certificateIssued: false }),
      ),
    ).toEqual(["status"]);
    expect(
      fields(
        endingViolations({ status: EnrolmentStatus.ENROLMENT_STATUS_DROPPED_OUT, certificateIssued: true }),
      ),
    ).toEqual(["certificate_issued"]);
  });

  it("completes the referral with the outcome matching how the enrolment ended", () => {
    expect(referralOutcomes(EnrolmentStatus.ENROLMENT_STATUS_COMPLETED)).toEqual([
      OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE,
      OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED,
    ]);
    expect(referralOutcomes(EnrolmentStatus.ENROLMENT_STATUS_DROPPED_OUT)).toEqual([
      OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL,
      OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE,
    ]);
  });
});

describe("attendance rules", () => {
  const mark = (enrolmentId: string, status = AttendanceStatus.ATTENDANCE_STATUS_PRESENT) => ({
    enrolmentId,
    status,
  });

  it("takes one mark per participant for a session that has started", () => {
    expect(attendanceViolations({ sessionAt: NOW, marks: [mark("e-1"), mark("e-2")] }, NOW)).toEqual([]);
    expect(
      fields(
        attendanceViolations(
          {
            sessionAt: new Date(NOW.getTime() + 86_400_000),
            marks: [mark("e-1"), mark("e-1"), mark("e-2", 0)],
          },
          NOW,
        ),
      ),
    ).toEqual(["session_at", "marks[1].enrolment_id", "marks[2].status"]);
    expect(fields(attendanceViolations({ sessionAt: undefined, marks: [] }, NOW))).toEqual([
      "session_at",
      "marks",
    ]);
  });
});
