import type { Database } from "@kopru/storage";
import { failureName, type MatchingDeps, sendRegistration } from "./matching.js";
import type { Clock, LogPort } from "./ports.js";

/**
 * Sends every registration and removal the matching service has not acknowledged, oldest due first,
 * each retried with a growing delay. Woken after a commit that queued one; polls otherwise, so what
 * was queued while the matching service (or intake) was down goes out once both are up.
 */
export class MatchingSyncWorker {
  #abort = new AbortController();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(
    private readonly options: {
      db: Database;
      matching: MatchingDeps;
      clock: Clock;
      logger: LogPort;
      pollIntervalMs?: number;
    },
  ) {}

  start(): void {
    if (this.#loop) return;
    this.#abort = new AbortController();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
  }

  wake(): void {
    this.#wake?.();
  }

  /** Sends what is due now; returns how many were acknowledged. */
  async round(): Promise<number> {
    const { db, matching, clock, logger } = this.options;
    let sent = 0;
    for (const registration of await matching.registrations.pending(db, clock.now(), 50)) {
      if (this.#abort.signal.aborted) break;
      try {
        await sendRegistration(matching, db, registration, () => clock.now());
        sent += 1;
      } catch (error) {
        logger.warn(
          { event: "matching_send_failed", failure: failureName(error), attempts: registration.attempts + 1 },
          "the matching service did not take a registration; it is retried",
        );
      }
    }
    return sent;
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        await this.round();
      } catch (error) {
        this.options.logger.warn(
          { event: "matching_round_failed", failure: failureName(error) },
          "matching round failed",
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.options.pollIntervalMs ?? 2_000);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
  }
}
