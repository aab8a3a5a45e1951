import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createTestDatabase,
  type NatsServerProcess,
  type SpawnedProcess,
  spawnNodeProcess,
  startNatsServer,
  type TestDatabase,
} from "@kopru/testing";

export type ServiceName =
  | "intake"
  | "protection"
  | "ecm"
  | "community-centre"
  | "municipality"
  | "coordination";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Organisation ids unique to one run, so nothing collides with another run's data. */
export function organisations(suffix = randomBytes(3).toString("hex")) {
  return {
    ngo: `ngo-hayat-${suffix}`,
    mmccGaziantep: `mmcc-gaziantep-${suffix}`,
    mmccKilis: `mmcc-kilis-${suffix}`,
    ecm: `ecm-unit-${suffix}`,
    protection: `protection-partner-${suffix}`,
    centre: `cc-gaziantep-sahinbey-${suffix}`,
  };
}
export type Organisations = ReturnType<typeof organisations>;

export interface RunningService {
  name: ServiceName;
  address: string;
  database: TestDatabase;
  process: SpawnedProcess;
}

/**
 * A Köprü network for one test file: its own nats-server (so durable consumers of other runs never
 * interfere), one fresh PostgreSQL database per service, each service a separate Node process.
 * Services can be stopped, killed and started again on the same database.
 */
export class TestNetwork {
  readonly clockFile: string;
  private readonly dataDir: string;
  private readonly running = new Map<ServiceName, RunningService>();
  private readonly databases = new Map<ServiceName, TestDatabase>();

  private constructor(
    readonly nats: NatsServerProcess,
    readonly orgs: Organisations,
    private readonly extraEnv: Record<string, string>,
  ) {
    this.dataDir = mkdtempSync(join(tmpdir(), "kopru-e2e-"));
    this.clockFile = join(this.dataDir, "clock-offset-ms");
    writeFileSync(this.clockFile, "0");
  }

  /** `env` is added to every service's environment (e.g. an OTLP endpoint). */
  static async create(
    orgs: Organisations = organisations(),
    env: Record<string, string> = {},
  ): Promise<TestNetwork> {
    return new TestNetwork(await startNatsServer({ jetstream: true }), orgs, env);
  }

  /** Moves the services' business clock (deadlines, timers) forward by `ms`. */
  advanceClock(ms: number): void {
    writeFileSync(this.clockFile, String(ms));
  }

  address(name: ServiceName): string {
    const service = this.running.get(name);
    if (!service) throw new Error(`${name} is not running`);
    return service.address;
  }

  database(name: ServiceName): TestDatabase {
    const database = this.databases.get(name);
    if (!database) throw new Error(`${name} has no database yet`);
    return database;
  }

  private environment(name: ServiceName, database: TestDatabase): Record<string, string> {
    const { orgs } = this;
    const hosted: Partial<Record<ServiceName, string>> = {
      protection: orgs.protection,
      ecm: orgs.ecm,
      "community-centre": orgs.centre,
      municipality: `${orgs.mmccGaziantep},${orgs.mmccKilis}`,
    };
    return {
      NATS_URL: this.nats.url,
      DATABASE_URL: database.url,
      DATA_DIR: join(this.dataDir, name),
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: "0",
      LOG_LEVEL: "warn",
      KOPRU_CLOCK_OFFSET_FILE: this.clockFile,
      INTAKE_ORGANISATIONS: orgs.ngo,
      ...(hosted[name] ? { HOSTED_ORGANISATIONS: hosted[name] } : {}),
      ...this.extraEnv,
    };
  }

  async start(...names: ServiceName[]): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        let database = this.databases.get(name);
        if (!database) {
          database = await createTestDatabase({ prefix: `e2e_${name.replace("-", "_")}` });
          this.databases.set(name, database);
        }
        // As its start script runs it: from its own package, telemetry loaded before its code.
        const serviceDir = join(repoRoot, "services", name);
        const child = spawnNodeProcess(join(serviceDir, "src/main.ts"), {
          env: this.environment(name, database),
          cwd: serviceDir,
          nodeArgs: ["--import", "@kopru/observability/register"],
        });
        const match = await child.waitForLine(/gRPC listening on (\S+)/, { timeoutMs: 90_000 });
        this.running.set(name, { name, address: match[1] as string, database, process: child });
      }),
    );
  }

  /** Graceful stop (SIGTERM), or a crash with `SIGKILL`. */
  async stop(name: ServiceName, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const service = this.running.get(name);
    if (!service) return;
    this.running.delete(name);
    await service.process.kill(signal);
  }

  logs(name: ServiceName): string {
    return (this.running.get(name)?.process.lines ?? []).map((l) => l.text).join("\n");
  }

  async close(): Promise<void> {
    for (const name of [...this.running.keys()]) await this.stop(name);
    for (const database of this.databases.values()) await database.drop().catch(() => {});
    await this.nats.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
