import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { credentials, makeGenericClientConstructor } from "@grpc/grpc-js";
import { STREAMS } from "@kopru/events";
import {
  connectNats,
  createTestDatabase,
  type NatsTestConnection,
  type TestDatabase,
  waitFor,
} from "@kopru/testing";
import { service as healthService } from "grpc-health-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The production shape, proved without Docker: build to JavaScript, `pnpm deploy --prod` into an
// empty directory (what deploy/compose/Dockerfile copies into its runtime image), then run the
// built entry there with plain Node — no tsx, no workspace, no source condition.

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const run = promisify(execFile);

interface HealthClient {
  check(
    request: { service: string },
    callback: (error: Error | null, response: { status: string }) => void,
  ): void;
  close(): void;
}
const HealthClient = makeGenericClientConstructor(healthService, "Health") as unknown as new (
  address: string,
  creds: ReturnType<typeof credentials.createInsecure>,
) => HealthClient;

/** Only what a container would get: no NODE_PATH (pnpm sets one for its scripts), NODE_OPTIONS or loaders. */
function productionEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, NODE_ENV: "production" };
}

describe("intake deployed with pnpm deploy --prod", () => {
  let deployDir: string;
  let dataDir: string;
  let nats: NatsTestConnection;
  let database: TestDatabase;
  let child: ChildProcess | undefined;
  const lines: string[] = [];
  const prefix = `intake-prod-${Date.now().toString(36)}`;

  beforeAll(async () => {
    deployDir = mkdtempSync(join(tmpdir(), "kopru-intake-deploy-"));
    dataDir = mkdtempSync(join(tmpdir(), "kopru-intake-data-"));
    // Incremental: after `pnpm run typecheck` this only checks that dist/ is current.
    await run("pnpm", ["exec", "tsc", "-b", "services/intake"], { cwd: repoRoot });
    await run("pnpm", ["--filter", "@kopru/intake", "deploy", "--prod", "--prefer-offline", deployDir], {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    nats = await connectNats();
    database = await createTestDatabase({ prefix: "intake_prod" });
  }, 240_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    if (nats) {
      for (const stream of Object.values(STREAMS)) {
        const names: string[] = [];
        for await (const consumer of nats.jsm.consumers.list(stream.name)) {
          if (consumer.name.startsWith(prefix)) names.push(consumer.name);
        }
        for (const name of names) await nats.jsm.consumers.delete(stream.name, name).catch(() => {});
      }
      await nats.close();
    }
    await database?.drop();
    rmSync(deployDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("holds no TypeScript loader or test library to fall back on", () => {
    // pnpm's virtual store names every installed package, direct or transitive: `tsx@4.23.15`.
    const installed = readdirSync(join(deployDir, "node_modules", ".pnpm"));
    const testOnly = ["tsx@", "@kopru+testing@", "vitest@", "testcontainers@", "fast-check@"];
    expect(installed.filter((entry) => testOnly.some((prefix) => entry.startsWith(prefix)))).toEqual([]);
    expect(installed.some((entry) => entry.startsWith("@kopru+referral@"))).toBe(true);
  });

  it("starts from dist/ with plain Node, answers SERVING on gRPC health, and stops cleanly", async () => {
    const started = spawn(
      process.execPath,
      [
        "--max-semi-space-size=1",
        "--no-allocation-site-pretenuring",
        "--import",
        "@kopru/observability/register",
        "dist/src/main.js",
      ],
      {
        cwd: deployDir,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...productionEnv(),
          NATS_URL: nats.url,
          DATABASE_URL: database.url,
          DATA_DIR: dataDir,
          GRPC_HOST: "127.0.0.1",
          GRPC_PORT: "0",
          LOG_LEVEL: "info",
          INTAKE_ORGANISATIONS: "ngo-prod-check",
          INTAKE_DURABLE_PREFIX: prefix,
          // Health answers without a token; the issuer is asked only when a call comes.
          AUTH_ISSUER: "http://127.0.0.1:9",
          GRPC_PLAINTEXT: "development",
        },
      },
    );
    child = started;
    const exited = new Promise<number | null>((resolve) => started.once("exit", (code) => resolve(code)));
    for (const stream of [started.stdout, started.stderr]) {
      createInterface({ input: stream }).on("line", (line) => lines.push(line));
    }

    const address = await waitFor(
      () => {
        if (started.exitCode !== null) {
          throw new Error(`intake exited with ${started.exitCode}:\n${lines.slice(-20).join("\n")}`);
        }
        return lines.map((line) => /gRPC listening on (\S+)/.exec(line)?.[1]).find(Boolean);
      },
      { timeoutMs: 60_000, message: "intake's listening line" },
    );

    const health = new HealthClient(address, credentials.createInsecure());
    try {
      const status = await waitFor(
        () =>
          new Promise<string | undefined>((resolve) =>
            health.check({ service: "kopru.intake.v1.IntakeService" }, (error, response) =>
              resolve(error ? undefined : response.status === "SERVING" ? response.status : undefined),
            ),
          ),
        { timeoutMs: 30_000, message: "intake's gRPC health SERVING" },
      );
      expect(status).toBe("SERVING");
    } finally {
      health.close();
    }

    started.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
