/**
 * Load before any application code: `node --import @kopru/observability/register main.js`.
 * Instrumentation can only patch modules imported after it, and ESM imports (grpc-js, pg)
 * are only seen through the import-in-the-middle loader hook registered here.
 *
 * OTEL_SDK_DISABLED=true: nothing is loaded. Without OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) nothing is exported and no span is recorded: incoming
 * trace context is still propagated, so log lines keep the caller's trace id.
 */
import { register } from "node:module";
import { TELEMETRY_SHUTDOWN } from "./shutdown.js";

const env = process.env;
const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";

if (!disabled) {
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);

  // Imported only now, after the hook, and not at all when telemetry is disabled.
  const [{ NodeSDK }, { HttpInstrumentation }, { GrpcInstrumentation }, { PgInstrumentation }] =
    await Promise.all([
      import("@opentelemetry/sdk-node"),
      import("@opentelemetry/instrumentation-http"),
      import("@opentelemetry/instrumentation-grpc"),
      import("@opentelemetry/instrumentation-pg"),
    ]);

  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  const serviceName = env.OTEL_SERVICE_NAME || env.SERVICE_NAME || undefined;

  const sdk = new NodeSDK({
    ...(serviceName ? { serviceName } : {}),
    // Empty lists stop NodeSDK from defaulting to an OTLP exporter aimed at localhost:4318,
    // which would fail (and retry) every few seconds when no collector runs.
    ...(exporting ? {} : { spanProcessors: [], metricReaders: [] }),
    // Logs go to stdout through pino, already redacted; never through OTel.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation(),
      new GrpcInstrumentation(),
      // Query parameters can hold personal data: never record them.
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });

  try {
    sdk.start();
  } catch (error) {
    // Telemetry must never keep a service from serving.
    process.stderr.write(
      `telemetry not started: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= sdk.shutdown().catch(() => undefined);
    return stopping;
  };
  (globalThis as Record<symbol, unknown>)[TELEMETRY_SHUTDOWN] = shutdown;

  process.once("beforeExit", () => void shutdown());
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      // The service has its own handler: it drains, then awaits shutdownTelemetry().
      if (process.listenerCount(signal) > 0) return;
      // Otherwise flush, then die of the signal as if no handler had been installed.
      void shutdown().then(() => process.kill(process.pid, signal));
    });
  }
}
