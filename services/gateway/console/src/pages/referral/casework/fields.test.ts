import { describe, expect, it } from "vitest";
import { fieldReasons, localDateToInstant, nowLocalDateTime, parseCount } from "./fields.js";

describe("fieldReasons", () => {
  const error = {
    invalidParams: [
      { name: "amount.amountMinor", reason: "must be positive" },
      { name: "amount.currency", reason: "unknown currency" },
      { name: "actions[0].description", reason: "required" },
      { name: "durationMinutes", reason: "must be at most 600" },
    ],
  };

  it("ties the server's named fields to the form's inputs", () => {
    expect(fieldReasons(error, "amount")).toBe("must be positive; unknown currency");
    expect(fieldReasons(error, "actions")).toBe("required");
    expect(fieldReasons(error, "durationMinutes")).toBe("must be at most 600");
    expect(fieldReasons(error, "duration")).toBeUndefined();
    expect(fieldReasons(null, "amount")).toBeUndefined();
  });
});

describe("parsing", () => {
  it("reads whole numbers in Latin or Arabic-Indic digits", () => {
    expect(parseCount("45")).toBe(45);
    expect(parseCount("٤٥")).toBe(45);
    expect(parseCount("4.5")).toBeUndefined();
    expect(parseCount("")).toBeUndefined();
  });

  it("turns dates into instants and gives now as a local date-time", () => {
    expect(localDateToInstant("2026-12-31")).toMatch(/^2026-12-31T|^2027-01-01T|^2026-12-31/);
    expect(localDateToInstant("31/12/2026")).toBeUndefined();
    expect(nowLocalDateTime(new Date(2026, 0, 5, 9, 7))).toBe("2026-01-05T09:07");
  });
});
