import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChannelCredentials, Client } from "@grpc/grpc-js";
import { provisionStreams } from "@kopru/bus";
import { NETWORK_LAYOUT, NETWORK_SERVICES, type NetworkService, networkBusAccess } from "@kopru/events";
import { type NetworkPki, preparePki } from "@kopru/local";
import { type CaughtMail, MAIL_CATCHER_ENTRY, MAIL_CATCHER_READY, readMailbox } from "@kopru/mail-catcher";
import { generateNatsCredentials, natsCredentialEnv } from "@kopru/nats-server";
import {
  type ClientCaller,
  channelCredentials,
  type GrpcClient,
  type GrpcClientOptions,
  grpcClient,
  serviceAudience,
  type TokenSource,
} from "@kopru/service-kit";
import {
  type ConfinedNatsServer,
  connectNats,
  createTestDatabase,
  type SpawnedProcess,
  spawnNodeProcess,
  startConfinedNatsServer,
  type TestDatabase,
} from "@kopru/testing";
import { type IdentityUnderTest, startIdentity } from "./identity.js";

export type ServiceName = NetworkService;

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Organisation ids unique to one run, so nothing collides with another run's data. */
export function organisations(suffix = randomBytes(3).toString("hex")) {
  return {
    ngo: `ngo-hayat-${suffix}`,
    ngoOther: `ngo-umut-${suffix}`,
    mmccGaziantep: `mmcc-gaziantep-${suffix}`,
    mmccKilis: `mmcc-kilis-${suffix}`,
    ecm: `ecm-unit-${suffix}`,
    ecmOther: `ecm-north-${suffix}`,
    protection: `protection-partner-${suffix}`,
    protectionOther: `protection-south-${suffix}`,
    centre: `cc-gaziantep-sahinbey-${suffix}`,
    centreOther: `cc-sanliurfa-haliliye-${suffix}`,
  };
}

/** Which organisations each service hosts in a test network: two each, so one can try the other's data. */
export function hostedBy(orgs: Organisations): Record<ServiceName, string[]> {
  return {
    intake: [orgs.ngo, orgs.ngoOther],
    protection: [orgs.protection, orgs.protectionOther],
    ecm: [orgs.ecm, orgs.ecmOther],
    "community-centre": [orgs.centre, orgs.centreOther],
    municipality: [orgs.mmccGaziantep, orgs.mmccKilis],
    coordination: [],
    notifications: [],
    gateway: [],
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
 * A Köprü network for one test file, trusted as the launcher's is: its own nats-server with one
 * confined user per service (so durable consumers of other runs never interfere, and no service
 * reads what is not addressed to it), a local CA with mutual TLS on every gRPC port, the real
 * identity service issuing every token, one fresh PostgreSQL database per service, each service a
 * separate Node process. Services can be stopped, killed and started again on the same database.
 */
export class TestNetwork {
  readonly clockFile: string;
  private readonly running = new Map<ServiceName, RunningService>();
  private readonly databases = new Map<ServiceName, TestDatabase>();
  /** The real SMTP server the notification service sends to, started with it. */
  private mail: { process: SpawnedProcess; url: string; dir: string } | undefined;

  private constructor(
    private readonly dataDir: string,
    readonly pki: NetworkPki,
    readonly nats: ConfinedNatsServer,
    readonly identity: IdentityUnderTest,
    readonly orgs: Organisations,
    private readonly extraEnv: Record<string, string>,
  ) {
    this.clockFile = join(this.dataDir, "clock-offset-ms");
    writeFileSync(this.clockFile, "0");
  }

  /** `env` is added to every service's environment (e.g. an OTLP endpoint). */
  static async create(
    orgs: Organisations = organisations(),
    env: Record<string, string> = {},
  ): Promise<TestNetwork> {
    const dataDir = mkdtempSync(join(tmpdir(), "kopru-e2e-"));
    const pki = await preparePki(join(dataDir, "pki"));
    const hosted = hostedBy(orgs);
    const nats = await startConfinedNatsServer({
      access: networkBusAccess(hosted),
      credentials: generateNatsCredentials([...NETWORK_SERVICES]),
    });
    // The services' users may only look streams up: the admin provisions them, as the launcher does.
    const admin = await connectNats({ url: nats.url, ...nats.connectOptions("admin") });
    try {
      await provisionStreams(admin.jsm, NETWORK_LAYOUT);
    } finally {
      await admin.close();
    }
    const identity = await startIdentity({
      repoRoot,
      tls: { caFile: pki.caFile, ...pki.identityTls },
      dataDir: join(dataDir, "identity"),
    });
    return new TestNetwork(dataDir, pki, nats, identity, orgs, env);
  }

  /** Access tokens from the network's identity service, for whichever caller a scenario plays. */
  get tokens(): TokenSource {
    return this.identity.tokens;
  }

  /** The transport credentials a tool calling the services uses: the operator's certificate. */
  channel(): ChannelCredentials {
    return channelCredentials(this.pki.operatorTls);
  }

  /** `connect()` options for the NATS admin (the only user that may read streams directly). */
  adminNats(): { url: string; user: string; pass: string; inboxPrefix: string } {
    return this.natsAs("admin");
  }

  /** `connect()` options for one service's NATS user, with exactly that service's permissions. */
  natsAs(user: ServiceName | "admin"): { url: string; user: string; pass: string; inboxPrefix: string } {
    const { servers, ...credentials } = this.nats.connectOptions(user);
    return { url: servers, ...credentials };
  }

  /** A typed client of one service's API, acting as `caller`. */
  client<C extends Client>(
    ClientClass: new (address: string, credentials: ChannelCredentials) => C,
    service: ServiceName,
    caller: ClientCaller,
    options: Partial<GrpcClientOptions> = {},
  ): GrpcClient<C> {
    return grpcClient(ClientClass, this.address(service), this.channel(), caller, {
      audience: serviceAudience(service),
      tokens: this.tokens,
      ...options,
    });
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

  /** Every mail the notification service sent, as the network's mail catcher received it. */
  async mails(): Promise<CaughtMail[]> {
    return this.mail ? readMailbox(this.mail.dir) : [];
  }

  private async mailCatcher(): Promise<{ url: string }> {
    if (!this.mail) {
      const dir = join(this.dataDir, "mail");
      const process = spawnNodeProcess(MAIL_CATCHER_ENTRY, { env: { MAIL_DIR: dir, SMTP_PORT: "0" } });
      const [, url] = await process.waitForLine(MAIL_CATCHER_READY);
      this.mail = { process, url: url as string, dir };
    }
    return this.mail;
  }

  private async environment(name: ServiceName, database: TestDatabase): Promise<Record<string, string>> {
    const { orgs } = this;
    const hosted = hostedBy(orgs);
    const tls = this.pki.serviceTls[name];
    return {
      AUTH_ISSUER: this.identity.issuer,
      NODE_EXTRA_CA_CERTS: this.pki.caFile,
      GRPC_TLS_CA_FILE: tls.caFile,
      GRPC_TLS_CERT_FILE: tls.certFile,
      GRPC_TLS_KEY_FILE: tls.keyFile,
      ...natsCredentialEnv(this.nats.credential(name)),
      ...(await this.identity.serviceClient(name)),
      NATS_URL: this.nats.url,
      DATABASE_URL: database.url,
      DATA_DIR: join(this.dataDir, name),
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: "0",
      LOG_LEVEL: "warn",
      KOPRU_CLOCK_OFFSET_FILE: this.clockFile,
      INTAKE_ORGANISATIONS: hosted.intake.join(","),
      ...(name !== "intake" && hosted[name].length > 0
        ? { HOSTED_ORGANISATIONS: hosted[name].join(",") }
        : {}),
      ...(name === "notifications"
        ? { SMTP_URL: (await this.mailCatcher()).url, CONSOLE_URL: "https://console.kopru.example" }
        : {}),
      ...(name === "gateway" ? this.gatewayEnvironment(tls) : {}),
      ...this.extraEnv,
    };
  }

  /**
   * The partner API: HTTPS with the gateway's certificate, the addresses of the services running
   * now (start it after them), every receiving organisation's inbox, webhooks to loopback allowed.
   */
  private gatewayEnvironment(tls: { certFile: string; keyFile: string }): Record<string, string> {
    const hosted = hostedBy(this.orgs);
    const address = (service: ServiceName) => this.running.get(service)?.address ?? "127.0.0.1:1";
    return {
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: "0",
      HTTP_TLS_CERT_FILE: tls.certFile,
      HTTP_TLS_KEY_FILE: tls.keyFile,
      INTAKE_ADDRESS: address("intake"),
      PROTECTION_ADDRESS: address("protection"),
      ECM_ADDRESS: address("ecm"),
      COMMUNITY_CENTRE_ADDRESS: address("community-centre"),
      MUNICIPALITY_ADDRESS: address("municipality"),
      COORDINATION_ADDRESS: address("coordination"),
      INBOX_ORGANISATIONS: (["protection", "ecm", "community-centre", "municipality"] as const)
        .flatMap((service) => hosted[service].map((org) => `${org}:${service}`))
        .join(","),
      WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1",
      // Every request line and more: the canary tests look for personal data in all of it.
      LOG_LEVEL: "debug",
      // One test client sends thousands of requests (the fuzzing); the limit has its own test.
      RATE_LIMIT_PER_MINUTE: "1000000",
    };
  }

  /** The partner API's base URL (`https://127.0.0.1:<port>`), once the gateway runs. */
  gatewayUrl(): string {
    const service = this.running.get("gateway");
    if (!service) throw new Error("gateway is not running");
    for (const line of service.process.lines) {
      const match = /\[gateway\] HTTP listening on (\S+)/.exec(line.text);
      if (match?.[1]) return match[1];
    }
    throw new Error("the gateway has not said where it listens");
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
          env: await this.environment(name, database),
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
    await this.identity.close();
    await this.mail?.process.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
