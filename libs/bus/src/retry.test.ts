import { describe, expect, it } from "vitest";
import { backoffDelay, sleep } from "./retry.js";

describe("backoffDelay", () => {
  it("stays between half and all of the capped exponential ceiling", () => {
    for (let attempt = 0; attempt <= 40; attempt++) {
      const ceiling = Math.min(30_000, 200 * 2 ** Math.max(0, attempt - 1));
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(attempt);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling / 2));
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it("honours base and cap, and never returns NaN or Infinity for huge attempts", () => {
    for (let i = 0; i < 200; i++) {
      const first = backoffDelay(1, { baseMs: 100, maxMs: 1_000 });
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      const late = backoffDelay(10_000, { baseMs: 100, maxMs: 1_000 });
      expect(late).toBeGreaterThanOrEqual(500);
      expect(late).toBeLessThanOrEqual(1_000);
    }
  });

  it("spreads retries (jitter), so instances do not retry in lockstep", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(8)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe("sleep", () => {
  it("returns at once when the signal aborts", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = sleep(10_000, controller.signal);
    controller.abort();
    await pending;
    expect(Date.now() - started).toBeLessThan(1_000);
    await sleep(10_000, controller.signal); // already aborted
  });
});
