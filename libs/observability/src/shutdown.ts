export const TELEMETRY_SHUTDOWN = Symbol.for("kopru.observability.shutdown");

/**
 * Flushes and stops the SDK started by `@kopru/observability/register`; a no-op when it was
 * not loaded. Call it last in the service's drain, after servers and consumers have stopped,
 * so their final spans are exported.
 */
export function shutdownTelemetry(): Promise<void> {
  const shutdown = (globalThis as Record<symbol, unknown>)[TELEMETRY_SHUTDOWN];
  return typeof shutdown === "function" ? (shutdown as () => Promise<void>)() : Promise.resolve();
}
