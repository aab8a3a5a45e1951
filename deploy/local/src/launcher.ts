import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { addressVariable, NETWORK_FILE, type NetworkFile } from "@kopru/cli";
import { type MailCatcher, startMailCatcher } from "@kopru/mail-catcher";
import { freePort, isPortOpen, natsConnectOptions, natsCredentialEnv } from "@kopru/nats-server";
import { channelCredentials, waitUntilServing } from "@kopru/service-kit";
import { serviceEnvWithCompileCache } from "./compile-cache.js";
import {
  assertSafeToWipe,
  IDENTITY_ADDRESS_VARIABLE,
  type LauncherConfig,
  networkHosting,
  REPO_ROOT,
  type ServicePlan,
  usesDefaultAddresses,
} from "./config.js";
import { ensureConsoleBuilt } from "./console-build.js";
import { demoTokens } from "./demo-tokens.js";
import { CLI_CLIENT_ID, serviceClientId } from "./identities.js";
import { waitUntilIdentityServes } from "./identity-health.js";
import {
  type NatsHandle,
  provisionNetworkStreams,
  removeNetworkStreams,
  startOwnNats,
  stopLeftoverNats,
  useExternalNats,
} from "./nats.js";
import { NGOS, ORGANISATIONS } from "./network.js";
import { preparePgliteDataDirs } from "./pglite.js";
import { type ManagedChild, nodeArgs, spawnManaged } from "./processes.js";
import { DEMO_SEED, SEED_MARKER } from "./seed-constants.js";
import { clockOffsetFile, SEED_DAYS, setNetworkClock } from "./seed-timeline.js";
import { type NetworkTrust, prepareTrust } from "./trust.js";

export class LaunchError extends Error {
  override readonly name = "LaunchError";
}

export interface LaunchOptions {
  fresh: boolean;
  seed: boolean;
  referrals: number;
  concurrency: number;
  out: (line: string) => void;
  /** Rewrites the current line (progress) when the output is a terminal. */
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

// Generous: ten services starting at once on a small, busy machine can take minutes.
const START_TIMEOUT_MS = 300_000;
const STOP_GRACE_MS = 20_000;

const PINO_LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};

/** One child output line, prefixed with the service name; pino JSON lines made readable. */
export function relayLine(service: string, line: string): string {
  if (line.startsWith(`[${service}]`)) return line;
  if (line.startsWith("{")) {
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      const {
        level,
        msg,
        time: _time,
        pid: _pid,
        hostname: _host,
        service: _service,
        name: _name,
        ...rest
      } = record;
      const label = typeof level === "number" ? (PINO_LEVELS[level] ?? String(level)) : String(level ?? "");
      const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
      return `[${service}] ${label} ${String(msg ?? "")}${extra}`;
    } catch {
      // Not JSON after all; print it as it is.
    }
  }
  return `[${service}] ${line}`;
}

/**
 * Node's options for every service: SERVICE_NODE_OPTIONS (the container images and so the
 * Kubernetes manifests run the same), plus, on PGlite, the baseline WebAssembly compiler only.
 * On PGlite, V8 compiles PostgreSQL's WebAssembly with its baseline compiler only:
 * tiering hot functions up to TurboFan took seconds of CPU per service while the network started,
 * and its compile memory left each service hundreds of MB larger for a while; the demo's queries
 * do not need the faster code.
 */
export function nodeOptionsFor(plan: { databaseUrl: string | undefined }): string[] {
  return [...SERVICE_NODE_OPTIONS, ...(plan.databaseUrl ? [] : ["--liftoff-only"])];
}

/**
 * V8 options every service runs with, here and in deploy/compose/Dockerfile's CMD. Node refuses
 * them in NODE_OPTIONS, so they are arguments of `node` itself.
 * - A young generation of 1 MB semi-spaces: V8 grows them to 16 MB under start-up allocation and
 *   keeps them; a few more scavenges cost less than the memory (about 40 MB a service).
 * - No allocation-site pretenuring: V8 moves the objects of allocation sites that survived a few
 *   scavenges straight to the old generation, and at start-up (descriptor sets, migrations,
 *   stream provisioning) that is most of them; they stay there, garbage, until a full mark-compact
 *   that an idle service rarely reaches.
 */
export const SERVICE_NODE_OPTIONS: readonly string[] = [
  "--max-semi-space-size=1",
  "--no-allocation-site-pretenuring",
];

/** The marker that says the demo data is in; written only after a complete seed. */
export function markerPath(dataDir: string): string {
  return join(dataDir, "seed.json");
}

export function readMarker(dataDir: string): { marker: string; seededAt?: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(markerPath(dataDir), "utf8")) as {
      marker?: unknown;
      seededAt?: string;
    };
    return parsed.marker === SEED_MARKER ? { marker: SEED_MARKER, seededAt: parsed.seededAt } : undefined;
  } catch {
    return undefined;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The local network: NATS (its own nats-server, or the external one NATS_URL names), a local mail
 * catcher, the services as child processes on their own
 * embedded databases, and the demo seed. `start()` returns once everything listens (and is seeded);
 * `stop()` stops the services gracefully, then the nats-server it started.
 */
export class Launcher {
  private nats: NatsHandle | undefined;
  private trust: NetworkTrust | undefined;
  /** Whether the services' NATS users are confined (the launcher's own nats-server) or not (NATS_URL). */
  private confined = false;
  private readonly children = new Map<string, ManagedChild>();
  /**
   * Where the notification service sends email: the launcher's own mail catcher, or the SMTP_URL
   * of the launcher's environment (then no catcher is started).
   */
  private mail: { url: string; dir: string | undefined } | undefined;
  private mailCatcher: MailCatcher | undefined;
  private stopping: Promise<void> | undefined;
  private unexpectedExit: ((service: string, child: ManagedChild) => void) | undefined;

  constructor(
    readonly config: LauncherConfig,
    private readonly options: LaunchOptions,
  ) {}

  /** Called once if a service dies while the network is meant to be running. */
  onUnexpectedExit(handler: (service: string, child: ManagedChild) => void): void {
    this.unexpectedExit = handler;
  }

  private display(path: string): string {
    const rel = relative(REPO_ROOT, path);
    return rel.startsWith("..") ? path : rel;
  }

  async start(): Promise<void> {
    const { config, options } = this;
    const out = options.out;
    const started = Date.now();

    const natsStore = join(config.dataDir, "nats");
    if (options.fresh && existsSync(config.dataDir)) {
      assertSafeToWipe(config.dataDir);
      // Its store is about to go: a server left running on it by an earlier start goes first.
      await stopLeftoverNats(natsStore, out);
      rmSync(config.dataDir, { recursive: true, force: true });
      out(`Wiped ${this.display(config.dataDir)} (--fresh).`);
    }
    mkdirSync(config.dataDir, { recursive: true });
    // A seed interrupted mid-history left the clock in the past; the network starts at real time.
    setNetworkClock(clockOffsetFile(config.dataDir), 0);

    const missing = [config.identity, ...config.services].filter((s) => !existsSync(s.entry));
    if (missing.length > 0) {
      throw new LaunchError(
        `these services have no entry point yet: ${missing.map((s) => this.display(s.entry)).join(", ")}` +
          (config.from === "dist" ? " (build them with `pnpm exec tsc -b`, or run with --from-source)" : ""),
      );
    }
    const busy: string[] = [];
    for (const s of config.services)
      if (await isPortOpen(s.host, s.port, 500)) busy.push(`${s.name} (${s.address})`);
    if (busy.length > 0) {
      throw new LaunchError(
        `ports already in use: ${busy.join(", ")}. Is the network already running? ` +
          `Stop it, or choose other ports with ${addressVariable("intake")} and friends.`,
      );
    }

    if (await isPortOpen(config.identity.host, config.identity.port, 500)) {
      throw new LaunchError(
        `port ${config.identity.host}:${config.identity.port} (identity) is already in use. ` +
          `Stop what listens there, or choose another with ${IDENTITY_ADDRESS_VARIABLE}.`,
      );
    }

    ensureConsoleBuilt(out);

    const embedded = [config.identity, ...config.services]
      .filter((s) => !s.databaseUrl)
      .map((s) => s.dataDir);
    const t0pglite = Date.now();
    const copied = await preparePgliteDataDirs(embedded, { repoRoot: REPO_ROOT });
    if (copied.length > 0)
      out(
        `PGlite: ${copied.length} new database${copied.length > 1 ? "s" : ""} copied from an initialised template (${seconds(Date.now() - t0pglite)})`,
      );

    const natsPort = await freePort();
    const trust = await prepareTrust({
      dir: join(config.dataDir, "trust"),
      organisations: ORGANISATIONS.map((o) => ({ id: o.id, name: o.name })),
      hosted: networkHosting(),
      partnerOrganisations: NGOS,
      nats: { host: "127.0.0.1", port: natsPort },
    });
    this.trust = trust;
    out(
      `Trust: local CA, certificates, NATS users and demo logins under ${this.display(trust.dir)} (private)`,
    );

    if (config.natsUrl) {
      this.nats = await useExternalNats(config.natsUrl);
      out(`NATS: using the external server at ${config.natsUrl} (NATS_URL)`);
      out(
        "  its own users apply: the services connect without the per-service users of the launcher's server",
      );
      if (options.fresh) {
        // The fresh databases must not replay what earlier runs left in the network's streams.
        const removed = await removeNetworkStreams(config.natsUrl);
        out(
          removed.length > 0
            ? `  removed the network's streams and their durable consumers (--fresh): ${removed.join(", ")}`
            : "  no streams of the network there yet (--fresh)",
        );
      }
    } else {
      this.nats = await startOwnNats(natsStore, out, { configFile: trust.natsConfigFile, port: natsPort });
      this.confined = true;
      out(
        `NATS: started nats-server -js at ${this.nats.url} (store ${this.display(natsStore)}), one user per service`,
      );
      // The services' users may only look streams up; the admin makes them first.
      await provisionNetworkStreams(this.nats.url, natsConnectOptions(trust.nats.admin));
    }

    // Nothing here needs another to start: a service fetches the issuer's keys and its own tokens
    // on first use, and the directory every service replicates from coordination arrives through
    // its stream whenever coordination publishes it. So identity, the mail catcher and every
    // service start together, and the start takes as long as the slowest of them, not the sum.
    const t0 = Date.now();
    const smtpUrl = process.env.SMTP_URL?.trim();
    await Promise.all([
      this.startIdentity(trust).then(() =>
        out(`  identity serving at ${config.identity.issuer} (${seconds(Date.now() - t0)})`),
      ),
      (smtpUrl ? Promise.resolve({ url: smtpUrl, dir: undefined }) : this.startMailCatcher()).then((mail) => {
        this.mail = mail;
        out(
          mail.dir
            ? `Mail: local mail catcher at ${mail.url}; every email lands in ${this.display(mail.dir)} as an .eml file`
            : "Mail: the notification service sends through SMTP_URL (no local mail catcher)",
        );
      }),
      ...config.services.map(async (s) => {
        await this.startService(s);
        out(`  ${s.name} serving (${seconds(Date.now() - t0)})`);
      }),
    ]);
    out(`All ${config.services.length + 1} services are up in ${seconds(Date.now() - started)}.`);
    this.writeNetworkFile(trust);

    if (!options.seed) {
      out("Demo data: skipped (--no-seed).");
    } else {
      const marker = readMarker(config.dataDir);
      if (marker) out(`Demo data: already seeded (${marker.seededAt ?? "earlier"}); keeping it.`);
      else {
        try {
          await this.seed();
        } catch (error) {
          if (options.signal?.aborted || this.stopping) throw error;
          options.progress?.("");
          out(`\nSeeding failed: ${error instanceof Error ? error.message : String(error)}`);
          out(
            "The network keeps running without the complete demo data; the next start seeds again " +
              "(every seed write is idempotent, finished steps are skipped).",
          );
        }
      }
    }
    this.printSummary();
  }

  /**
   * Starts one service and resolves once its gRPC health check says SERVING (it binds its port at
   * once and reports NOT_SERVING while it migrates, provisions streams and starts its consumers).
   * Fails if it exits first or is not SERVING within the start timeout.
   */
  private async startService(plan: ServicePlan): Promise<void> {
    const child = this.spawnChild(plan.name, plan.entry, this.childEnv(plan), /gRPC listening on/, plan);
    await this.untilReady(plan.name, child, (signal) =>
      waitUntilServing(plan.address, {
        timeoutMs: START_TIMEOUT_MS,
        signal,
        credentials: channelCredentials(this.requireTrust().operatorTls),
      }),
    );
  }

  /** A child process from its package's source, its output relayed (but for the line the launcher reports itself). */
  private spawnChild(
    name: string,
    entry: string,
    env: NodeJS.ProcessEnv,
    quiet: RegExp,
    database: { databaseUrl: string | undefined },
  ): ManagedChild {
    const child = spawnManaged({
      name,
      command: process.execPath,
      args: nodeArgs(entry, { from: this.config.from, nodeOptions: nodeOptionsFor(database) }),
      cwd: join(REPO_ROOT, "services", name),
      env: serviceEnvWithCompileCache(env, database),
      onLine: (line) => {
        if (!this.config.verbose && quiet.test(line)) return;
        this.options.out(relayLine(name, line));
      },
    });
    this.children.set(name, child);
    return child;
  }

  /**
   * Resolves once `ready` does; fails at once if the child exits first, and with the child's last
   * output if it is not ready in time.
   */
  private async untilReady(
    name: string,
    child: ManagedChild,
    ready: (signal: AbortSignal) => Promise<void>,
  ): Promise<void> {
    const lastOutput = () =>
      child
        .tail()
        .slice(-15)
        .map((l) => `    ${l}`)
        .join("\n");
    const gone = new AbortController();
    void child.exited.then(({ code, signal }) => {
      gone.abort(
        new LaunchError(
          `${name} exited (code ${code}${signal ? `, signal ${signal}` : ""}) before it was ready. Last output:\n${lastOutput()}`,
        ),
      );
      if (!this.stopping && this.unexpectedExit) this.unexpectedExit(name, child);
    });
    try {
      await ready(gone.signal);
    } catch (error) {
      if (gone.signal.aborted) throw gone.signal.reason;
      throw new LaunchError(`${(error as Error).message}. Last output of ${name}:\n${lastOutput()}`, {
        cause: error,
      });
    }
  }

  private requireTrust(): NetworkTrust {
    if (!this.trust) throw new LaunchError("the network's trust is not prepared yet");
    return this.trust;
  }

  /**
   * The identity service first: every other service verifies its callers' tokens against its keys.
   * It applies the demo provisioning (organisations, logins, clients) at start.
   */
  private async startIdentity(trust: NetworkTrust): Promise<void> {
    const plan = this.config.identity;
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    Object.assign(env, {
      DATA_DIR: this.config.dataDir,
      HTTP_HOST: plan.host,
      HTTP_PORT: String(plan.port),
      ISSUER: plan.issuer,
      HTTP_TLS_CERT_FILE: trust.identityTls.certFile,
      HTTP_TLS_KEY_FILE: trust.identityTls.keyFile,
      COOKIE_KEYS: trust.cookieKeys.join(","),
      PROVISION_FILE: trust.provisionFile,
      LOG_LEVEL: this.config.verbose ? process.env.LOG_LEVEL || "info" : "warn",
      // Everything local (the seed, the CLI, every service) comes from one loopback address.
      LOGIN_RATE_LIMIT: "600",
      TOKEN_RATE_LIMIT: "6000",
    });
    if (plan.databaseUrl) env.DATABASE_URL = plan.databaseUrl;
    const child = this.spawnChild("identity", plan.entry, env, /OpenID provider .* listening on/, plan);
    await this.untilReady("identity", child, (signal) =>
      waitUntilIdentityServes(plan.issuer, trust.caFile, { timeoutMs: START_TIMEOUT_MS, signal }),
    );
  }

  /**
   * The local mail catcher (`@kopru/mail-catcher`): an SMTP server on the loopback that keeps every
   * message the notification service sends as an .eml file under `.data/mail/`, so nobody needs a
   * mail server of their own to see the emails. It runs in the launcher's process: a few emails
   * are not worth a Node process of their own (about 80 MB).
   */
  private async startMailCatcher(): Promise<{ url: string; dir: string }> {
    const dir = join(this.config.dataDir, "mail");
    this.mailCatcher = await startMailCatcher({ dir, host: "127.0.0.1", port: 0 });
    return { url: this.mailCatcher.url, dir };
  }

  /** How the CLI (and anyone on this machine) reaches this network: `.data/network.json`. */
  private writeNetworkFile(trust: NetworkTrust): void {
    const file: NetworkFile = {
      issuer: this.config.identity.issuer,
      cliClientId: CLI_CLIENT_ID,
      tls: trust.operatorTls,
      addresses: this.addresses(),
    };
    writeFileSync(join(this.config.dataDir, NETWORK_FILE), `${JSON.stringify(file, null, 2)}\n`);
  }

  private childEnv(plan: ServicePlan): NodeJS.ProcessEnv {
    const trust = this.requireTrust();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NATS_URL: this.nats?.url,
      AUTH_ISSUER: this.config.identity.issuer,
      // The issuer's keys are fetched over HTTPS from a certificate of the local CA.
      NODE_EXTRA_CA_CERTS: trust.caFile,
      GRPC_TLS_CA_FILE: trust.serviceTls[plan.name].caFile,
      GRPC_TLS_CERT_FILE: trust.serviceTls[plan.name].certFile,
      GRPC_TLS_KEY_FILE: trust.serviceTls[plan.name].keyFile,
      AUTH_CLIENT_ID: serviceClientId(plan.name),
      AUTH_CLIENT_SECRET: trust.clientSecrets.services[serviceClientId(plan.name)],
      // One business clock for the whole network; the seed winds it back through its history.
      KOPRU_CLOCK_OFFSET_FILE: clockOffsetFile(this.config.dataDir),
    };
    const natsUser = trust.nats.services[plan.name];
    if (this.confined && natsUser) Object.assign(env, natsCredentialEnv(natsUser));
    delete env.DATABASE_URL;
    delete env.GRPC_PLAINTEXT;
    if (plan.name === "notifications" && this.mail) env.SMTP_URL = this.mail.url;
    if (plan.name === "intake") env.MATCHING_NETWORK_SECRET = trust.matchingSecret;
    if (plan.name === "gateway") {
      // The partner API is HTTPS with the gateway's certificate from the local CA.
      env.HTTP_TLS_CERT_FILE = trust.serviceTls.gateway.certFile;
      env.HTTP_TLS_KEY_FILE = trust.serviceTls.gateway.keyFile;
    }
    for (const [key, value] of Object.entries(plan.env)) {
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
    return env;
  }

  private addresses() {
    return Object.fromEntries(this.config.services.map((s) => [s.name, s.address])) as Record<
      ServicePlan["name"],
      string
    >;
  }

  private async seed(): Promise<void> {
    const { options, config } = this;
    const out = options.out;
    // Loaded only to seed: faker and the services' clients are not worth keeping in every start.
    const [{ planSeed }, { seedDemo }] = await Promise.all([import("./seed-plan.js"), import("./seed.js")]);
    const plan = planSeed({ seed: DEMO_SEED, count: options.referrals });
    out(
      `Seeding the demo network and ${plan.length} referrals (fixed seed ${DEMO_SEED}, ${options.concurrency} at a time)...`,
    );
    const step = Math.max(1, Math.round(plan.length / 10));
    const trust = this.requireTrust();
    const report = await seedDemo({
      addresses: this.addresses(),
      connection: {
        credentials: channelCredentials(trust.operatorTls),
        tokens: demoTokens({
          issuer: config.identity.issuer,
          ca: readFileSync(trust.caFile),
          clientId: CLI_CLIENT_ID,
          logins: trust.logins,
        }),
      },
      plan,
      clockFile: clockOffsetFile(config.dataDir),
      concurrency: options.concurrency,
      signal: options.signal,
      log: (line) => out(`  ${line}`),
      progress: (done, total) => {
        if (options.progress) options.progress(`  referrals ${done}/${total}`);
        else if (done % step === 0 || done === total) out(`  referrals ${done}/${total}`);
      },
    });
    options.progress?.("");
    const statuses = Object.entries(report.statuses)
      .sort((a, b) => b[1] - a[1])
      .map(([s, n]) => `${s} ${n}`)
      .join(", ");
    out(
      `Seeded in ${seconds(report.directoryMs + report.referralsMs)}: directory ${seconds(report.directoryMs)}, ` +
        `${report.referrals} referrals ${seconds(report.referralsMs)} (incl. redirect and onward children).`,
    );
    out(`  final statuses: ${statuses}`);
    out(
      `  history: ${SEED_DAYS} days, the network's clock moved a day at a time; ` +
        `${report.expired} unanswered referrals expired by the targets' own deadline timers.`,
    );
    const work = report.casework;
    out(
      `  casework: ${work.assigned} referrals assigned by supervisors (${work.reassigned} reassigned), ` +
        `${work.callsRecorded} calls recorded, ${work.callsRefused} refused (not safe to contact), ` +
        `${work.contactUpdates} contact updates sent to the holders; follow-up reminders and ` +
        "escalations came from the services' own timers.",
    );
    out(
      `  courses: ${work.enrolled} people enrolled at the community centres, ${work.waitlisted} put on the ` +
        "waitlist of a full course.",
    );
    writeFileSync(
      markerPath(config.dataDir),
      `${JSON.stringify(
        {
          marker: SEED_MARKER,
          seededAt: new Date().toISOString(),
          seed: DEMO_SEED,
          referrals: report.referrals,
          statuses: report.statuses,
        },
        null,
        2,
      )}\n`,
    );
  }

  private printSummary(): void {
    const { config } = this;
    const out = this.options.out;
    const natsUrl = this.nats?.url ?? "";
    const width = Math.max(...config.services.map((s) => s.address.length), natsUrl.length, 14);
    const partnerApi = config.services.find((s) => s.name === "gateway")?.env.PUBLIC_URL;
    const lines = [
      "",
      "Köprü is running.",
      "",
      `  ${"service".padEnd(17)}${"gRPC address".padEnd(width + 2)}data`,
      ...config.services.map(
        (s) =>
          `  ${s.name.padEnd(17)}${s.address.padEnd(width + 2)}${s.databaseUrl ? "PostgreSQL (KOPRU_*_DATABASE_URL)" : this.display(s.dataDir)}`,
      ),
      `  ${"NATS".padEnd(17)}${natsUrl.padEnd(width + 2)}${
        this.nats?.child ? this.display(join(config.dataDir, "nats")) : "(external server, not managed here)"
      }`,
      `  ${"identity".padEnd(17)}${config.identity.issuer.replace("https://", "").padEnd(width + 2)}${
        config.identity.databaseUrl
          ? "PostgreSQL (KOPRU_IDENTITY_DATABASE_URL)"
          : this.display(config.identity.dataDir)
      }  OpenID provider ${config.identity.issuer}`,
      ...(partnerApi
        ? [
            `  ${"partner API".padEnd(17)}${partnerApi.replace("https://", "").padEnd(width + 2)}REST for partner systems: ${partnerApi}/docs (OpenAPI at /openapi.json)`,
          ]
        : []),
      ...(partnerApi
        ? [
            `  ${"staff console".padEnd(17)}${`${partnerApi.replace("https://", "")}/console/`.padEnd(width + 2)}in a browser: ${partnerApi}/console/ (Türkçe, العربية, English; log in with a demo login below)`,
          ]
        : []),
      ...(this.mail?.dir
        ? [
            `  ${"mail catcher".padEnd(17)}${this.mail.url.replace("smtp://", "").padEnd(width + 2)}${this.display(this.mail.dir)}  every email, as .eml files`,
          ]
        : []),
      "",
      ...this.loginLines(),
      "",
      "Try, in another terminal:",
    ];
    if (!usesDefaultAddresses(config)) {
      for (const s of config.services) lines.push(`  export ${addressVariable(s.name)}=${s.address}`);
    }
    lines.push(
      "  pnpm kopru login --user caseworker@mmcc-gaziantep      (asks for the password above)",
      "  pnpm kopru inbox list --as mmcc-gaziantep",
      "  pnpm kopru login --user caseworker@ngo-hayat",
      "  pnpm kopru referral list --as ngo-hayat --status completed",
      "  pnpm kopru login --user coordinator@coordination",
      "  pnpm kopru coordination figures --by organisation,service_type",
      "  pnpm kopru coordination overdue",
      "  pnpm kopru notifications list --as mmcc-gaziantep",
      "  pnpm kopru whoami",
      "  pnpm kopru --help",
      "",
      "Ctrl-C stops everything; the data stays for the next start (pnpm start --fresh wipes it).",
    );
    for (const line of lines) out(line);
  }

  /** The demo logins people start with; every login (and partner client secret) is in the trust directory. */
  private loginLines(): string[] {
    const trust = this.trust;
    if (!trust) return [];
    const shown = [
      "caseworker@mmcc-gaziantep",
      "caseworker@ngo-hayat",
      "restricted@protection-partner",
      "approver@ecm-unit",
      "coordinator@coordination",
    ];
    const logins = trust.logins.filter((l) => shown.includes(l.username));
    const width = Math.max(...logins.map((l) => l.username.length));
    return [
      "Demo logins (generated for this machine; all of them, and the partner systems' client secrets,",
      `are in ${this.display(join(trust.dir, "secrets.json"))}, readable only by you):`,
      ...logins.map(
        (l) => `  ${l.username.padEnd(width + 2)}password ${l.password}   roles ${l.roles.join(", ")}`,
      ),
    ];
  }

  /** Stops the services (in parallel, each SIGTERM then SIGKILL after a grace period), then NATS. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const running = [...this.children.values()].filter((c) => c.running);
      if (running.length > 0) this.options.out(`Stopping ${running.map((c) => c.name).join(", ")}...`);
      await Promise.all(running.map((c) => c.stop(STOP_GRACE_MS)));
      // After the services: the notification service may still be handing over an email.
      await this.mailCatcher?.close();
      if (this.nats?.child?.running) {
        this.options.out("Stopping nats-server...");
        await this.nats.child.stop(5_000);
      }
      this.options.out("Stopped.");
    })();
    return this.stopping;
  }

  /** Last resort (second Ctrl-C, or the launcher exiting): SIGKILL everything now. */
  killNow(): void {
    for (const child of this.children.values()) child.killNow();
    this.nats?.child?.killNow();
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }
}
