import { randomBytes } from "node:crypto";
import {
  ConfigError,
  csv,
  duration,
  type Env,
  envField,
  integer,
  loadConfig,
  logLevel,
  nonEmptyString,
  optionalUrl,
  port,
} from "@kopru/config";
import { z } from "zod";
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from "./domain/token-claims.js";

const MIN_COOKIE_KEY_LENGTH = 32;

/** The identity service's environment. It has no NATS and no gRPC: only HTTP and its database. */
export const identityEnv = z.object({
  /** Absent means the embedded PGlite database under DATA_DIR. */
  DATABASE_URL: optionalUrl({ protocols: ["postgres", "postgresql"] }),
  DATA_DIR: nonEmptyString().default(".data"),
  LOG_LEVEL: logLevel().default("info"),
  /** Read by `@kopru/observability/register`; listed here so `.env.example` documents it. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl({ protocols: ["http", "https"] }),
  NODE_ENV: envField("expected development, test or production", (raw) =>
    raw === "development" || raw === "test" || raw === "production" ? raw : undefined,
  ).default("development"),
  HTTP_HOST: nonEmptyString().default("127.0.0.1"),
  HTTP_PORT: port({ allowEphemeral: true }).default(7443),
  /** The public URL verifiers see as `iss`. Default: `http(s)://<HTTP_HOST>:<HTTP_PORT>`. */
  ISSUER: optionalUrl({ protocols: ["http", "https"] }),
  /** Both set: the listener speaks HTTPS with this PEM certificate chain and key. */
  HTTP_TLS_CERT_FILE: nonEmptyString().optional(),
  HTTP_TLS_KEY_FILE: nonEmptyString().optional(),
  /**
   * Secrets that sign the provider's session and interaction cookies, newest first (older ones
   * still verify, so a key can be rotated). Required in production; generated per start otherwise.
   */
  COOKIE_KEYS: csv(
    envField(`expected comma-separated secrets of at least ${MIN_COOKIE_KEY_LENGTH} characters`, (raw) =>
      raw.length >= MIN_COOKIE_KEY_LENGTH ? raw : undefined,
    ),
  ).optional(),
  ACCESS_TOKEN_TTL: duration()
    .refine((ms) => ms >= 30_000 && ms <= MAX_ACCESS_TOKEN_TTL_SECONDS * 1000, {
      message: `expected a duration between 30s and ${MAX_ACCESS_TOKEN_TTL_SECONDS}s`,
    })
    .default(300_000),
  /** Promote the staged signing key this often; unset or 0: only when asked (`rotate-keys`). */
  SIGNING_KEY_ROTATION_DAYS: integer({ min: 0, max: 3650 }).default(0),
  /** Login form and device code submissions per client IP per minute. */
  LOGIN_RATE_LIMIT: integer({ min: 1 }).default(10),
  /** Token endpoint requests per client IP per minute. */
  TOKEN_RATE_LIMIT: integer({ min: 1 }).default(120),
  /**
   * A provisioning spec (JSON) applied at every start, before the provider serves: how the launcher
   * and the end-to-end tests bring organisations, users and clients (an upsert, so a re-start is
   * harmless). The file holds secrets: keep it mode 0600.
   */
  PROVISION_FILE: nonEmptyString().optional(),
});

export type IdentityEnv = z.output<typeof identityEnv>;

export interface IdentityConfig extends IdentityEnv {
  issuer: string;
  cookieKeys: string[];
  accessTokenTtlSeconds: number;
}

/**
 * `loadConfig` plus the rules that span variables, reported the same way (every bad variable named):
 * TLS needs both files, production needs its own cookie keys.
 */
export function loadIdentityConfig(env: Env = process.env): IdentityConfig {
  const config = loadConfig(identityEnv, env);
  const issues: { variable: string; message: string }[] = [];
  if (Boolean(config.HTTP_TLS_CERT_FILE) !== Boolean(config.HTTP_TLS_KEY_FILE)) {
    const missing = config.HTTP_TLS_CERT_FILE ? "HTTP_TLS_KEY_FILE" : "HTTP_TLS_CERT_FILE";
    issues.push({ variable: missing, message: "required when the other HTTP_TLS_* file is set" });
  }
  if (config.NODE_ENV === "production" && !config.COOKIE_KEYS?.length) {
    issues.push({ variable: "COOKIE_KEYS", message: "required in production" });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const scheme = config.HTTP_TLS_CERT_FILE ? "https" : "http";
  return {
    ...config,
    issuer: (config.ISSUER ?? `${scheme}://${config.HTTP_HOST}:${config.HTTP_PORT}`).replace(/\/$/, ""),
    // Generated keys mean every restart logs everyone out; fine for development, not for production.
    cookieKeys: config.COOKIE_KEYS?.length ? config.COOKIE_KEYS : [randomBytes(32).toString("base64url")],
    accessTokenTtlSeconds: Math.round(config.ACCESS_TOKEN_TTL / 1000),
  };
}
