import type { FigureRow } from "@kopru/contracts/coordination/v1/tracking";
import { describe, expect, it } from "vitest";
import { type FigureCounts, figureRow, rate, suppressSmallCells } from "../src/domain/figures.js";

const key = { serviceType: 0, priority: 0, sex: 0, ageBand: 0, disabilityStatus: 0 };

function counts(partial: Partial<FigureCounts>): FigureCounts {
  return {
    requested: 0,
    acknowledged: 0,
    accepted: 0,
    declined: 0,
    onHold: 0,
    completed: 0,
    notCompleted: 0,
    cancelled: 0,
    redirected: 0,
    expired: 0,
    open: 0,
    overdue: 0,
    assigned: 0,
    followUpOverdue: 0,
    outcomeReceived: 0,
    outcomePartlyReceived: 0,
    outcomeNotReceived: 0,
    notReceivedReasons: [],
    timeToAccept: { sampleCount: 0 },
    timeToComplete: { sampleCount: 0 },
    ...partial,
  };
}

const rowOf = (requested: number, id: string): FigureRow =>
  figureRow({ ...key, targetOrganisationId: id }, counts({ requested, acknowledged: requested }));

describe("rates", () => {
  it("divides, and is unset rather than NaN when nothing was measured", () => {
    expect(rate(2, 4)).toBe(0.5);
    expect(rate(0, 0)).toBeUndefined();
  });

  it("follow the contract's definitions", () => {
    const row = figureRow(
      key,
      counts({
        requested: 10,
        acknowledged: 8,
        accepted: 6,
        declined: 2,
        completed: 3,
        notCompleted: 1,
        expired: 2,
        timeToAccept: { sampleCount: 6, p50Seconds: 3600, p90Seconds: 7200, p95Seconds: 7300 },
      }),
    );
    expect(row.acknowledgedRate).toBe(0.8); // acknowledged / requested
    expect(row.acceptanceRate).toBe(0.75); // accepted / (accepted + declined)
    expect(row.completionRate).toBe(0.75); // completed / (completed + not_completed)
    expect(row.expiryRate).toBe(0.2); // expired / requested
    expect(row.timeToAccept).toEqual({
      sampleCount: 6,
      p50Seconds: 3600,
      p90Seconds: 7200,
      p95Seconds: 7300,
    });
    expect(row.timeToComplete).toEqual({ sampleCount: 0 });
  });

  it("leave acceptance and completion unset while no referral was answered or closed", () => {
    const row = figureRow(key, counts({ requested: 3, acknowledged: 1 }));
    expect(row.acceptanceRate).toBeUndefined();
    expect(row.completionRate).toBeUndefined();
    expect(row.expiryRate).toBe(0);
  });
});

describe("small-cell suppression", () => {
  it("withholds every count, rate and duration of a small group but keeps its key", () => {
    const small = figureRow(
      { ...key, nationality: "AF" },
      counts({ requested: 2, accepted: 2, timeToAccept: { sampleCount: 2, p50Seconds: 60 } }),
    );
    const { rows } = suppressSmallCells([small, rowOf(9, "a"), rowOf(8, "b")], rowOf(19, ""), 5);
    expect(rows[0]).toMatchObject({
      key: { nationality: "AF" },
      suppressed: true,
      requested: 0,
      accepted: 0,
    });
    expect(rows[0]?.acceptanceRate).toBeUndefined();
    expect(rows[0]?.timeToAccept).toEqual({ sampleCount: 0 });
  });

  it("also withholds the next smallest group when one withheld group could be recovered from the total", () => {
    const { rows, total } = suppressSmallCells(
      [rowOf(2, "a"), rowOf(9, "b"), rowOf(6, "c")],
      rowOf(17, ""),
      5,
    );
    expect(rows.map((r) => r.suppressed)).toEqual([true, false, true]);
    expect(total.suppressed).toBe(false);
    expect(total.requested).toBe(17);
  });

  it("needs no complementary suppression when two groups are already withheld", () => {
    const { rows } = suppressSmallCells([rowOf(2, "a"), rowOf(3, "b"), rowOf(9, "c")], rowOf(14, ""), 5);
    expect(rows.map((r) => r.suppressed)).toEqual([true, true, false]);
  });

  it("withholds a small total, and nothing at all with a minimum cell size of 1", () => {
    expect(suppressSmallCells([], rowOf(3, ""), 5).total.suppressed).toBe(true);
    expect(suppressSmallCells([], rowOf(0, ""), 5).total.suppressed).toBe(false);
    const open = suppressSmallCells([rowOf(1, "a"), rowOf(2, "b")], rowOf(3, ""), 1);
    expect([...open.rows, open.total].some((r) => r.suppressed)).toBe(false);
  });
});
