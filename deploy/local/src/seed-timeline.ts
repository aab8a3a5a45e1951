import { createHash } from "node:crypto";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PlannedReferral, Step } from "./seed-plan.js";

// The demo network lives through the last SEED_DAYS days before it opens. Every service reads its
// business clock from one offset file (KOPRU_CLOCK_OFFSET_FILE, libs/service-kit): the seed sets it
// SEED_DAYS days back, makes each referral on its own day and each answer, start and completion some
// days later, and moves the clock on a day at a time until it is back at zero. Meanwhile the
// services' own durable timers fire as they would have: unanswered referrals expire, follow-ups
// come due and escalate. Nothing is written as "expired" by the seed; the timers do it.

/** How many days of history the demo network has when it opens. */
export const SEED_DAYS = 28;
const DAY_MS = 86_400_000;
/** The longest answer deadline (normal priority, 14 days), plus a day: past it, every priority expired. */
const EXPIRED_BY = 15;

/** The network's business clock offset file under the launcher's data directory. */
export function clockOffsetFile(dataDir: string): string {
  return join(dataDir, "clock-offset");
}

/** Sets the network's clock `offsetMs` from real time (0 removes the file: real time). */
export function setNetworkClock(file: string, offsetMs: number): void {
  if (offsetMs === 0) {
    rmSync(file, { force: true });
    return;
  }
  // Written aside and renamed, so a service never reads half a number.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, `${Math.round(offsetMs)}\n`);
  renameSync(partial, file);
}

/** The clock offset of day `day` of the seed (day SEED_DAYS is today). */
export function offsetOfDay(day: number): number {
  return -(SEED_DAYS - day) * DAY_MS;
}

/** A number in [min, max] that depends only on `key`, so a resumed seed replays the same days. */
function spread(key: string, min: number, max: number): number {
  const n = createHash("sha256").update(key).digest().readUInt32BE(0);
  return min + (n % (max - min + 1));
}

/**
 * The day a referral is made. Those planned to be still waiting for an answer are made today (an
 * emergency referral would otherwise expire overnight); those planned to expire are made early enough
 * for every priority's answer deadline to pass; the rest anywhere in the window.
 */
export function startDayOf(p: Pick<PlannedReferral, "key" | "finalState">): number {
  if (p.finalState === "received") return SEED_DAYS;
  if (p.finalState === "expired") return spread(`${p.key}/start`, 0, SEED_DAYS - EXPIRED_BY);
  return spread(`${p.key}/start`, 0, SEED_DAYS - 1);
}

/**
 * Days between the previous step and this one (`first`: the first step of a referral). Answers come
 * the same day (before the shortest answer deadline); work starts a few days after acceptance and ends days or weeks later, so some follow-ups
 * come due and escalate before the work is done.
 */
export function daysBefore(step: Step, key: string, first = false): number {
  switch (step.do) {
    case "accept":
    case "decline":
    case "hold":
    case "redirect":
      return 0;
    case "start":
      return spread(key, 1, 3);
    case "complete":
    case "notComplete":
      return spread(key, 2, 12);
    case "cancel":
      // Before any answer the referral must not have expired yet: cancelled the day it was made.
      return first ? 0 : spread(key, 0, 6);
    case "onward":
      return spread(key, 0, 2);
    case "outcome":
      return spread(key, 5, 20);
    case "assign":
    case "contactAttempt":
      // The supervisor assigns, and the caseworker calls, within a day or two of acceptance.
      return spread(key, 0, 1);
    case "updateContact":
      return spread(key, 1, 4);
  }
}

/** The day of the next step: `daysBefore` after `day`, never after today. */
export function nextDay(day: number, step: Step, key: string, first = false): number {
  return Math.min(SEED_DAYS, day + daysBefore(step, key, first));
}

/**
 * Runs many tasks along simulated days. A task waits for its day with `reach(day)`; `run()` moves the
 * clock to day 0, lets every task due that day run until each has finished or waits for a later day,
 * then moves to the next day, up to today. Only idle days are skipped quickly, never a busy one.
 */
export class SeedTimeline {
  private today = -1;
  private running = 0;
  private readonly parked = new Map<number, (() => void)[]>();
  private idle: (() => void) | undefined;
  private failure: unknown;
  private failed: ((error: unknown) => void) | undefined;

  constructor(
    private readonly days: number,
    private readonly setDay: (day: number) => void,
  ) {}

  /** Starts `work` as a task of the timeline; a failure stops `run()`. */
  task(work: () => Promise<void>): Promise<void> {
    this.running += 1;
    const done = (async () => {
      try {
        await work();
      } catch (error) {
        this.failure ??= error;
        this.failed?.(error);
      } finally {
        this.running -= 1;
        this.wake();
      }
    })();
    return done;
  }

  /** Resolves once the clock shows `day` (at once if it already does or has passed it). */
  reach(day: number): Promise<void> {
    if (day <= this.today) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiting = this.parked.get(day) ?? [];
      waiting.push(resolve);
      this.parked.set(day, waiting);
      this.running -= 1;
      this.wake();
    });
  }

  /** Moves through every day up to `days`, each once the previous one has no task running. */
  async run(onDay?: (day: number) => void): Promise<void> {
    for (let day = 0; day <= this.days; day++) {
      if (this.failure !== undefined) throw this.failure;
      this.setDay(day);
      this.today = day;
      onDay?.(day);
      const due = this.parked.get(day) ?? [];
      this.parked.delete(day);
      this.running += due.length;
      for (const resolve of due) resolve();
      await this.quiet();
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private quiet(): Promise<void> {
    if (this.running === 0 || this.failure !== undefined) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.idle = () => {
        this.idle = undefined;
        this.failed = undefined;
        resolve();
      };
      this.failed = (error) => {
        this.idle = undefined;
        this.failed = undefined;
        reject(error);
      };
    });
  }

  private wake(): void {
    if (this.running === 0) this.idle?.();
  }
}
