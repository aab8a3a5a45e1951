import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChannelCredentials, Client } from "@grpc/grpc-js";
import { provisionStreams } from "@kopru/bus";
import { NETWORK_LAYOUT, NETWORK_SERVICES, type NetworkService, networkBusAccess } from "@kopru/events";
import { clientCredentials, type TokenSource as IssuerTokens } from "@kopru/identity-client";
import { type NetworkPki, preparePki } from "@kopru/local";
import { type CaughtMail, MAIL_CATCHER_ENTRY, MAIL_CATCHER_READY, readMailbox } from "@kopru/mail-catcher";
import { freePort, generateNatsCredentials, natsCredentialEnv } from "@kopru/nats-server";
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
  type ConfinedNatsCluster,
  type ConfinedNatsServer,
  connectNats,
  createTestDatabase,
  type SpawnedProcess,
  spawnNodeProcess,
  startConfinedNatsCluster,
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
    matching: [],
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
  /** The network's matching secret (ADR 0027), the same for every partner of this network. */
  readonly matchingSecret = randomBytes(32).toString("base64");
  private readonly running = new Map<ServiceName, RunningService>();
  private readonly databases = new Map<ServiceName, TestDatabase>();
  /** The real SMTP server the notification service sends to, started with it. */
  private mail: { process: SpawnedProcess; url: string; dir: string } | undefined;
  /** Token sources of the services' own OAuth clients, for tests that call as a service does. */
  private readonly serviceTokenSources = new Map<ServiceName, Promise<IssuerTokens>>();
  /** The output of every service process stopped so far, kept for scans of every log line. */
  private readonly stoppedProcesses: { name: ServiceName; process: SpawnedProcess }[] = [];

  private constructor(
    private readonly dataDir: string,
    readonly pki: NetworkPki,
    private readonly bus: ConfinedNatsServer | ConfinedNatsCluster,
    readonly identity: IdentityUnderTest,
    readonly orgs: Organisations,
    private readonly extraEnv: Record<string, string>,
    private readonly databaseServers: Partial<Record<ServiceName, string>> = {},
    /** How long a service may take to say where it listens (a benchmark or chaos run gives more). */
    public startTimeoutMs = 90_000,
  ) {
    this.clockFile = join(this.dataDir, "clock-offset-ms");
    writeFileSync(this.clockFile, "0");
  }

  /**
   * `env` is added to every service's environment (e.g. an OTLP endpoint). `databaseServers` puts a
   * service's database on another PostgreSQL server (an admin URL, e.g. a cluster the test may crash);
   * `startTimeoutMs` bounds each service's start (a chaos run restarts services on a loaded machine).
   * `natsCluster` runs the network on a JetStream cluster of that many nodes, every stream replicated
   * on each, as production runs it.
   */
  static async create(
    orgs: Organisations = organisations(),
    env: Record<string, string> = {},
    options: {
      databaseServers?: Partial<Record<ServiceName, string>>;
      startTimeoutMs?: number;
      natsCluster?: { size: number };
    } = {},
  ): Promise<TestNetwork> {
    const dataDir = mkdtempSync(join(tmpdir(), "kopru-e2e-"));
    const pki = await preparePki(join(dataDir, "pki"));
    const hosted = hostedBy(orgs);
    const access = networkBusAccess(hosted);
    const credentials = generateNatsCredentials([...NETWORK_SERVICES]);
    const nats = options.natsCluster
      ? await startConfinedNatsCluster({ size: options.natsCluster.size, access, credentials })
      : await startConfinedNatsServer({ access, credentials });
    const replicas = options.natsCluster?.size ?? 1;
    const layout = {
      ...NETWORK_LAYOUT,
      streams: NETWORK_LAYOUT.streams.map((stream) => ({ ...stream, replicas })),
      deadLetterStream: { ...NETWORK_LAYOUT.deadLetterStream, replicas },
    };
    // The services' users may only look streams up: the admin provisions them, as the launcher does.
    const admin = await connectNats({ url: nats.url, ...nats.connectOptions("admin") });
    try {
      await provisionStreams(admin.jsm, layout);
    } finally {
      await admin.close();
    }
    const identity = await startIdentity({
      repoRoot,
      tls: { caFile: pki.caFile, ...pki.identityTls },
      dataDir: join(dataDir, "identity"),
      ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
    });
    return new TestNetwork(
      dataDir,
      pki,
      nats,
      identity,
      orgs,
      env,
      options.databaseServers,
      options.startTimeoutMs,
    );
  }

  /** Access tokens from the network's identity service, for whichever caller a scenario plays. */
  get tokens(): TokenSource {
    return this.identity.tokens;
  }

  /**
   * An access token for `audience` from `service`'s own OAuth client (the client its process runs
   * with): no organisation, no user, as that service calls another (e.g. intake calling matching).
   */
  async serviceToken(service: ServiceName, audience: string): Promise<string> {
    let source = this.serviceTokenSources.get(service);
    if (!source) {
      source = this.identity.serviceClient(service).then(({ AUTH_CLIENT_ID, AUTH_CLIENT_SECRET }) =>
        clientCredentials({
          issuer: this.identity.issuer,
          ca: readFileSync(this.pki.caFile),
          clientId: AUTH_CLIENT_ID,
          clientSecret: AUTH_CLIENT_SECRET,
        }),
      );
      this.serviceTokenSources.set(service, source);
    }
    return (await source).token(audience);
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
    const { servers, ...credentials } = this.bus.connectOptions(user);
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

  /** The process id of a running service (a benchmark's CPU account of it); undefined when stopped. */
  pid(name: ServiceName): number | undefined {
    return this.running.get(name)?.process.pid;
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
      // As long as a service's start is given: on a loaded machine compiling it alone takes seconds.
      const [, url] = await process.waitForLine(MAIL_CATCHER_READY, { timeoutMs: 90_000 });
      this.mail = { process, url: url as string, dir };
    }
    return this.mail;
  }

  /**
   * The environment a process of `name` runs with: its database, its NATS user (and so its durable
   * consumers), its OAuth client. A second process of a service (a replica) gets exactly this.
   */
  async environment(name: ServiceName, database: TestDatabase): Promise<Record<string, string>> {
    const { orgs } = this;
    const hosted = hostedBy(orgs);
    const tls = this.pki.serviceTls[name];
    return {
      AUTH_ISSUER: this.identity.issuer,
      NODE_EXTRA_CA_CERTS: this.pki.caFile,
      GRPC_TLS_CA_FILE: tls.caFile,
      GRPC_TLS_CERT_FILE: tls.certFile,
      GRPC_TLS_KEY_FILE: tls.keyFile,
      ...natsCredentialEnv(this.bus.credential(name)),
      ...(await this.identity.serviceClient(name)),
      NATS_URL: this.bus.url,
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
      ...(name === "gateway" ? await this.gatewayEnvironment(tls) : {}),
      // Intake asks the matching service about duplicates when the test started it first.
      ...(name === "intake" && this.running.get("matching")
        ? {
            MATCHING_ADDRESS: this.running.get("matching")?.address ?? "",
            MATCHING_NETWORK_SECRET: this.matchingSecret,
          }
        : {}),
      ...this.extraEnv,
    };
  }

  /**
   * The partner API: HTTPS with the gateway's certificate, the addresses of the services running
   * now (start it after them), every receiving organisation's inbox, webhooks to loopback allowed.
   * Its port is chosen first, so its public URL (the staff console's login callback, registered at
   * the identity service) is known before it starts.
   */
  private async gatewayEnvironment(tls: {
    certFile: string;
    keyFile: string;
  }): Promise<Record<string, string>> {
    const hosted = hostedBy(this.orgs);
    const address = (service: ServiceName) => this.running.get(service)?.address ?? "127.0.0.1:1";
    const port = await freePort();
    const publicUrl = `https://127.0.0.1:${port}`;
    await this.identity.consoleClient(publicUrl);
    return {
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: String(port),
      PUBLIC_URL: publicUrl,
      HTTP_TLS_CERT_FILE: tls.certFile,
      HTTP_TLS_KEY_FILE: tls.keyFile,
      INTAKE_ADDRESS: address("intake"),
      PROTECTION_ADDRESS: address("protection"),
      ECM_ADDRESS: address("ecm"),
      COMMUNITY_CENTRE_ADDRESS: address("community-centre"),
      MUNICIPALITY_ADDRESS: address("municipality"),
      COORDINATION_ADDRESS: address("coordination"),
      NOTIFICATIONS_ADDRESS: address("notifications"),
      INBOX_ORGANISATIONS: (["protection", "ecm", "community-centre", "municipality"] as const)
        .flatMap((service) => hosted[service].map((org) => `${org}:${service}`))
        .join(","),
      WEBHOOK_ALLOWED_ADDRESSES: "127.0.0.1",
      // Every request line and more: the canary tests look for personal data in all of it.
      LOG_LEVEL: "debug",
      // One test client sends thousands of requests (the fuzzing); the limit has its own test.
      RATE_LIMIT_PER_MINUTE: "1000000",
      // A gateway just restarted on a loaded machine sits near a busy event loop while it catches
      // up, and would shed the next test's calls; load shedding has its own test (http-edge).
      MAX_EVENT_LOOP_UTILIZATION: "1",
      MAX_EVENT_LOOP_DELAY: "60s",
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

  /**
   * Starts the services named, each on its database (created on first start). The matching service
   * starts before the others: intake is told its address at start and checks duplicates with it.
   */
  async start(...names: ServiceName[]): Promise<void> {
    if (names.includes("matching") && names.length > 1) {
      await this.start("matching");
      return this.start(...names.filter((name) => name !== "matching"));
    }
    await Promise.all(
      names.map(async (name) => {
        let database = this.databases.get(name);
        if (!database) {
          const serverUrl = this.databaseServers[name];
          database = await createTestDatabase({
            prefix: `e2e_${name.replace("-", "_")}`,
            ...(serverUrl ? { serverUrl } : {}),
          });
          this.databases.set(name, database);
        }
        // As its start script runs it: from its own package, telemetry loaded before its code.
        const serviceDir = join(repoRoot, "services", name);
        const child = spawnNodeProcess(join(serviceDir, "src/main.ts"), {
          env: await this.environment(name, database),
          cwd: serviceDir,
          nodeArgs: ["--import", "@kopru/observability/register"],
        });
        const match = await child.waitForLine(/gRPC listening on (\S+)/, { timeoutMs: this.startTimeoutMs });
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
    this.stoppedProcesses.push({ name, process: service.process });
  }

  /** A crash: the service is killed (SIGKILL unless told) and stays down until `start` or `restart`. */
  async kill(name: ServiceName, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.stop(name, signal);
  }

  /** Kills a service (a crash unless told) and starts it again on the same database. */
  async restart(name: ServiceName, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.stop(name, signal);
    await this.start(name);
  }

  /** Whether the service has a process running now (a chaos schedule picks its victims from these). */
  isRunning(name: ServiceName): boolean {
    return this.running.get(name)?.process.running ?? false;
  }

  /** The JetStream cluster the network runs on, when it was created with `natsCluster`. */
  get natsCluster(): ConfinedNatsCluster {
    if (!("nodes" in this.bus)) throw new Error("this network runs on one nats-server, not a cluster");
    return this.bus;
  }

  /** The network's one nats-server (its process, store and logs), unless it runs on a cluster. */
  get nats(): ConfinedNatsServer {
    if ("nodes" in this.bus) throw new Error("this network runs on a NATS cluster: see natsCluster");
    return this.bus;
  }

  /** The JetStream store directory of this run's nats-server (message blocks, indexes, metadata). */
  get natsStoreDir(): string {
    const dir = this.nats.storeDir;
    if (!dir) throw new Error("the network's nats-server runs without a JetStream store");
    return dir;
  }

  /** Every database of the run: one per service started so far, and the identity service's. */
  allDatabases(): { label: string; url: string }[] {
    return [
      ...[...this.databases].map(([name, database]) => ({ label: name, url: database.url })),
      { label: "identity", url: this.identity.databaseUrl },
    ];
  }

  /**
   * Every line every process of the run has written: running services, services stopped (or
   * crashed) earlier, the identity service and the mail catcher.
   */
  allLogs(): { source: string; lines: string[] }[] {
    const text = (process: SpawnedProcess) => process.lines.map((line) => line.text);
    return [
      ...[...this.running.values()].map((s) => ({ source: s.name, lines: text(s.process) })),
      ...this.stoppedProcesses.map((s, i) => ({
        source: `${s.name} (stopped #${i + 1})`,
        lines: text(s.process),
      })),
      { source: "identity", lines: text(this.identity.process) },
      ...(this.mail ? [{ source: "mail-catcher", lines: text(this.mail.process) }] : []),
    ];
  }

  logs(name: ServiceName): string {
    return (this.running.get(name)?.process.lines ?? []).map((l) => l.text).join("\n");
  }

  async close(): Promise<void> {
    for (const name of [...this.running.keys()]) await this.stop(name);
    for (const database of this.databases.values()) await database.drop().catch(() => {});
    await this.bus.close();
    await this.identity.close();
    await this.mail?.process.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
