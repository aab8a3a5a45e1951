import {
  type BusLayout,
  type EventConsumer,
  type Opener,
  OutboxRelay,
  provisionStreams,
  type Sealer,
  untilBrokerAnswers,
} from "@kopru/bus";
import {
  ConfigError,
  commonServiceEnv,
  csv,
  exitOnConfigError,
  loadConfig,
  nonEmptyString,
  port,
  url,
} from "@kopru/config";
import { clientCredentials } from "@kopru/identity-client";
import { createLogger, type Logger, shutdownTelemetry } from "@kopru/observability";
import { type Database, type MigrationSource, migrate, openDatabase } from "@kopru/storage";
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import closeWithGrace from "close-with-grace";
import { z } from "zod";
import { type ClaimMapping, TokenVerifier } from "./auth.js";
import { serviceAudience } from "./client.js";
import { type Clock, offsetFileClock, systemClock } from "./clock.js";
import type { ErrorCatalogue } from "./errors.js";
import { type GrpcServiceBinding, type HostedGrpcServer, startGrpcServer } from "./grpc.js";
import { serverCredentials, type TransportSecurity } from "./tls.js";

/**
 * Every service's environment: the common variables, its gRPC port, how its callers are verified
 * (the token issuer and claim mapping), its TLS files and its own NATS user (ADR 0012).
 */
export function serviceEnv(defaultPort: number) {
  return commonServiceEnv.extend({
    GRPC_PORT: port({ allowEphemeral: true }).default(defaultPort),
    /**
     * A plaintext port serving only the gRPC health check, for probes that cannot present a client
     * certificate (Kubernetes `grpc` probes). Unset: no such port; health stays on GRPC_PORT.
     */
    GRPC_HEALTH_PORT: port({ allowEphemeral: true }).optional(),
    /** The access-token issuer, e.g. the identity service, or an external OIDC issuer. */
    AUTH_ISSUER: url({ protocols: ["http", "https"] }),
    /** Where the issuer's signing keys are; default: its discovery document's `jwks_uri`. */
    AUTH_JWKS_URI: url({ protocols: ["http", "https"] }).optional(),
    /** The audience this service's tokens must carry; default `urn:kopru:<service>`. */
    AUTH_AUDIENCE: nonEmptyString().optional(),
    AUTH_ORGANISATION_CLAIM: nonEmptyString().default("kopru_org"),
    AUTH_ROLES_CLAIM: nonEmptyString().default("roles"),
    AUTH_KIND_CLAIM: nonEmptyString().default("kopru_kind"),
    /** Accepted `typ` headers; `at+jwt,JWT` for an external issuer that does not follow RFC 9068. */
    AUTH_TOKEN_TYPES: csv().default(["at+jwt"]),
    /** PEM files: the network's CA, this service's certificate and its key (mutual TLS). */
    GRPC_TLS_CA_FILE: nonEmptyString().optional(),
    GRPC_TLS_CERT_FILE: nonEmptyString().optional(),
    GRPC_TLS_KEY_FILE: nonEmptyString().optional(),
    /** `development` serves gRPC without TLS; nothing else does. */
    GRPC_PLAINTEXT: z.enum(["development"]).optional(),
    /**
     * This service's own OAuth client (client credentials), for the calls it makes to other services:
     * each carries the service's token, and the user's own token when it acts for one (ADR 0012).
     */
    AUTH_CLIENT_ID: nonEmptyString().optional(),
    AUTH_CLIENT_SECRET: nonEmptyString().optional(),
    /** This service's own NATS user (each service has one, with only the subjects its role needs). */
    NATS_USER: nonEmptyString().optional(),
    NATS_PASSWORD: nonEmptyString().optional(),
  });
}

/** TLS from the three files, or plaintext only when asked for by name; anything else names what is missing. */
export function transportSecurityOf(config: ServiceConfig): TransportSecurity {
  const files = {
    GRPC_TLS_CA_FILE: config.GRPC_TLS_CA_FILE,
    GRPC_TLS_CERT_FILE: config.GRPC_TLS_CERT_FILE,
    GRPC_TLS_KEY_FILE: config.GRPC_TLS_KEY_FILE,
  };
  const given = Object.entries(files).filter(([, value]) => value !== undefined);
  if (config.GRPC_PLAINTEXT === "development") {
    if (given.length > 0)
      throw new ConfigError([
        { variable: "GRPC_PLAINTEXT", message: "cannot be set together with GRPC_TLS_* files; choose one" },
      ]);
    return "plaintext";
  }
  const missing = Object.entries(files).filter(([, value]) => value === undefined);
  if (missing.length > 0)
    throw new ConfigError(
      missing.map(([variable]) => ({
        variable,
        message:
          "required: gRPC runs over mutual TLS (or set GRPC_PLAINTEXT=development for local development)",
      })),
    );
  return {
    caFile: files.GRPC_TLS_CA_FILE as string,
    certFile: files.GRPC_TLS_CERT_FILE as string,
    keyFile: files.GRPC_TLS_KEY_FILE as string,
  };
}

/** The service's own client-credentials tokens, when it has a client of its own. */
export function serviceTokensOf(config: ServiceConfig): ServiceContext<ServiceConfig>["serviceTokens"] {
  if (!config.AUTH_CLIENT_ID) return undefined;
  if (!config.AUTH_CLIENT_SECRET)
    throw new ConfigError([
      { variable: "AUTH_CLIENT_SECRET", message: "required when AUTH_CLIENT_ID is set" },
    ]);
  const source = clientCredentials({
    issuer: config.AUTH_ISSUER,
    clientId: config.AUTH_CLIENT_ID,
    clientSecret: config.AUTH_CLIENT_SECRET,
  });
  return (audience) => source.token(audience);
}

/** The verifier of this service's callers, from its configuration. */
export function tokenVerifierOf(name: string, config: ServiceConfig): TokenVerifier {
  const claims: ClaimMapping = {
    organisation: config.AUTH_ORGANISATION_CLAIM,
    roles: config.AUTH_ROLES_CLAIM,
    kind: config.AUTH_KIND_CLAIM,
  };
  return new TokenVerifier({
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE ?? serviceAudience(name),
    jwksUri: config.AUTH_JWKS_URI,
    claims,
    tokenTypes: config.AUTH_TOKEN_TYPES,
  });
}

export type ServiceConfig = z.output<ReturnType<typeof serviceEnv>>;

/** Something with a lifecycle that the service starts after migrations and stops before the database. */
export interface Worker {
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceContext<C extends ServiceConfig> {
  name: string;
  config: C;
  /**
   * Access tokens of the service's own identity, by audience, for calling another service; undefined
   * without AUTH_CLIENT_ID/AUTH_CLIENT_SECRET. A call made for a user relays the user's token too.
   */
  serviceTokens: ((audience: string) => Promise<string>) | undefined;
  db: Database;
  nats: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  relay: OutboxRelay;
  logger: Logger;
  clock: Clock;
}

export interface BuiltService {
  grpc: GrpcServiceBinding[];
  consumers?: EventConsumer[];
  workers?: Worker[];
  /**
   * How personal events travel sealed (ADR 0022): the relay seals with `sealer`, every consumer
   * opens with `opener`. Without it the relay refuses to publish any event the layout marks as
   * personal data: nothing personal ever leaves in clear.
   */
  sealing?: {
    sealer: Sealer;
    opener: Opener;
    /** Told every consumer of the service (whose backlog decides when a retired key may go). */
    track?(consumers: readonly EventConsumer[]): void;
  };
}

/** The relay's sealer of a service that seals nothing: personal events are never published. */
export function refusePersonalData(layout: BusLayout): Sealer {
  const personal = new Set(layout.events.filter((e) => e.personalData).map((e) => e.type));
  return async (message) => {
    if (personal.has(message.eventType)) {
      throw new Error(`${message.eventType} carries personal data and this service has no sealer`);
    }
    return { kind: "clear" };
  };
}

export interface ServiceSpec<S extends z.ZodObject, C extends ServiceConfig = z.output<S> & ServiceConfig> {
  name: string;
  envSchema: S;
  /** Library migrations first (bus, referral, timers), then the service's own. */
  migrations: readonly MigrationSource[];
  layout: BusLayout;
  /** Every error the service's handlers may answer with: its own and its libraries' declarations. */
  errors: ErrorCatalogue;
  build(context: ServiceContext<C>): Promise<BuiltService>;
}

export interface RunningService<C extends ServiceConfig> {
  context: ServiceContext<C>;
  grpc: HostedGrpcServer;
  stop(): Promise<void>;
}

/**
 * Composition root shared by every service: config → gRPC port bound, answering health checks with
 * NOT_SERVING → database (+ migrations) → NATS (+ streams) → outbox relay → the service's own
 * handlers, consumers and workers → SERVING. A broker that does not answer yet is waited for, not a
 * reason to exit. Stopping drains in the reverse order: no new calls, consumers finish what they
 * hold, the relay finishes its round, then NATS and the database close.
 */
export async function startService<S extends z.ZodObject, C extends ServiceConfig>(
  spec: ServiceSpec<S, C>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService<C>> {
  const config = loadConfig(spec.envSchema, env) as unknown as C;
  const security = transportSecurityOf(config);
  const verifier = tokenVerifierOf(spec.name, config);
  const logger = createLogger({ service: spec.name, level: config.LOG_LEVEL });
  const clock = env.KOPRU_CLOCK_OFFSET_FILE ? offsetFileClock(env.KOPRU_CLOCK_OFFSET_FILE) : systemClock;

  // Bound first: whoever waits for this service asks the health check instead of reading logs.
  const grpc = await startGrpcServer([], {
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    ...(config.GRPC_HEALTH_PORT !== undefined ? { healthPort: config.GRPC_HEALTH_PORT } : {}),
    credentials: serverCredentials(security),
    verifier,
    errors: spec.errors,
    maxCallsInFlight: config.GRPC_MAX_CALLS_IN_FLIGHT,
    // Name and code only: the message of an unexpected error may carry personal data.
    onInternalError: (error) =>
      logger.error(
        {
          errorName: (error as Error | undefined)?.name,
          errorCode: (error as { code?: unknown } | undefined)?.code,
        },
        "call failed unexpectedly",
      ),
  });
  logger.info(
    { grpc: grpc.address, tls: security === "plaintext" ? "off (development)" : "mutual" },
    "gRPC bound; NOT_SERVING until ready",
  );
  let db: Database | undefined;
  let nats: NatsConnection | undefined;
  try {
    db = await openDatabase({ service: spec.name, url: config.DATABASE_URL, dataDir: config.DATA_DIR });
    const applied = await migrate(db, spec.migrations);
    logger.info({ database: db.location, applied: applied.length }, "database ready");

    // A broker that is down at start is waited for, as one that goes away later is.
    nats = await connect({
      servers: config.NATS_URL,
      name: spec.name,
      ...(config.NATS_USER ? { user: config.NATS_USER, pass: config.NATS_PASSWORD ?? "" } : {}),
      // Replies (publish acks, fetched messages) come to this service's own inboxes, which its NATS
      // user alone may subscribe to.
      inboxPrefix: `_INBOX_${config.NATS_USER ?? spec.name}`,
      maxReconnectAttempts: -1,
      waitOnFirstConnect: true,
    });
    const connection = nats;
    const jsm = await untilBrokerAnswers("JetStream", () => jetstreamManager(connection), { logger });
    const js = jetstream(nats);
    await provisionStreams(jsm, spec.layout, { logger });

    // Set from what the service builds; until then (and without it) personal events stay unsent.
    let sealer = refusePersonalData(spec.layout);
    const relay = new OutboxRelay({ db, js, logger, sealer: (message, sql) => sealer(message, sql) });
    const context: ServiceContext<C> = {
      name: spec.name,
      config,
      serviceTokens: serviceTokensOf(config),
      db,
      nats,
      js,
      jsm,
      relay,
      logger,
      clock,
    };
    const built = await spec.build(context);
    if (built.sealing) {
      sealer = built.sealing.sealer;
      for (const consumer of built.consumers ?? []) consumer.openWith(built.sealing.opener);
      built.sealing.track?.(built.consumers ?? []);
    }

    relay.start();
    for (const consumer of built.consumers ?? []) await consumer.start();
    for (const worker of built.workers ?? []) await worker.start();
    grpc.serve(built.grpc);
    logger.info({ grpc: grpc.address }, `${spec.name} listening`);

    let stopping: Promise<void> | undefined;
    return {
      context,
      grpc,
      stop() {
        stopping ??= (async () => {
          await grpc.shutdown();
          for (const worker of built.workers ?? []) await worker.stop();
          for (const consumer of built.consumers ?? []) await consumer.stop();
          await relay.stop();
          await connection.drain().catch(() => {});
          await context.db.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    // A start that fails leaves no port bound and no connection open behind it.
    await grpc.shutdown(0);
    await nats?.close().catch(() => {});
    await db?.close().catch(() => {});
    throw error;
  }
}

/** Entry point for `src/main.ts`: start, print where it listens, drain on SIGINT/SIGTERM. */
export async function runService<S extends z.ZodObject, C extends ServiceConfig>(
  spec: ServiceSpec<S, C>,
): Promise<void> {
  const running = await exitOnConfigError(() => startService(spec));
  // One plain line per service once it is SERVING, for people and the tests that read it.
  console.log(`[${spec.name}] gRPC listening on ${running.grpc.address}`);
  closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
    if (err) running.context.logger.error({ err }, "stopping after an unexpected error");
    else running.context.logger.info({ signal }, "stopping");
    await running.stop();
    await shutdownTelemetry();
  });
}
