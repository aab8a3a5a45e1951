import { execFile, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The bootstrap only makes sense in a process of its own: spawn an ESM probe app with
// `--import @kopru/observability/register`, as a service's start script does.
const packageDir = fileURLToPath(new URL("..", import.meta.url));

interface ProbeRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function runProbe(env: Record<string, string>): Promise<ProbeRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        "--conditions=kopru-source",
        "--import",
        "tsx",
        "--import",
        "@kopru/observability/register",
        "test/register-probe.mjs",
      ],
      { cwd: packageDir, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (error.code as number | null) : 0,
          stdout,
          stderr,
          ms: Date.now() - started,
        }),
    );
  });
}

/** Starts an idle process, sends SIGTERM once it is ready, and reports how it ended. */
function terminate(script: string): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=kopru-source",
      "--import",
      "tsx",
      "--import",
      "@kopru/observability/register",
      "-e",
      script,
    ],
    { cwd: packageDir, env: { PATH: process.env.PATH ?? "" } },
  );
  let stdout = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
    if (stdout.includes("ready")) child.kill("SIGTERM");
  });
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stdout })));
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** A minimal OTLP/HTTP JSON trace receiver. */
let receiver: Server;
let endpoint: string;
const exported: { serviceNames: string[]; spans: OtlpSpan[] } = { serviceNames: [], spans: [] };

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        const payload = JSON.parse(body) as {
          resourceSpans: Array<{
            resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
            scopeSpans: Array<{ spans: OtlpSpan[] }>;
          }>;
        };
        for (const { resource, scopeSpans } of payload.resourceSpans) {
          const name = resource.attributes.find((a) => a.key === "service.name")?.value.stringValue;
          if (name) exported.serviceNames.push(name);
          for (const scope of scopeSpans) exported.spans.push(...scope.spans);
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

const SERVER = 2;
const CLIENT = 3;

describe("@kopru/observability/register", () => {
  it("exports HTTP and gRPC spans of an ESM app, with trace context across the calls", async () => {
    const run = await runProbe({
      OTEL_SERVICE_NAME: "probe",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_METRICS_EXPORTER: "none",
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const seen = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(seen.grpcServerSpan).toBe(true);
    expect(seen.grpcTraceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(seen.httpTraceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(seen.nodeSdkLoaded).toBe(true);

    expect(exported.serviceNames).toContain("probe");
    const grpcClient = exported.spans.find((s) => s.kind === CLIENT && s.name.includes("Probe/Ping"));
    const grpcServer = exported.spans.find((s) => s.kind === SERVER && s.name.includes("Probe/Ping"));
    expect(grpcClient, "gRPC client span (needs the ESM hook)").toBeDefined();
    expect(grpcServer?.traceId).toBe(grpcClient?.traceId);
    expect(grpcServer?.parentSpanId).toBe(grpcClient?.spanId);
    const httpKinds = exported.spans.filter((s) => s.name.startsWith("GET")).map((s) => s.kind);
    expect(httpKinds.sort()).toEqual([SERVER, CLIENT]);
  }, 40_000);

  it("without OTEL_SERVICE_NAME names the service after the package holding its entry", async () => {
    const before = exported.serviceNames.length;
    const run = await runProbe({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_METRICS_EXPORTER: "none",
    });
    expect(run.code).toBe(0);
    // test/register-probe.mjs belongs to @kopru/observability.
    expect(new Set(exported.serviceNames.slice(before))).toEqual(new Set(["observability"]));
  }, 40_000);

  it("without an endpoint still carries trace context, but exports and prints nothing", async () => {
    const before = exported.spans.length;
    const run = await runProbe({ OTEL_SERVICE_NAME: "probe" });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const seen = JSON.parse(run.stdout) as Record<string, unknown>;
    // Spans are made, so ids reach the next service and the log lines written inside them.
    expect(seen.grpcServerSpan).toBe(true);
    expect(seen.grpcTraceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(seen.httpTraceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(exported.spans.length).toBe(before);
    // Exporting nothing, the process loads only the tracer, not NodeSDK's exporters and the rest.
    expect(seen.nodeSdkLoaded).toBe(false);
  }, 40_000);

  it("with OTEL_SDK_DISABLED=true loads nothing at all", async () => {
    const run = await runProbe({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      grpcTraceparent: null,
      grpcServerSpan: false,
      httpTraceparent: null,
      nodeSdkLoaded: false,
    });
  }, 40_000);

  it("on SIGTERM flushes, then dies of the signal unless the service handles it", async () => {
    const idle = await terminate("setInterval(() => {}, 1000); console.log('ready');");
    expect(idle.signal).toBe("SIGTERM");

    const handled = await terminate(
      "setInterval(() => {}, 1000); process.on('SIGTERM', () => setTimeout(() => { console.log('drained'); process.exit(0); }, 200)); console.log('ready');",
    );
    expect(handled).toMatchObject({ code: 0, signal: null });
    expect(handled.stdout).toContain("drained");
  }, 40_000);
});
