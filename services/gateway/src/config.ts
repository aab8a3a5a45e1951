import { csv, duration, envField, integer, nonEmptyString, port, url } from "@kopru/config";
import { serviceEnv } from "@kopru/service-kit";
import type { z } from "zod";

/** The receiving services whose referral inboxes the gateway reaches. */
export const INBOX_SERVICES = ["protection", "ecm", "community-centre", "municipality"] as const;
export type InboxService = (typeof INBOX_SERVICES)[number];

/** `<organisation>:<service>`: which receiving service holds an organisation's inbox. */
const inboxEntry = envField<{ organisationId: string; service: InboxService }>(
  `expected <organisation id>:<${INBOX_SERVICES.join("|")}>`,
  (raw) => {
    const match = /^([a-z0-9][a-z0-9-]{1,62}):([a-z-]+)$/.exec(raw);
    if (!match || !(INBOX_SERVICES as readonly string[]).includes(match[2] as string)) return undefined;
    return { organisationId: match[1] as string, service: match[2] as InboxService };
  },
);

const address = () =>
  envField("expected host:port", (raw) => (/^[A-Za-z0-9.:[\]-]+:\d{1,5}$/.test(raw) ? raw : undefined));

/** The gateway's environment: the common service variables plus its HTTP edge and the services it calls. */
export const gatewayEnv = serviceEnv(50058).extend({
  HTTP_HOST: nonEmptyString().default("127.0.0.1"),
  HTTP_PORT: port({ allowEphemeral: true }).default(8443),
  /** PEM certificate and key: the API is served over HTTPS with them, over plain HTTP without. */
  HTTP_TLS_CERT_FILE: nonEmptyString().optional(),
  HTTP_TLS_KEY_FILE: nonEmptyString().optional(),
  /**
   * The API's public base URL, as partners and the staff console reach it (the OpenAPI document's
   * server; the console's login callback and the only Origin its requests may come from).
   */
  PUBLIC_URL: url({ protocols: ["http", "https"] }).optional(),
  INTAKE_ADDRESS: address().default("127.0.0.1:50051"),
  PROTECTION_ADDRESS: address().default("127.0.0.1:50052"),
  ECM_ADDRESS: address().default("127.0.0.1:50053"),
  COMMUNITY_CENTRE_ADDRESS: address().default("127.0.0.1:50054"),
  MUNICIPALITY_ADDRESS: address().default("127.0.0.1:50055"),
  COORDINATION_ADDRESS: address().default("127.0.0.1:50056"),
  NOTIFICATIONS_ADDRESS: address().default("127.0.0.1:50057"),
  /** The staff console's first-party client at the identity service (public client, PKCE). */
  CONSOLE_CLIENT_ID: nonEmptyString().default("kopru-console"),
  /** A console session ends after this long without an API call (401 session_expired). */
  CONSOLE_IDLE_TIMEOUT: duration().default(15 * 60_000),
  /** The console's built files (`pnpm --filter @kopru/console build`); default `console/dist` beside src/. */
  CONSOLE_DIST_DIR: nonEmptyString().optional(),
  /** Which service holds each receiving organisation's inbox, e.g. `mmcc-kilis:municipality`. */
  INBOX_ORGANISATIONS: csv(inboxEntry).default([]),
  /** Requests per client (its token's client id; the address before a token is read) per minute. */
  RATE_LIMIT_PER_MINUTE: integer({ min: 1 }).default(600),
  /** Largest request body accepted, in bytes (a 500-referral batch fits in the default). */
  BODY_LIMIT_BYTES: integer({ min: 1024, max: 64 * 1024 * 1024 }).default(1024 * 1024),
  /** How long one request may take, reading the body included. */
  REQUEST_TIMEOUT: duration().default(30_000),
  /** How long a POST's answer is kept for its Idempotency-Key (the draft's "at least 24 hours"). */
  IDEMPOTENCY_TTL: duration().default(24 * 3600_000),
  /** Event-loop delay above which requests are shed with 503 (load shedding). */
  MAX_EVENT_LOOP_DELAY: duration().default(1_000),
  /** Event-loop utilisation (0–1, over the last second) above which requests are shed with 503. */
  MAX_EVENT_LOOP_UTILIZATION: envField("expected a fraction between 0 and 1, e.g. 0.98", (raw) => {
    const value = Number(raw);
    return /^(0(\.\d+)?|1(\.0+)?)$/.test(raw) && value > 0 ? value : undefined;
  }).default(0.98),
  /**
   * Addresses webhook endpoints may resolve to although they are loopback, private, link-local or
   * metadata addresses (IPs or CIDR ranges). Only an administrator sets this.
   */
  WEBHOOK_ALLOWED_ADDRESSES: csv().default([]),
  /** How long failed deliveries are retried before the endpoint is disabled (at least 24 h). */
  WEBHOOK_RETRY_WINDOW: duration()
    .refine((ms) => ms >= 24 * 3600_000, "expected at least 24h: partners are promised a day of retries")
    .default(26 * 3600_000),
  /** Parallel webhook deliveries. */
  WEBHOOK_CONCURRENCY: integer({ min: 1, max: 256 }).default(16),
  /** Timeout of one webhook delivery. */
  WEBHOOK_TIMEOUT: duration().default(10_000),
});

export type GatewayConfig = z.output<typeof gatewayEnv>;
