import { readFileSync, statSync } from "node:fs";

/** Time as the business rules see it (deadlines, timers); never read Date.now() for those. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * A clock running ahead of the system clock by the number of milliseconds written in `file`
 * (re-read when it changes). Lets an end-to-end test move a whole network of separate
 * processes past a 24-hour deadline without waiting; absent file means no offset.
 */
export function offsetFileClock(file: string): Clock {
  let cachedMtime = -1;
  let offset = 0;
  return {
    now() {
      try {
        const mtime = statSync(file).mtimeMs;
        if (mtime !== cachedMtime) {
          cachedMtime = mtime;
          const parsed = Number(readFileSync(file, "utf8").trim());
          offset = Number.isFinite(parsed) ? parsed : 0;
        }
      } catch {
        offset = 0;
      }
      return new Date(Date.now() + offset);
    },
  };
}
