import { credentials } from "@grpc/grpc-js";
import { loadConfig } from "@kopru/config";
import { createLogger } from "@kopru/observability";
import { systemClock, TokenVerifier } from "@kopru/service-kit";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import {
  createTestDatabase,
  startTestIssuer,
  type TestDatabase,
  type TestIssuer,
  waitFor,
} from "@kopru/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceClients } from "../src/adapters/grpc/service-clients.js";
import { ProtoSchemas } from "../src/adapters/http/proto-schema.js";
import { buildHttpServer } from "../src/adapters/http/server.js";
import { ROUTES } from "../src/app.js";
import { gatewayEnv } from "../src/config.js";
import { gatewayMigrations } from "../src/migrations.js";

// The partner API's limits, on the real HTTP server with its real PostgreSQL, in front of services
// that do not answer (their ports are closed): what is checked here is decided before any service is
// called — the per-client rate limit, the body limit, the media type, load shedding.

const AUDIENCE = "urn:kopru:gateway";
let issuer: TestIssuer;
let database: TestDatabase;
let db: Database;
let app: FastifyInstance;
let clients: ServiceClients;
let base: string;

const partnerToken = (organisationId: string, clientId: string) =>
  issuer.mint({ organisationId }, AUDIENCE, {
    claims: {
      kopru_kind: "partner-system",
      client_id: clientId,
      sub: clientId,
      scope: "referrals:read referrals:write",
    },
  });

beforeAll(async () => {
  issuer = await startTestIssuer();
  database = await createTestDatabase({ prefix: "gateway_limits" });
  db = await openDatabase({ service: "gateway", url: database.url });
  await migrate(db, gatewayMigrations);
  const config = loadConfig(gatewayEnv, {
    AUTH_ISSUER: issuer.issuer,
    GRPC_PLAINTEXT: "development",
    RATE_LIMIT_PER_MINUTE: "5",
    BODY_LIMIT_BYTES: "4096",
    MAX_EVENT_LOOP_UTILIZATION: "0.9",
    REQUEST_TIMEOUT: "5s",
    // Nothing listens there: calls fail fast with UNAVAILABLE.
    INTAKE_ADDRESS: "127.0.0.1:1",
  });
  clients = new ServiceClients(config, credentials.createInsecure(), async () => "service-token");
  app = await buildHttpServer({
    config,
    db,
    clock: systemClock,
    logger: createLogger({ service: "gateway", level: "silent" }),
    clients,
    schemas: new ProtoSchemas(),
    verifier: new TokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE }),
    routes: ROUTES,
  });
  base = await app.listen({ host: "127.0.0.1", port: 0 });
  // Starting up keeps the event loop busy: wait until the server no longer sheds load.
  await waitFor(async () => (await fetch(`${base}/v1/referrals`)).status === 401, {
    timeoutMs: 30_000,
    message: "the server to settle after starting",
  });
});

afterAll(async () => {
  await app?.close();
  clients?.close();
  await db?.close();
  await database?.drop();
  await issuer?.close();
});

describe("the partner API's limits", () => {
  it("gives each client its own budget of requests a minute, then 429 with Retry-After", async () => {
    const busy = await partnerToken("ngo-hayat", "ngo-hayat-system");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${base}/v1/referrals`, { headers: { authorization: `Bearer ${busy}` } });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
        expect(((await response.json()) as { code: string }).code).toBe("rate_limited");
      }
    }
    // The first five reached the (absent) service: 503 problems; the sixth was refused at the door.
    expect(statuses).toEqual([503, 503, 503, 503, 503, 429]);
    const other = await partnerToken("ngo-umut", "ngo-umut-system");
    const response = await fetch(`${base}/v1/referrals`, { headers: { authorization: `Bearer ${other}` } });
    expect(response.status).toBe(503);
  });

  it("refuses a body over the limit with 413 and a body that is not JSON with 415, as problems", async () => {
    const token = await partnerToken("ngo-kopru-relief", "ngo-kopru-relief-system");
    const headers = { authorization: `Bearer ${token}`, "idempotency-key": crypto.randomUUID() };
    const large = await fetch(`${base}/v1/referrals`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ reasonForReferral: "x".repeat(10_000) }),
    });
    expect(large.status).toBe(413);
    expect(((await large.json()) as { code: string }).code).toBe("payload_too_large");
    const text = await fetch(`${base}/v1/referrals`, {
      method: "POST",
      headers: { ...headers, "content-type": "text/plain" },
      body: "refer them please",
    });
    expect(text.status).toBe(415);
    expect(text.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });

  it("sheds load with 503 and Retry-After while the event loop lags, and serves again once it does not", async () => {
    const token = await partnerToken("ngo-shed", "ngo-shed-system");
    const probe = () =>
      fetch(`${base}/v1/referrals`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({
        status: r.status,
        retryAfter: r.headers.get("retry-after"),
        code: ((await r.json()) as { code: string }).code,
      }));
    // Keep the event loop busy (as an overloaded process is) until the shedding shows.
    const shed = await waitFor(
      async () => {
        const until = Date.now() + 1_200;
        while (Date.now() < until) {
          /* busy */
        }
        const answer = await probe();
        return answer.code === "overloaded" ? answer : undefined;
      },
      { timeoutMs: 20_000, message: "the gateway to shed load" },
    );
    expect(shed).toMatchObject({ status: 503, retryAfter: "5" });
    await waitFor(async () => (await probe()).code !== "overloaded", {
      timeoutMs: 20_000,
      message: "the gateway to serve again",
    });
  });
});

describe("what the partner API serves without a token", () => {
  it("serves its OpenAPI document, a docs page with its assets, health and problem types; nothing else", async () => {
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/v1/referrals");
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    const page = await docs.text();
    expect(page).toMatch(/swagger/i);
    const asset = /src="\.?\/?([^"]+\.js)"/.exec(page)?.[1];
    expect(asset).toBeDefined();
    expect((await fetch(`${base}/docs/${asset?.replace(/^docs\//, "")}`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const problem = await fetch(`${base}/problems/idempotency_key_reused`);
    expect(await problem.text()).toContain("422");
    expect((await fetch(`${base}/v1/referrals`)).status).toBe(401);
    const unknown = await fetch(`${base}/v2/anything`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  });
});
