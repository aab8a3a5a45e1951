/** The service is at capacity: answered UNAVAILABLE (the catalogue's generic `unavailable`), nothing done. */
export class ServiceAtCapacityError extends Error {
  override readonly name = "ServiceAtCapacityError";
  readonly code = "unavailable";
  constructor(readonly max: number) {
    super(`the service is at capacity (${max} calls in flight); retry later`);
  }
}

/**
 * Sheds load at the edge: past `max` calls of a service's own handlers in flight, a new call is
 * answered UNAVAILABLE at once, before its token is checked or its handler opens a transaction, so a
 * caller can back off instead of waiting for a database connection that will not come free in time
 * (and the calls already admitted keep the pool to themselves). Health checks are never counted.
 */
export class CallsInFlightGate {
  private inFlight = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`maxCallsInFlight must be a positive integer, got ${max}`);
    }
  }

  get current(): number {
    return this.inFlight;
  }

  /** Admits a call and returns the function that ends it (idempotent), or undefined when full. */
  admit(): (() => void) | undefined {
    if (this.inFlight >= this.max) return undefined;
    this.inFlight += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight -= 1;
    };
  }
}
