/**
 * Load before any application code: `node --import @kopru/observability/register main.js`.
 * Instrumentation can only patch modules imported after it, and ESM imports (grpc-js, pg)
 * are only seen through the import-in-the-middle loader hook registered here: in the
 * application thread (`module.registerHooks`) where Node allows it, as the services' Node 24
 * does, so no loader thread with a V8 isolate of its own is started.
 *
 * Spans are always made, so trace context flows through every call and message and every log
 * line written inside one carries its trace id; they leave the process only when
 * OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set.
 * OTEL_SDK_DISABLED=true: nothing is loaded.
 */

import { readFileSync } from "node:fs";
import { createRequire, findPackageJSON, register } from "node:module";
import { pathToFileURL } from "node:url";
import { TELEMETRY_SHUTDOWN } from "./shutdown.js";
import { ScrubbingSpanExporter } from "./span-scrub.js";

const env = process.env;
const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";

if (!disabled) {
  // Not loaded at all when telemetry is disabled. The SDK and instrumentations are CommonJS, so
  // the ESM hook registered below does not need to see them.
  const [{ HttpInstrumentation }, { GrpcInstrumentation }, { PgInstrumentation }] = await Promise.all([
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-grpc"),
    import("@opentelemetry/instrumentation-pg"),
  ]);

  const instrumentations = [
    new HttpInstrumentation(),
    new GrpcInstrumentation(),
    // Query parameters can hold personal data: never record them. Statements outside any
    // call or message (the outbox relay's and timers' polling) would each start a trace.
    new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
  ];

  // Only the modules these instrumentations patch go through import-in-the-middle: wrapping
  // every module costs start-up time and fails, with a warning, on some TypeScript sources.
  const include = [
    ...new Set(instrumentations.flatMap((i) => i.getModuleDefinitions().map((module) => module.name))),
  ];
  await registerImportHook(include);

  const exporting = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  let shutdownSdk: () => Promise<void>;
  if (exporting || env.OTEL_PROPAGATORS) {
    shutdownSdk = await startNodeSdk(instrumentations, exporting);
  } else {
    // Nothing leaves the process, so NodeSDK's exporters, metrics, logs and resource detection
    // are not needed: a tracer provider that makes spans (their ids reach the next service and
    // the log lines written inside them) is what NodeSDK would set up here, with the same W3C
    // trace context and baggage propagation and the same sampler from the environment, at
    // about 10 MB and 0.1 s of CPU less per process.
    const tracerProvider = await startTracerOnly(instrumentations);
    shutdownSdk = () => tracerProvider.shutdown();
  }

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= shutdownSdk().catch(() => undefined);
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

type Instrumentations = import("@opentelemetry/instrumentation").Instrumentation[];

/** NodeSDK, exporting spans when a collector is named; returns its shutdown. */
async function startNodeSdk(
  instrumentations: Instrumentations,
  exporting: boolean,
): Promise<() => Promise<void>> {
  const { NodeSDK, tracing } = await import("@opentelemetry/sdk-node");
  const serviceName = env.OTEL_SERVICE_NAME || (namedByResourceAttributes() ? undefined : entryPackageName());
  const sdk = new NodeSDK({
    ...(serviceName ? { serviceName } : {}),
    // Without a collector: spans are still made (their ids reach log lines and the next
    // service), then dropped. Naming the processor stops NodeSDK from defaulting to an OTLP
    // exporter aimed at localhost:4318, which would fail and retry every few seconds.
    // With one: batched OTLP export of spans whose error texts are withheld (span-scrub.ts).
    spanProcessors: exporting
      ? [new tracing.BatchSpanProcessor(new ScrubbingSpanExporter(await otlpTraceExporter()))]
      : [new tracing.NoopSpanProcessor()],
    ...(exporting ? {} : { metricReaders: [] }),
    // Logs go to stdout through pino, already redacted; never through OTel.
    logRecordProcessors: [],
    instrumentations,
  });
  try {
    sdk.start();
  } catch (error) {
    // Telemetry must never keep a service from serving.
    process.stderr.write(
      `telemetry not started: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  return () => sdk.shutdown();
}

interface TracerOnly {
  shutdown(): Promise<void>;
}

/**
 * The part of NodeSDK a process that exports nothing uses: NodeTracerProvider registered with its
 * defaults (AsyncLocalStorage context, W3C trace context and baggage propagators, the sampler
 * OTEL_TRACES_SAMPLER names) and the instrumentations bound to it. It is taken from the copy
 * NodeSDK itself depends on, so both paths run the same tracer.
 */
async function startTracerOnly(instrumentations: Instrumentations): Promise<TracerOnly> {
  const fromSdk = createRequire(createRequire(import.meta.url).resolve("@opentelemetry/sdk-node"));
  const [{ NodeTracerProvider }, { registerInstrumentations }] = await Promise.all([
    import(pathToFileURL(fromSdk.resolve("@opentelemetry/sdk-trace-node")).href) as Promise<
      typeof import("@opentelemetry/sdk-node").node
    >,
    import("@opentelemetry/instrumentation"),
  ]);
  const tracerProvider = new NodeTracerProvider();
  try {
    tracerProvider.register();
    registerInstrumentations({ instrumentations, tracerProvider });
  } catch (error) {
    // Telemetry must never keep a service from serving.
    process.stderr.write(
      `telemetry not started: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  return tracerProvider;
}

interface SyncImportHooks {
  supportsSyncHooks(): boolean;
  register(options: { include: string[] }): void;
}

/**
 * import-in-the-middle's loader hook for the modules in `include`. In-thread synchronous hooks
 * save the loader thread's isolate (15–20 MB per process) and its per-module message round
 * trip; Node versions whose `registerHooks` cannot run them get the loader thread. The hook
 * is taken from the copy of import-in-the-middle the instrumentations themselves use, so that
 * their `Hook()` registrations and the loader share one module state.
 */
async function registerImportHook(include: string[]): Promise<void> {
  const fromInstrumentation = createRequire(
    createRequire(import.meta.url).resolve("@opentelemetry/instrumentation"),
  );
  const sync = (await import(
    pathToFileURL(fromInstrumentation.resolve("import-in-the-middle/register-hooks.mjs")).href
  )) as SyncImportHooks;
  if (sync.supportsSyncHooks()) sync.register({ include });
  else register("@opentelemetry/instrumentation/hook.mjs", import.meta.url, { data: { include } });
}

/** The OTLP exporter for the protocol the environment names (http/protobuf unless told otherwise). */
async function otlpTraceExporter() {
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || "").trim();
  if (protocol === "grpc")
    return new (await import("@opentelemetry/exporter-trace-otlp-grpc")).OTLPTraceExporter();
  if (protocol === "http/json")
    return new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter();
  return new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter();
}

function namedByResourceAttributes(): boolean {
  return /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? "");
}

/**
 * The service a process runs, from the package that holds its entry script (`@kopru/intake` →
 * `intake`), so every way of starting it (launcher, start script, container, test harness)
 * names it the same without each having to say so.
 */
function entryPackageName(): string | undefined {
  const entry = process.argv[1];
  if (!entry) return undefined;
  try {
    const manifest = findPackageJSON(pathToFileURL(entry));
    if (!manifest) return undefined;
    const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
    return typeof name === "string" && name !== "" ? name.replace(/^@[^/]+\//, "") : undefined;
  } catch {
    return undefined;
  }
}
