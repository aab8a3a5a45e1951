// Resolution results live on globalThis rather than in module scope: a runner that re-evaluates
// modules per test file inside one worker process (vitest without isolation) would otherwise
// probe, and start servers, once per file instead of once per process.

const teardownKey = Symbol.for("kopru.testing.teardowns");

type Holder = Record<symbol, unknown>;

/** Memoises `fn` per process under `name`, outcome included: a missing server stays missing. */
export function memoisePerProcess<T>(
  name: string,
  fn: () => Promise<T>,
): { get(): Promise<T>; reset(): void } {
  const key = Symbol.for(`kopru.testing.memo.${name}`);
  const holder = globalThis as unknown as Holder;
  return {
    get() {
      let promise = holder[key] as Promise<T> | undefined;
      if (!promise) {
        promise = fn();
        // The rejection is handled by whoever awaits; this only keeps an unawaited memo quiet.
        promise.catch(() => {});
        holder[key] = promise;
      }
      return promise;
    },
    reset() {
      delete holder[key];
    },
  };
}

/** Async teardown of what resolution started (a nats-server process, containers). */
export function registerTeardown(fn: () => Promise<void>): void {
  teardowns().push(fn);
}

export function teardowns(): Array<() => Promise<void>> {
  const holder = globalThis as unknown as Holder;
  let list = holder[teardownKey] as Array<() => Promise<void>> | undefined;
  if (!list) {
    list = [];
    holder[teardownKey] = list;
  }
  return list;
}
