import { Weekday } from "@kopru/contracts/referral/v1/package";
import { describe, expect, it } from "vitest";
import { checkContactAttempt, describeWindow, nextWindow, safeWindowProblems } from "./safe-contact.js";

// Istanbul is UTC+3 all year: 10:00 local = 07:00Z. 2026-12-07 is a Monday.
const weekdaysMorning = {
  days: [
    Weekday.WEEKDAY_MONDAY,
    Weekday.WEEKDAY_TUESDAY,
    Weekday.WEEKDAY_WEDNESDAY,
    Weekday.WEEKDAY_THURSDAY,
    Weekday.WEEKDAY_FRIDAY,
  ],
  startMinute: 600,
  endMinute: 720,
};
const saturdayEvening = { days: [Weekday.WEEKDAY_SATURDAY], startMinute: 1_080, endMinute: 1_200 };

describe("checkContactAttempt", () => {
  it("refuses every attempt when the person is not safe to contact, windows or not", () => {
    const at = new Date("2026-12-07T08:00:00Z");
    expect(checkContactAttempt({ safeToContact: false, safeWindows: [] }, at)).toEqual({
      allowed: false,
      reason: "not_safe_to_contact",
    });
    expect(checkContactAttempt({ safeToContact: false, safeWindows: [weekdaysMorning] }, at).allowed).toBe(
      false,
    );
  });

  it("allows any time when safe and no windows are given", () => {
    expect(
      checkContactAttempt({ safeToContact: true, safeWindows: [] }, new Date("2026-12-06T23:30:00Z")),
    ).toEqual({ allowed: true });
  });

  it("reads the windows in Istanbul time: start inclusive, end exclusive", () => {
    const contact = { safeToContact: true, safeWindows: [weekdaysMorning] };
    expect(checkContactAttempt(contact, new Date("2026-12-07T07:00:00Z")).allowed).toBe(true); // Mon 10:00
    expect(checkContactAttempt(contact, new Date("2026-12-07T08:59:00Z")).allowed).toBe(true); // Mon 11:59
    expect(checkContactAttempt(contact, new Date("2026-12-07T09:00:00Z")).allowed).toBe(false); // Mon 12:00
    expect(checkContactAttempt(contact, new Date("2026-12-07T06:59:00Z")).allowed).toBe(false); // Mon 09:59
    // 22:30Z on Sunday is 01:30 on Monday in Istanbul: a Monday, but outside the hours.
    expect(checkContactAttempt(contact, new Date("2026-12-06T22:30:00Z")).allowed).toBe(false);
  });

  it("names the next window when outside: later the same day, the next day, after the weekend", () => {
    const contact = { safeToContact: true, safeWindows: [weekdaysMorning, saturdayEvening] };
    const early = checkContactAttempt(contact, new Date("2026-12-07T05:00:00Z")); // Mon 08:00
    expect(early).toMatchObject({ reason: "outside_safe_contact_window" });
    expect(early.allowed === false && early.reason === "outside_safe_contact_window" && early.next).toEqual({
      start: new Date("2026-12-07T07:00:00Z"),
      end: new Date("2026-12-07T09:00:00Z"),
      label: "Mon 10:00-12:00",
    });
    // Friday 13:00 → Saturday 18:00.
    expect(nextWindow(contact.safeWindows, new Date("2026-12-11T10:00:00Z"))?.start).toEqual(
      new Date("2026-12-12T15:00:00Z"),
    );
    // Saturday 21:00 → Monday 10:00.
    expect(nextWindow(contact.safeWindows, new Date("2026-12-12T18:00:00Z"))?.label).toBe("Mon 10:00-12:00");
  });

  it("finds this weekday's window a week later when today's has passed", () => {
    const mondays = [{ days: [Weekday.WEEKDAY_MONDAY], startMinute: 600, endMinute: 660 }];
    expect(nextWindow(mondays, new Date("2026-12-07T09:00:00Z"))?.start).toEqual(
      new Date("2026-12-14T07:00:00Z"),
    );
  });
});

describe("safe windows", () => {
  it("describe themselves for staff", () => {
    expect(describeWindow(weekdaysMorning)).toBe("Mon, Tue, Wed, Thu, Fri 10:00-12:00");
  });

  it("must name days, and hours within one day", () => {
    expect(safeWindowProblems([weekdaysMorning], "w")).toEqual([]);
    expect(
      safeWindowProblems(
        [
          { days: [], startMinute: 600, endMinute: 700 },
          { days: [Weekday.WEEKDAY_MONDAY], startMinute: 1_320, endMinute: 120 },
          { days: [9 as Weekday], startMinute: 1_500, endMinute: 1_600 },
        ],
        "w",
      ).map((p) => p.field),
    ).toEqual(["w[0].days", "w[1].end_minute", "w[2].days", "w[2].start_minute", "w[2].end_minute"]);
  });
});
