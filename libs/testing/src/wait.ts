import { setTimeout as sleep } from "node:timers/promises";
import { WaitForTimeoutError } from "./errors.js";

export interface WaitForOptions {
  /** Give up after this long. Default 10 000 ms. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50 ms. */
  intervalMs?: number;
  /** What is awaited, in words; it becomes the timeout error's message. */
  message?: string;
}

/**
 * Polls until `predicate` returns a truthy value and resolves with it. A predicate that throws
 * counts as "not yet" (a server still starting throws ECONNREFUSED); the last error becomes the
 * timeout error's `cause`, so a test that times out still shows why.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  options: WaitForOptions = {},
): Promise<Exclude<T, false | 0 | "" | null | undefined>> {
  const { timeoutMs = 10_000, intervalMs = 50, message = "a condition" } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const value = await predicate();
      if (value) return value as Exclude<T, false | 0 | "" | null | undefined>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new WaitForTimeoutError(
        `Timed out after ${timeoutMs} ms (${attempts} attempts) waiting for ${message}${why}`,
        lastError === undefined ? undefined : { cause: lastError },
      );
    }
    await sleep(Math.min(intervalMs, left));
  }
}
