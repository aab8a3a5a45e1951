import { describe, expect, it } from "vitest";
import { weeksAndDays } from "../src/adapters/persistence/figure-rollup.js";

describe("the rollup's weeks and days", () => {
  it("covers a range with the whole weeks inside it (from a Monday) and days around them, each day once", () => {
    // Saturday 28 November to Sunday 20 December 2026 (exclusive).
    const periods = weeksAndDays("2026-11-28", "2026-12-20");
    expect(periods).toEqual([
      { grain: "d", period: "2026-11-28" },
      { grain: "d", period: "2026-11-29" },
      { grain: "w", period: "2026-11-30" },
      { grain: "w", period: "2026-12-07" },
      ...["14", "15", "16", "17", "18", "19"].map((d) => ({ grain: "d", period: `2026-12-${d}` })),
    ]);
  });

  it("reads no week that would reach past the range, and nothing for an empty one", () => {
    expect(weeksAndDays("2026-12-07", "2026-12-13").every((p) => p.grain === "d")).toBe(true);
    expect(weeksAndDays("2026-12-07", "2026-12-14")).toEqual([{ grain: "w", period: "2026-12-07" }]);
    expect(weeksAndDays("2026-12-07", "2026-12-07")).toEqual([]);
  });
});
