import { randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A seeded pseudo-random source (mulberry32): the same seed replays the same victims and the same
 * pauses, so a failure found once can be run again. The seed comes from `CHAOS_SEED` or is drawn.
 */
export function seededRandom(name: string): {
  seed: number;
  next: () => number;
  pick: <T>(items: readonly T[]) => T;
} {
  const fromEnv = process.env.CHAOS_SEED;
  const seed = fromEnv ? Number(fromEnv) >>> 0 : randomInt(1, 2 ** 31);
  // Printed before anything can fail, so the line is in the output of every failed run.
  console.log(`[chaos] ${name}: seed ${seed} (replay with CHAOS_SEED=${seed})`);
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { seed, next, pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number] };
}

export function envInt(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new Error(`${name} must be a positive integer, not ${value}`);
  return parsed;
}

/**
 * Runs `fault` on a schedule (a pause drawn from [minMs, maxMs] before each) until `signal` aborts.
 * The pause is a schedule, not a wait for correctness: every check after the chaos waits for states.
 * Resolves with the log of what was done (a fault returning undefined skipped its tick); a fault that
 * throws stops the loop and rejects.
 */
export async function faultLoop(
  options: { minMs: number; maxMs: number; random: () => number; signal: AbortSignal },
  fault: (round: number) => Promise<string | undefined>,
): Promise<string[]> {
  const log: string[] = [];
  const started = Date.now();
  for (let round = 1; !options.signal.aborted; round++) {
    const pause = options.minMs + Math.floor(options.random() * (options.maxMs - options.minMs + 1));
    await sleep(pause, undefined, { signal: options.signal }).catch(() => {});
    if (options.signal.aborted) break;
    const what = await fault(round);
    // A tick the fault skipped (its last victim still starting) is not worth a line.
    if (what === undefined) continue;
    const line = `+${((Date.now() - started) / 1000).toFixed(1)}s ${what}`;
    log.push(line);
    console.log(`[chaos] ${line}`);
  }
  return log;
}

/** Runs `work` on every item with at most `concurrency` in flight. */
export async function eachLimited<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let nextIndex = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (nextIndex < items.length) {
        const index = nextIndex++;
        await work(items[index] as T, index);
      }
    }),
  );
}

/**
 * Retries `attempt` until it resolves or `timeoutMs` passes: a call to a service that was just
 * killed fails (UNAVAILABLE, a reset, "not running") and is sent again, as a partner system would.
 * `retryable` says which errors mean "try again"; any other is a real failure.
 */
export async function untilAcknowledged<T>(
  what: string,
  attempt: () => Promise<T>,
  options: { timeoutMs: number; retryable: (error: unknown) => boolean },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  let delay = 50;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (error) {
      if (!options.retryable(error)) throw error;
      lastError = error;
    }
    await sleep(delay);
    delay = Math.min(1_000, delay * 2);
  }
  throw new Error(`${what} was not acknowledged within ${options.timeoutMs} ms`, { cause: lastError });
}
