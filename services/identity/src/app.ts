import { readFileSync } from "node:fs";
import formbody from "@fastify/formbody";
import rateLimit from "@fastify/rate-limit";
import type { Logger } from "@kopru/observability";
import { TokenVerifier } from "@kopru/service-kit";
import { type Database, migrate } from "@kopru/storage";
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import type Provider from "oidc-provider";
import { interactionRoutes } from "./adapters/http/interactions.js";
import { buildProvider } from "./adapters/http/provider.js";
import { staffDirectoryRoutes } from "./adapters/http/staff-directory.js";
import { deleteExpiredModels } from "./adapters/persistence/oidc-adapter.js";
import {
  ensureSigningKeys,
  listSigningKeys,
  publishedKeys,
  type RotationResult,
  rotateSigningKeys,
  rotationDue,
} from "./application/signing-keys.js";
import type { IdentityConfig } from "./config.js";
import { identityMigrations } from "./migrate-sources.js";

export const SERVICE_NAME = "identity";
/** The audience of tokens for this service's own API (the staff directory). */
export const IDENTITY_AUDIENCE = `urn:kopru:${SERVICE_NAME}`;
/** How often an instance re-reads the signing keys (picking up another instance's rotation). */
export const KEY_RELOAD_SECONDS = 60;

export type IdentityAppConfig = Pick<
  IdentityConfig,
  | "issuer"
  | "cookieKeys"
  | "accessTokenTtlSeconds"
  | "SIGNING_KEY_ROTATION_DAYS"
  | "LOGIN_RATE_LIMIT"
  | "TOKEN_RATE_LIMIT"
  | "HTTP_TLS_CERT_FILE"
  | "HTTP_TLS_KEY_FILE"
>;

export interface IdentityAppOptions {
  config: IdentityAppConfig;
  db: Database;
  logger: Logger;
}

export interface IdentityApp {
  http: FastifyInstance;
  /** The provider serving requests now; replaced (never mutated) when the signing keys change. */
  provider(): Provider;
  /** One rotation step (see `rotateSigningKeys`), then this instance serves the new key set. */
  rotateSigningKeys(): Promise<RotationResult>;
  /** Re-reads the keys and rebuilds the provider if the published set changed. */
  reloadSigningKeys(): Promise<boolean>;
  /** Periodic key reload, scheduled rotation and expired-state cleanup. */
  startBackgroundWork(): void;
  close(): Promise<void>;
}

/**
 * Migrates the database, makes sure signing keys exist, builds the provider and the Fastify app
 * around it, without listening (tests use `http.listen({ port: 0 })` or `inject`).
 */
export async function buildIdentityApp({ config, db, logger }: IdentityAppOptions): Promise<IdentityApp> {
  await migrate(db, [identityMigrations]);
  await ensureSigningKeys(db);

  let current = await build();
  async function build() {
    const keys = publishedKeys(await listSigningKeys(db));
    const provider = buildProvider({
      issuer: config.issuer,
      db,
      logger,
      cookieKeys: config.cookieKeys,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      keys,
    });
    // The public halves, for verifying the tokens that call this service's own API.
    const jwks: JSONWebKeySet = {
      keys: keys.map(({ privateJwk: { d: _private, ...publicJwk } }) => publicJwk),
    };
    return {
      provider,
      callback: provider.callback(),
      kids: keys.map((key) => key.kid).join(" "),
      keySet: createLocalJWKSet(jwks),
    };
  }
  async function reloadSigningKeys(): Promise<boolean> {
    const kids = publishedKeys(await listSigningKeys(db))
      .map((key) => key.kid)
      .join(" ");
    if (kids === current.kids) return false;
    // One assignment: a request in flight finishes on the provider it started with.
    current = await build();
    logger.info({ event: "signing_keys_loaded", kids: current.kids }, "signing keys changed");
    return true;
  }

  const https = config.HTTP_TLS_CERT_FILE &&
    config.HTTP_TLS_KEY_FILE && {
      cert: readFileSync(config.HTTP_TLS_CERT_FILE),
      key: readFileSync(config.HTTP_TLS_KEY_FILE),
    };
  const http = Fastify({
    loggerInstance: logger,
    // Request lines would carry query strings (user codes, states); the hook below logs without them.
    logController: new LogController({ disableRequestLogging: true }),
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;

  http.addHook("onResponse", async (request, reply) => {
    logger.debug(
      {
        method: request.method,
        route: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      "http request",
    );
  });

  await http.register(rateLimit, { global: false });
  http.get("/healthz", async (_request, reply) => {
    await db.query("SELECT 1");
    return reply.send({ status: "ok", issuer: config.issuer });
  });

  // Tokens for the staff directory are checked as every service checks its callers', against the
  // keys this instance publishes (re-read with them), never by asking the provider.
  const verifier = new TokenVerifier({
    issuer: config.issuer,
    audience: IDENTITY_AUDIENCE,
    keys: (header, token) => current.keySet(header, token),
  });
  await http.register(staffDirectoryRoutes, { db, logger, verify: (token) => verifier.verify(token) });

  await http.register(async (scope) => {
    await scope.register(formbody);
    await scope.register(interactionRoutes, {
      db,
      logger,
      provider: () => current.provider,
      loginRateLimit: config.LOGIN_RATE_LIMIT,
    });
  });

  // Everything else belongs to the provider. Its routes read the raw request body themselves, so
  // Fastify must leave the stream unread.
  await http.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
    const handOver = async (request: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      await current.callback(request.raw, reply.raw);
    };
    const tokenLimit = { config: { rateLimit: { max: config.TOKEN_RATE_LIMIT, timeWindow: 60_000 } } };
    scope.post("/token", tokenLimit, handOver);
    scope.post("/device/auth", tokenLimit, handOver);
    // Typing user codes is guessing them when done in bulk: the login form's limit applies.
    scope.post(
      "/device",
      { config: { rateLimit: { max: config.LOGIN_RATE_LIMIT, timeWindow: 60_000 } } },
      handOver,
    );
    scope.all("/*", handOver);
  });

  let timers: NodeJS.Timeout[] = [];
  async function tick() {
    try {
      if (rotationDue(await listSigningKeys(db), config.SIGNING_KEY_ROTATION_DAYS)) {
        const result = await rotateSigningKeys(db, { accessTokenTtlSeconds: rotationCoverSeconds() });
        logger.info({ event: "signing_keys_rotated", ...result }, "scheduled signing key rotation");
      }
      await reloadSigningKeys();
    } catch (error) {
      logger.error({ err: error }, "signing key maintenance failed");
    }
  }
  // A retired key must outlive the tokens it signed, including those another instance signed before
  // its next reload noticed the rotation.
  const rotationCoverSeconds = () => config.accessTokenTtlSeconds + KEY_RELOAD_SECONDS;

  return {
    http,
    provider: () => current.provider,
    async rotateSigningKeys() {
      const result = await rotateSigningKeys(db, { accessTokenTtlSeconds: rotationCoverSeconds() });
      await reloadSigningKeys();
      logger.info({ event: "signing_keys_rotated", ...result }, "signing key rotation");
      return result;
    },
    reloadSigningKeys,
    startBackgroundWork() {
      if (timers.length > 0) return;
      timers = [
        setInterval(tick, KEY_RELOAD_SECONDS * 1000),
        setInterval(() => {
          deleteExpiredModels(db).catch((error) =>
            logger.error({ err: error }, "removing expired provider state failed"),
          );
        }, 3_600_000),
      ];
      for (const timer of timers) timer.unref();
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await http.close();
    },
  };
}
