import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { planSeed } from "../src/seed-plan.js";
import {
  nextDay,
  offsetOfDay,
  SEED_DAYS,
  SeedTimeline,
  setNetworkClock,
  startDayOf,
} from "../src/seed-timeline.js";

const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the seed's days", () => {
  it("runs each day's work only once every earlier day's work is done, and the clock moves with it", async () => {
    const clock: number[] = [];
    const timeline = new SeedTimeline(3, (day) => clock.push(day));
    const log: string[] = [];
    let releaseSlow: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const tasks = [
      timeline.task(async () => {
        await timeline.reach(1);
        log.push(`a@${clock.at(-1)}`);
        await slow;
        log.push(`a done@${clock.at(-1)}`);
        await timeline.reach(3);
        log.push(`a again@${clock.at(-1)}`);
      }),
      timeline.task(async () => {
        await timeline.reach(2);
        log.push(`b@${clock.at(-1)}`);
      }),
    ];
    const running = timeline.run();
    // Day 1's task is still busy: day 2 must not come.
    await new Promise((resolve) => setImmediate(resolve));
    expect(clock).toEqual([0, 1]);
    releaseSlow();
    await running;
    await Promise.all(tasks);
    expect(clock).toEqual([0, 1, 2, 3]);
    expect(log).toEqual(["a@1", "a done@1", "b@2", "a again@3"]);
  });

  it("stops at the first task that fails", async () => {
    const timeline = new SeedTimeline(5, () => {});
    const failing = timeline.task(async () => {
      await timeline.reach(2);
      throw new Error("intake refused");
    });
    await expect(timeline.run()).rejects.toThrow("intake refused");
    await failing;
  });

  it("writes the network's clock offset, and real time removes it", () => {
    const dir = mkdtempSync(join(tmpdir(), "kopru-clock-"));
    dirs.push(dir);
    const file = join(dir, "clock-offset");
    setNetworkClock(file, offsetOfDay(0));
    expect(Number(readFileSync(file, "utf8"))).toBe(-SEED_DAYS * DAY);
    setNetworkClock(file, offsetOfDay(SEED_DAYS));
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it("makes the unanswered referrals early enough to expire, and those still waiting today", () => {
    const plan = planSeed({ now: new Date("2026-12-01T00:00:00Z") });
    for (const p of plan) {
      const start = startDayOf(p);
      if (p.finalState === "received") expect(start).toBe(SEED_DAYS);
      // Normal priority answers within 14 days: made 15 or more days before today, every one expires.
      else if (p.finalState === "expired") expect(SEED_DAYS - start).toBeGreaterThanOrEqual(15);
      else expect(start).toBeLessThan(SEED_DAYS);
      let day = start;
      for (const [i, step] of p.steps.entries()) {
        const next = nextDay(day, step, `${p.key} step ${i + 1}`, i === 0);
        expect(next).toBeGreaterThanOrEqual(day);
        expect(next).toBeLessThanOrEqual(SEED_DAYS);
        // An answer comes the day the referral arrives, before even an emergency deadline.
        if (["accept", "decline", "hold", "redirect", "cancel"].includes(step.do) && i === 0)
          expect(next).toBe(start);
        day = next;
      }
    }
  });
});
