import { describe, expect, it } from "vitest";
import { type BulkResult, mapLimited, orderResults, planBulk, summariseBulk } from "./bulk.js";

describe("planBulk", () => {
  it("acknowledges only what is still requested", () => {
    expect(planBulk("acknowledge", "REFERRAL_STATUS_REQUESTED")).toEqual({
      kind: "run",
      steps: ["acknowledge"],
    });
    expect(planBulk("acknowledge", "REFERRAL_STATUS_RECEIVED")).toEqual({ kind: "already" });
    expect(planBulk("acknowledge", "REFERRAL_STATUS_ACCEPTED")).toEqual({ kind: "already" });
    expect(planBulk("acknowledge", undefined)).toEqual({ kind: "notAllowed" });
  });
  it("accepts from received and on hold, acknowledging a requested one first", () => {
    expect(planBulk("accept", "REFERRAL_STATUS_REQUESTED")).toEqual({
      kind: "run",
      steps: ["acknowledge", "accept"],
    });
    expect(planBulk("accept", "REFERRAL_STATUS_RECEIVED")).toEqual({ kind: "run", steps: ["accept"] });
    expect(planBulk("accept", "REFERRAL_STATUS_ON_HOLD")).toEqual({ kind: "run", steps: ["accept"] });
    expect(planBulk("accept", "REFERRAL_STATUS_IN_PROGRESS")).toEqual({ kind: "already" });
    expect(planBulk("accept", "REFERRAL_STATUS_DECLINED")).toEqual({ kind: "notAllowed" });
    expect(planBulk("accept", "REFERRAL_STATUS_EXPIRED")).toEqual({ kind: "notAllowed" });
  });
});

describe("summariseBulk and orderResults", () => {
  const results: BulkResult[] = [
    { referralId: "a", outcome: "done", status: "REFERRAL_STATUS_ACCEPTED" },
    { referralId: "b", outcome: "failed", code: "unknown", message: "boom" },
    { referralId: "c", outcome: "already" },
    { referralId: "d", outcome: "conflict" },
    { referralId: "e", outcome: "done", status: "REFERRAL_STATUS_ACCEPTED" },
    { referralId: "f", outcome: "notAllowed", status: "REFERRAL_STATUS_DECLINED" },
  ];
  it("counts each outcome", () => {
    expect(summariseBulk(results)).toEqual({
      total: 6,
      done: 2,
      already: 1,
      notAllowed: 1,
      conflict: 1,
      failed: 1,
    });
    expect(summariseBulk([])).toEqual({
      total: 0,
      done: 0,
      already: 0,
      notAllowed: 0,
      conflict: 0,
      failed: 0,
    });
  });
  it("lists failures first, otherwise keeps the selection order", () => {
    expect(orderResults(results).map((r) => r.referralId)).toEqual(["b", "d", "f", "c", "a", "e"]);
  });
});

describe("mapLimited", () => {
  it("keeps input order and never runs more than the limit at once", async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});
