import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "./errors.js";
import { validate } from "./validate.js";

function violationsOf(run: () => void): { field: string; description: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return [...error.violations];
    throw error;
  }
  return [];
}

describe("validate().date", () => {
  it("accepts the first and last instants PostgreSQL and ISO text can both hold", () => {
    const first = new Date("0001-01-01T00:00:00.000Z");
    const last = new Date("9999-12-31T23:59:59.999Z");
    expect(violationsOf(() => validate().date(first, "since").date(last, "until").done())).toEqual([]);
  });

  it("refuses a year before 1 or after 9999, naming the field", () => {
    const yearZero = new Date("0000-12-31T23:59:59.999Z");
    const year10000 = new Date("+010000-01-01T00:00:00.000Z");
    expect(violationsOf(() => validate().date(yearZero, "since").date(year10000, "until").done())).toEqual([
      { field: "since", description: "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z" },
      { field: "until", description: "must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z" },
    ]);
  });

  it("refuses an instant no Date can represent, and a missing required one", () => {
    expect(
      violationsOf(() =>
        validate().date(new Date(Number.NaN), "recorded_at").date(undefined, "expires_at").done(),
      ),
    ).toEqual([
      { field: "recorded_at", description: "is not a valid timestamp" },
      { field: "expires_at", description: "is required" },
    ]);
  });
});
