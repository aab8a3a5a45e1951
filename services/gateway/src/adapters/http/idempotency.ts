import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Clock } from "@kopru/service-kit";
import type { Database } from "@kopru/storage";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { callerOf } from "./auth.js";
import { gatewayProblem } from "./problems.js";

// `Idempotency-Key` on POST (draft-ietf-httpapi-idempotency-key-header): the first request with a
// key runs; a retry with the same key and the same request gets the first answer again (with
// `Idempotent-Replayed: true`); the same key with a different request is refused (422); a retry
// while the first is still running waits for its answer, up to a bound, then gets 409. The
// record is claimed by a primary-key insert, so of concurrent duplicates exactly one runs.

export type IdempotencyMode = "required" | "optional";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Whether the route takes an Idempotency-Key (every POST does; state changes require it). */
    idempotency?: IdempotencyMode;
  }
  interface FastifyRequest {
    idempotency: { caller: string; key: string } | undefined;
    /** Whose keys these are when the caller is not a partner token (a console session's staff member). */
    idempotencyScope: string | undefined;
  }
}

export const IDEMPOTENCY_HEADER = "idempotency-key";
const KEY = /^[\x21-\x7e]{1,255}$/;
/** Headers of the first answer that a replay repeats. */
const KEPT_HEADERS = ["content-type", "etag", "location"] as const;

export interface IdempotencyOptions {
  db: Database;
  clock: Clock;
  ttlMs: number;
  /** How long a request may run before a retry may take it over (the request timeout). */
  lockMs: number;
  /** How long a duplicate waits for the first request's answer before getting 409. */
  waitMs?: number;
}

interface RecordRow {
  request_hash: string;
  state: "in_progress" | "completed";
  locked_until: Date;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  expires_at: Date;
}

function requestHash(request: FastifyRequest): string {
  const body = typeof request.body === "string" ? request.body : JSON.stringify(request.body ?? null);
  // If-Match is part of the request: the same change against another version is another request.
  const ifMatch = String(request.headers["if-match"] ?? "");
  return createHash("sha256").update(`${request.method}\n${request.url}\n${ifMatch}\n${body}`).digest("hex");
}

function replay(reply: FastifyReply, row: RecordRow): FastifyReply {
  for (const [name, value] of Object.entries(row.response_headers ?? {})) reply.header(name, value);
  reply.header("idempotent-replayed", "true");
  // Already serialised once: sent as it was, byte for byte.
  reply.serializer((payload) => payload as string);
  return reply.code(row.response_status ?? 500).send(row.response_body ?? "");
}

function partnerScope(request: FastifyRequest): string {
  const caller = callerOf(request);
  return `${caller.organisationId}/${caller.identity.subject}`;
}

export const idempotency = fp<IdempotencyOptions>(
  async (app: FastifyInstance, options) => {
    const { db, clock } = options;
    const waitMs = options.waitMs ?? 10_000;
    app.decorateRequest("idempotency", undefined);
    app.decorateRequest("idempotencyScope", undefined);

    const claim = async (caller: string, key: string, hash: string): Promise<RecordRow | undefined> => {
      const now = clock.now();
      const { rows } = await db.query<{ claimed: boolean }>(
        `INSERT INTO idempotency_records (caller, idempotency_key, request_hash, state, locked_until, expires_at)
         VALUES ($1, $2, $3, 'in_progress', $4, $5)
         ON CONFLICT (caller, idempotency_key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'in_progress',
               locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at,
               response_status = NULL, response_headers = NULL, response_body = NULL, created_at = $6
           -- An expired record is forgotten; an abandoned run (a crash) is taken over.
           WHERE idempotency_records.expires_at <= $6
              OR (idempotency_records.state = 'in_progress' AND idempotency_records.locked_until <= $6
                  AND idempotency_records.request_hash = EXCLUDED.request_hash)
         RETURNING true AS claimed`,
        [
          caller,
          key,
          hash,
          new Date(now.getTime() + options.lockMs),
          new Date(now.getTime() + options.ttlMs),
          now,
        ],
      );
      if (rows.length > 0) return undefined;
      const existing = await db.query<RecordRow>(
        `SELECT request_hash, state, locked_until, response_status, response_headers, response_body, expires_at
           FROM idempotency_records WHERE caller = $1 AND idempotency_key = $2`,
        [caller, key],
      );
      return existing.rows[0];
    };

    app.addHook("preHandler", async (request, reply) => {
      const mode = request.routeOptions.config.idempotency;
      if (!mode) return;
      const header = request.headers[IDEMPOTENCY_HEADER];
      if (header === undefined) {
        if (mode === "optional") return;
        throw gatewayProblem(
          "idempotency_key_missing",
          "send an Idempotency-Key header (a UUID is a good key) so a retry cannot act twice",
        );
      }
      const key = Array.isArray(header) ? undefined : header;
      if (key === undefined || !KEY.test(key)) {
        throw gatewayProblem(
          "invalid_argument",
          "Idempotency-Key must be 1 to 255 visible ASCII characters",
          {
            invalid_params: [{ name: "Idempotency-Key", reason: "1 to 255 visible ASCII characters" }],
          },
        );
      }
      const scope = request.idempotencyScope ?? partnerScope(request);
      const hash = requestHash(request);
      const deadline = Date.now() + waitMs;
      for (;;) {
        const existing = await claim(scope, key, hash);
        if (existing === undefined) {
          request.idempotency = { caller: scope, key };
          return;
        }
        if (existing.request_hash !== hash) {
          throw gatewayProblem(
            "idempotency_key_reused",
            "this Idempotency-Key was sent with a different request; use a new key for a new request",
          );
        }
        if (existing.state === "completed") return replay(reply, existing);
        if (Date.now() >= deadline) {
          throw gatewayProblem(
            "idempotency_request_in_progress",
            "the first request with this Idempotency-Key has not finished; retry shortly",
            { headers: { "retry-after": "1" } },
          );
        }
        // Its answer is moments away: waiting for it beats sending the caller away to retry.
        await sleep(50);
      }
    });

    app.addHook("onSend", async (request, reply, payload) => {
      const claimed = request.idempotency;
      if (!claimed) return payload;
      request.idempotency = undefined;
      const code = reply.statusCode;
      if (code >= 500 || code === 429 || code === 408) {
        // Not an answer to the request but to the moment: the caller may retry with the same key.
        await db.query("DELETE FROM idempotency_records WHERE caller = $1 AND idempotency_key = $2", [
          claimed.caller,
          claimed.key,
        ]);
        return payload;
      }
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      await db.query(
        `UPDATE idempotency_records
            SET state = 'completed', response_status = $3, response_headers = $4, response_body = $5
          WHERE caller = $1 AND idempotency_key = $2`,
        [
          claimed.caller,
          claimed.key,
          code,
          JSON.stringify(headers),
          typeof payload === "string" ? payload : "",
        ],
      );
      return payload;
    });
  },
  { name: "kopru-idempotency", dependencies: ["kopru-authentication"] },
);

/** Deletes expired records; run on a timer. Returns how many went. */
export async function purgeExpiredIdempotencyRecords(db: Database, now: Date): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM idempotency_records WHERE expires_at <= $1", [now]);
  return rowCount ?? 0;
}
