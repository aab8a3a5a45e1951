import { describe, expect, it } from "vitest";
import { dateToTimestamp, fieldReason, isFuture, localDateTimeToTimestamp } from "./inputs.js";

describe("date inputs", () => {
  it("turns a calendar date into the instant it starts locally", () => {
    const ts = dateToTimestamp("2026-12-07");
    expect(ts).toBe(new Date(2026, 11, 7).toISOString());
    expect(dateToTimestamp("")).toBeUndefined();
    expect(dateToTimestamp("07/12/2026")).toBeUndefined();
  });
  it("turns a local date and time into an instant", () => {
    expect(localDateTimeToTimestamp("2026-12-07T10:30")).toBe(new Date(2026, 11, 7, 10, 30).toISOString());
    expect(localDateTimeToTimestamp("2026-12-07")).toBeUndefined();
  });
  it("knows the future, with a minute of grace", () => {
    const now = Date.parse("2026-12-07T10:00:00Z");
    expect(isFuture("2026-12-07T10:00:30Z", now)).toBe(false);
    expect(isFuture("2026-12-07T10:05:00Z", now)).toBe(true);
  });
});

describe("fieldReason", () => {
  const params = [
    { name: "assignee_actor_id", reason: "not a colleague" },
    { name: "outcomeCodes", reason: "at least one" },
  ];
  it("finds a field by its proto or JSON name", () => {
    expect(fieldReason(params, "assignee_actor_id")).toBe("not a colleague");
    expect(fieldReason(params, "outcome_codes")).toBe("at least one");
    expect(fieldReason(params, "reason")).toBeUndefined();
    expect(fieldReason(undefined, "reason")).toBeUndefined();
  });
});
