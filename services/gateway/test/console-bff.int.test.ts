import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, Server, ServerCredentials, type ServerUnaryCall } from "@grpc/grpc-js";
import { loadConfig } from "@kopru/config";
import {
  MarkNotificationsReadResponse,
  NotificationServiceService,
} from "@kopru/contracts/notification/v1/notification_service";
import { ListInboxResponse, ReferralInboxServiceService } from "@kopru/contracts/referral/v1/inbox_service";
import { buildIdentityApp, type IdentityApp, provisionIdentities } from "@kopru/identity";
import { createLogger } from "@kopru/observability";
import { TokenVerifier } from "@kopru/service-kit";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase, freePort, type TestDatabase, waitFor } from "@kopru/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceClients } from "../src/adapters/grpc/service-clients.js";
import { ProtoSchemas } from "../src/adapters/http/proto-schema.js";
import { buildHttpServer } from "../src/adapters/http/server.js";
import { ROUTES } from "../src/app.js";
import { gatewayEnv } from "../src/config.js";
import { gatewayMigrations } from "../src/migrations.js";

// The staff console's backend-for-frontend on the real HTTP server and its real PostgreSQL, logging in
// through the real identity service (its login form, authorization code + PKCE, refresh tokens for
// each service's audience), in front of a stand-in gRPC server for the services it calls, which
// records each call and the token it came with.

const STAFF = {
  id: "staff-caseworker-kilis",
  username: "caseworker@mmcc-kilis",
  password: "a-long-test-password-1",
};
const OTHER = {
  id: "staff-caseworker-hayat",
  username: "caseworker@ngo-hayat",
  password: "a-long-test-password-2",
};

let identityDb: TestDatabase;
let identityHandle: Database;
let identity: IdentityApp;
let issuer: string;
let database: TestDatabase;
let db: Database;
let app: FastifyInstance;
let clients: ServiceClients;
let base: string;
/** The organisations the colleague list was asked for. */
const colleagueLookups: string[] = [];
let grpcServer: Server;
let distDir: string;
let clockOffset = 0;
const calls: { method: string; audience: unknown; subject: unknown; request: unknown }[] = [];

function caller(call: ServerUnaryCall<unknown, unknown>, method: string) {
  const bearer = String(call.metadata.get("authorization")[0] ?? "").replace(/^Bearer /, "");
  const claims = JSON.parse(Buffer.from(bearer.split(".")[1] ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;
  calls.push({ method, audience: claims.aud, subject: claims.sub, request: call.request });
}

beforeAll(async () => {
  // The identity service, over HTTP on the loopback (the console's callback is a loopback URL too).
  identityDb = await createTestDatabase({ prefix: "gateway_console_identity" });
  identityHandle = await openDatabase({ service: "identity", url: identityDb.url });
  const identityPort = await freePort();
  issuer = `http://127.0.0.1:${identityPort}`;
  identity = await buildIdentityApp({
    db: identityHandle,
    logger: createLogger({ service: "identity", level: "silent" }),
    config: {
      issuer,
      cookieKeys: ["a-cookie-key-for-the-console-tests-only"],
      accessTokenTtlSeconds: 300,
      SIGNING_KEY_ROTATION_DAYS: 0,
      LOGIN_RATE_LIMIT: 1000,
      TOKEN_RATE_LIMIT: 10_000,
    } as never,
  });
  await identity.http.listen({ host: "127.0.0.1", port: identityPort });
  const gatewayPort = await freePort();
  const publicUrl = `http://127.0.0.1:${gatewayPort}`;
  await provisionIdentities(identityHandle, {
    organisations: [
      { id: "mmcc-kilis", name: "MMCC Kilis (synthetic)" },
      { id: "ngo-hayat", name: "Hayat (synthetic)" },
    ],
    users: [
      {
        ...STAFF,
        organisationId: "mmcc-kilis",
        displayName: "Kilis caseworker (synthetic)",
        roles: ["caseworker"],
      },
      {
        ...OTHER,
        organisationId: "ngo-hayat",
        displayName: "Hayat caseworker (synthetic)",
        roles: ["caseworker"],
      },
    ],
    clients: [
      {
        clientId: "kopru-console",
        kind: "first-party",
        redirectUris: [`${publicUrl}/console/auth/callback`],
        deviceFlow: false,
      },
    ],
  });

  // The services the console calls: a notification service and a municipality's referral inbox.
  grpcServer = new Server();
  grpcServer.addService(NotificationServiceService, {
    markNotificationsRead: (
      call: ServerUnaryCall<unknown, unknown>,
      callback: (e: null, r: unknown) => void,
    ) => {
      caller(call, "MarkNotificationsRead");
      callback(null, MarkNotificationsReadResponse.fromPartial({ marked: 2, unreadCount: 0 }));
    },
  });
  grpcServer.addService(ReferralInboxServiceService, {
    listInbox: (call: ServerUnaryCall<unknown, unknown>, callback: (e: null, r: unknown) => void) => {
      caller(call, "ListInbox");
      callback(null, ListInboxResponse.fromPartial({ referrals: [] }));
    },
  });
  const grpcPort = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) =>
      error ? reject(error) : resolve(port),
    ),
  );

  distDir = mkdtempSync(join(tmpdir(), "kopru-console-dist-"));
  database = await createTestDatabase({ prefix: "gateway_console" });
  db = await openDatabase({ service: "gateway", url: database.url });
  await migrate(db, gatewayMigrations);
  const config = loadConfig(gatewayEnv, {
    AUTH_ISSUER: issuer,
    GRPC_PLAINTEXT: "development",
    PUBLIC_URL: publicUrl,
    CONSOLE_IDLE_TIMEOUT: "15m",
    CONSOLE_DIST_DIR: join(distDir, "dist"),
    NOTIFICATIONS_ADDRESS: `127.0.0.1:${grpcPort}`,
    MUNICIPALITY_ADDRESS: `127.0.0.1:${grpcPort}`,
    INBOX_ORGANISATIONS: "mmcc-kilis:municipality",
    REQUEST_TIMEOUT: "10s",
    // Load shedding has its own test; a busy test machine must not shed these requests.
    MAX_EVENT_LOOP_UTILIZATION: "1",
    MAX_EVENT_LOOP_DELAY: "60s",
  });
  clients = new ServiceClients(config, credentials.createInsecure(), async () => "service-token");
  app = await buildHttpServer({
    config,
    db,
    clock: { now: () => new Date(Date.now() + clockOffset) },
    logger: createLogger({ service: "gateway", level: "silent" }),
    clients,
    schemas: new ProtoSchemas(),
    verifier: new TokenVerifier({ issuer, audience: "urn:kopru:gateway" }),
    routes: ROUTES,
    staff: {
      find: async (_organisationId, staffId) =>
        staffId === STAFF.id
          ? { username: STAFF.username, displayName: "Kilis caseworker (synthetic)" }
          : undefined,
      colleagues: async (organisationId) => {
        colleagueLookups.push(organisationId);
        return [{ staffId: STAFF.id, displayName: "Kilis caseworker (synthetic)", roles: ["caseworker"] }];
      },
    },
  });
  base = await app.listen({ host: "127.0.0.1", port: gatewayPort });
  await waitFor(async () => (await fetch(`${base}/console/api/session`)).status === 401, {
    timeoutMs: 30_000,
    message: "the server to settle after starting",
  });
}, 120_000);

afterAll(async () => {
  await app?.close();
  clients?.close();
  grpcServer?.forceShutdown();
  await db?.close();
  await database?.drop();
  await identity?.close();
  await identityHandle?.close();
  await identityDb?.drop();
  if (distDir) rmSync(distDir, { recursive: true, force: true });
});

/** `name=value` of a Set-Cookie header, and its attributes. */
function cookieNamed(response: Response, name: string): { pair: string; attributes: string[] } | undefined {
  for (const header of response.headers.getSetCookie()) {
    const [pair, ...attributes] = header.split(";").map((part) => part.trim());
    if (pair?.startsWith(`${name}=`)) return { pair, attributes };
  }
  return undefined;
}

/** A person's browser at the identity service: its cookies, redirects and the login form. */
async function logInAtIdentity(authorizeUrl: string, username: string, password: string): Promise<URL> {
  const jar = new Map<string, string>();
  const remember = (response: Response) => {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(";");
      const [name, ...value] = (pair ?? "").split("=");
      if (name) jar.set(name.trim(), value.join("="));
    }
  };
  const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  let url = new URL(authorizeUrl);
  let form: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    if (url.origin !== new URL(issuer).origin) return url;
    const response = await fetch(url, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        cookie: cookie(),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(form ? { body: form.toString() } : {}),
    });
    remember(response);
    form = undefined;
    const location = response.headers.get("location");
    if (location) {
      url = new URL(location, url);
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no login form at ${url.pathname} (status ${response.status})`);
    url = new URL(action.replace(/&amp;/g, "&"), url);
    form = new URLSearchParams({ username, password });
  }
  throw new Error("too many redirects");
}

interface Session {
  cookie: string;
  csrfToken: string;
  callback: Response;
}

async function logIn(user = STAFF, lang = "en"): Promise<Session> {
  const start = await fetch(`${base}/console/auth/login?lang=${lang}`, { redirect: "manual" });
  const loginCookie = cookieNamed(start, "__Host-kopru-console-login");
  const back = await logInAtIdentity(start.headers.get("location") as string, user.username, user.password);
  const callback = await fetch(back, { redirect: "manual", headers: { cookie: loginCookie?.pair ?? "" } });
  expect(callback.status).toBe(200);
  const session = cookieNamed(callback, "__Host-kopru-console");
  if (!session) throw new Error("no session cookie");
  const state = await fetch(`${base}/console/api/session`, { headers: { cookie: session.pair } });
  const body = (await state.json()) as { csrfToken: string };
  return { cookie: session.pair, csrfToken: body.csrfToken, callback };
}

function rpc(session: Session, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}/console/api/rpc/${path}`, {
    method: "POST",
    headers: {
      cookie: session.cookie,
      origin: base,
      "x-csrf-token": session.csrfToken,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe("the console's login", () => {
  it("sends the browser to the identity service with PKCE (S256), state, every audience and ui_locales", async () => {
    const response = await fetch(`${base}/console/auth/login?lang=ar`, { redirect: "manual" });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get("location") as string);
    expect(location.origin).toBe(issuer);
    const params = location.searchParams;
    expect(params.get("client_id")).toBe("kopru-console");
    expect(params.get("response_type")).toBe("code");
    expect(params.get("redirect_uri")).toBe(`${base}/console/auth/callback`);
    expect(params.get("code_challenge_method")).toBe("S256");
    expect(params.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get("state")?.length).toBeGreaterThanOrEqual(32);
    expect(params.get("ui_locales")).toBe("ar");
    expect(params.getAll("resource")).toEqual(
      expect.arrayContaining([
        "urn:kopru:gateway",
        "urn:kopru:intake",
        "urn:kopru:municipality",
        "urn:kopru:notifications",
      ]),
    );
    // The state is bound to this browser by a short-lived cookie the callback's navigation carries.
    const login = cookieNamed(response, "__Host-kopru-console-login");
    expect(login?.pair).toBe(`__Host-kopru-console-login=${params.get("state")}`);
    expect(login?.attributes).toEqual(
      expect.arrayContaining(["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]),
    );
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("refuses a callback whose state this browser was not sent away with", async () => {
    const start = await fetch(`${base}/console/auth/login`, { redirect: "manual" });
    const state = new URL(start.headers.get("location") as string).searchParams.get("state");
    const forged = await fetch(`${base}/console/auth/callback?code=abc&state=${state}`, {
      redirect: "manual",
    });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { code: string }).code).toBe("console_login_refused");
    const mismatched = await fetch(`${base}/console/auth/callback?code=abc&state=not-the-state`, {
      headers: { cookie: `__Host-kopru-console-login=${state}` },
    });
    expect(mismatched.status).toBe(400);
    expect(cookieNamed(mismatched, "__Host-kopru-console")).toBeUndefined();
  });

  it("logs a staff member in through the identity service's form into a cookie session", async () => {
    const session = await logIn(STAFF, "tr");
    const callback = session.callback;
    const cookie = cookieNamed(callback, "__Host-kopru-console");
    expect(cookie?.attributes).toEqual(
      expect.arrayContaining(["Path=/", "Secure", "HttpOnly", "SameSite=Strict"]),
    );
    expect(cookie?.attributes.some((attribute) => /^Domain=/i.test(attribute))).toBe(false);
    // A same-site navigation onwards (so the Strict cookie is sent), without any script.
    const page = await callback.text();
    expect(page).toContain('http-equiv="refresh" content="0;url=/console/"');
    expect(page).not.toContain("<script");
    const csp = callback.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");

    const response = await fetch(`${base}/console/api/session`, { headers: { cookie: session.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(await response.json()).toEqual({
      staffId: STAFF.id,
      username: STAFF.username,
      displayName: "Kilis caseworker (synthetic)",
      organisationId: "mmcc-kilis",
      roles: ["caseworker"],
      inboxService: "municipality",
      csrfToken: session.csrfToken,
      idleTimeoutSeconds: 900,
      startedAt: expect.any(String),
      expiresAt: expect.any(String),
    });
    // No token ever reaches the browser.
    expect(
      JSON.stringify(
        await (await fetch(`${base}/console/api/session`, { headers: { cookie: session.cookie } })).json(),
      ),
    ).not.toMatch(/eyJ/);
  });

  it("answers 401 session_required without a session, and the partner API takes no console cookie", async () => {
    const none = await fetch(`${base}/console/api/session`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { code: string }).code).toBe("session_required");
    const session = await logIn();
    const partner = await fetch(`${base}/v1/referrals`, { headers: { cookie: session.cookie } });
    expect(partner.status).toBe(401);
    const document = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths).filter((path) => path.startsWith("/console"))).toEqual([]);
  });

  it("ends a session idle for longer than CONSOLE_IDLE_TIMEOUT with 401 session_expired", async () => {
    const session = await logIn();
    clockOffset = 16 * 60_000;
    try {
      const expired = await fetch(`${base}/console/api/session`, { headers: { cookie: session.cookie } });
      expect(expired.status).toBe(401);
      expect(expired.headers.get("cache-control")).toBe("no-store");
      expect(expired.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(((await expired.json()) as { code: string }).code).toBe("session_expired");
      expect(cookieNamed(expired, "__Host-kopru-console")?.attributes).toContain("Max-Age=0");
      const after = await fetch(`${base}/console/api/session`, { headers: { cookie: session.cookie } });
      expect(((await after.json()) as { code: string }).code).toBe("session_required");
    } finally {
      clockOffset = 0;
    }
  });

  it("lets no background call extend a session: polled alone it still expires, used by the person it does not", async () => {
    const polled = await logIn();
    const used = await logIn();
    const background = { "x-console-background": "1" };
    const lastSeen = async (session: Session) => {
      const { rows } = await db.query<{ last_seen_at: Date }>(
        "SELECT last_seen_at FROM console_sessions WHERE csrf_token = $1",
        [session.csrfToken],
      );
      return rows[0] ? new Date(rows[0].last_seen_at).getTime() : undefined;
    };
    const startedSeen = await lastSeen(polled);
    const status = async (response: Promise<Response>) => {
      const answer = await response;
      return answer.ok ? answer.status : ((await answer.json()) as { code: string }).code;
    };
    try {
      // The unread badge polls both tabs; only one has a person working in it.
      for (const minutes of [5, 10, 14]) {
        clockOffset = minutes * 60_000;
        expect(await status(rpc(polled, "inbox/ListInbox", {}, background))).toBe(200);
        expect(
          await status(
            fetch(`${base}/console/api/session`, { headers: { cookie: polled.cookie, ...background } }),
          ),
        ).toBe(200);
        expect(await status(rpc(used, "inbox/ListInbox", {}, background))).toBe(200);
        expect(await status(rpc(used, "inbox/ListInbox", {}))).toBe(200);
      }
      expect(await lastSeen(polled)).toBe(startedSeen);
      clockOffset = 16 * 60_000;
      expect(await status(rpc(polled, "inbox/ListInbox", {}, background))).toBe("session_expired");
      expect(await status(rpc(used, "inbox/ListInbox", {}, background))).toBe(200);
      // Whatever the header says, a marked call is the console's own: only the person's last call counts.
      clockOffset = 28 * 60_000;
      expect(await status(rpc(used, "inbox/ListInbox", {}, { "x-console-background": "0" }))).toBe(200);
      clockOffset = 30 * 60_000;
      expect(await status(rpc(used, "inbox/ListInbox", {}, background))).toBe("session_expired");
    } finally {
      clockOffset = 0;
    }
  });

  it("logs out (CSRF-checked): the session ends, its refresh token is revoked and the cookie cleared", async () => {
    const session = await logIn();
    const { rows } = await db.query<{ refresh_token: string }>(
      "SELECT refresh_token FROM console_sessions ORDER BY created_at DESC LIMIT 1",
    );
    const refreshToken = rows[0]?.refresh_token as string;
    const withoutToken = await fetch(`${base}/console/auth/logout`, {
      method: "POST",
      headers: { cookie: session.cookie, origin: base },
    });
    expect(withoutToken.status).toBe(403);
    const response = await fetch(`${base}/console/auth/logout`, {
      method: "POST",
      headers: { cookie: session.cookie, origin: base, "x-csrf-token": session.csrfToken },
    });
    expect(response.status).toBe(204);
    expect(cookieNamed(response, "__Host-kopru-console")?.attributes).toContain("Max-Age=0");
    const after = await fetch(`${base}/console/api/session`, { headers: { cookie: session.cookie } });
    expect(((await after.json()) as { code: string }).code).toBe("session_required");
    const refresh = await fetch(`${issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        client_id: "kopru-console",
        resource: "urn:kopru:intake",
      }).toString(),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error: string }).error).toBe("invalid_grant");
  });
});

describe("the console's RPC proxy", () => {
  it("refuses a state change without the session's CSRF token or from another Origin", async () => {
    const session = await logIn();
    const body = JSON.stringify({ all: true });
    const base_headers = { cookie: session.cookie, "content-type": "application/json" };
    const cases = [
      { ...base_headers, origin: base },
      { ...base_headers, origin: base, "x-csrf-token": "not-the-token" },
      { ...base_headers, origin: "https://evil.example", "x-csrf-token": session.csrfToken },
      { ...base_headers, "x-csrf-token": session.csrfToken },
    ];
    const before = calls.length;
    for (const headers of cases) {
      const response = await fetch(`${base}/console/api/rpc/notifications/MarkNotificationsRead`, {
        method: "POST",
        headers,
        body,
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe("csrf_refused");
    }
    expect(calls.length).toBe(before);
  });

  it("lists the active colleagues of the caller's own organisation only, and none without a session", async () => {
    expect((await fetch(`${base}/console/api/colleagues`)).status).toBe(401);
    const session = await logIn();
    colleagueLookups.length = 0;
    const response = await fetch(`${base}/console/api/colleagues`, { headers: { cookie: session.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({
      colleagues: [{ staffId: STAFF.id, displayName: "Kilis caseworker (synthetic)", roles: ["caseworker"] }],
    });
    expect(colleagueLookups).toEqual(["mmcc-kilis"]);
  });

  it("calls the service with the staff member's own token for its audience, and answers proto3 JSON", async () => {
    const session = await logIn();
    const response = await rpc(session, "notifications/MarkNotificationsRead", { all: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ marked: 2 });
    expect(calls.at(-1)).toMatchObject({
      method: "MarkNotificationsRead",
      audience: "urn:kopru:notifications",
      subject: STAFF.id,
      request: { all: true },
    });
    // The inbox is the caller's organisation's receiving service's, with that service's audience.
    const inbox = await rpc(session, "inbox/ListInbox", {
      organisationId: "mmcc-kilis",
      statuses: ["REFERRAL_STATUS_REQUESTED"],
    });
    expect(inbox.status).toBe(200);
    expect(calls.at(-1)).toMatchObject({
      method: "ListInbox",
      audience: "urn:kopru:municipality",
      subject: STAFF.id,
    });
  });

  it("gets each audience's token once per session, refreshing one at a time however many calls wait", async () => {
    const session = await logIn();
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => rpc(session, "inbox/ListInbox", {})),
      ...Array.from({ length: 4 }, () => rpc(session, "notifications/MarkNotificationsRead", { all: true })),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    // The refresh token rotated at each refresh, and the session keeps the latest.
    const again = await rpc(session, "inbox/ListInbox", {});
    expect(again.status).toBe(200);
  });

  it("counts each staff member's calls against their own rate limit", async () => {
    const one = await logIn();
    const two = await logIn(OTHER);
    const first = await rpc(one, "notifications/MarkNotificationsRead", { all: true });
    const second = await rpc(one, "notifications/MarkNotificationsRead", { all: true });
    const remaining = (response: Response) => Number(response.headers.get("x-ratelimit-remaining"));
    expect(remaining(second)).toBe(remaining(first) - 1);
    const theirs = await rpc(two, "notifications/MarkNotificationsRead", { all: true });
    expect(remaining(theirs)).toBeGreaterThan(remaining(second));
  });

  it("refuses a method or service off the allow-list, and another organisation's casework service", async () => {
    const session = await logIn();
    for (const path of [
      "notifications/DeleteEverything",
      "identity/ListStaff",
      "ecm/ListCases",
      "protection/GetCase",
    ]) {
      const response = await rpc(session, path, {});
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect(((await response.json()) as { code: string }).code).toBe("console_rpc_not_found");
    }
    // Staff of an organisation without an inbox have none to call.
    const other = await logIn(OTHER);
    expect((await rpc(other, "inbox/ListInbox", {})).status).toBe(404);
    expect((await rpc(other, "municipality/ListCases", {})).status).toBe(404);
  });

  it("refuses an unknown body field with 400 naming it", async () => {
    const session = await logIn();
    const response = await rpc(session, "notifications/MarkNotificationsRead", {
      all: true,
      everything: true,
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; invalid_params: { name: string }[] };
    expect(problem.code).toBe("invalid_argument");
    expect(problem.invalid_params).toEqual([
      { name: "everything", reason: "is not a field of this request" },
    ]);
    const enumValue = await rpc(session, "inbox/ListInbox", { statuses: ["NOT_A_STATUS"] });
    expect(enumValue.status).toBe(400);
  });

  it("runs a call with an Idempotency-Key once: the replay gets the first answer", async () => {
    const session = await logIn();
    const key = crypto.randomUUID();
    const before = calls.filter((call) => call.method === "MarkNotificationsRead").length;
    const first = await rpc(
      session,
      "notifications/MarkNotificationsRead",
      { notificationIds: ["n-1"] },
      { "idempotency-key": key },
    );
    const second = await rpc(
      session,
      "notifications/MarkNotificationsRead",
      { notificationIds: ["n-1"] },
      { "idempotency-key": key },
    );
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.text()).toBe(await first.text());
    expect(calls.filter((call) => call.method === "MarkNotificationsRead").length).toBe(before + 1);
    // The same key is another staff member's own.
    const other = await logIn(OTHER);
    const theirs = await rpc(
      other,
      "notifications/MarkNotificationsRead",
      { notificationIds: ["n-1"] },
      { "idempotency-key": key },
    );
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    // A read takes no key; a key must be a UUID.
    expect(
      (await rpc(session, "inbox/ListInbox", {}, { "idempotency-key": crypto.randomUUID() })).status,
    ).toBe(400);
    expect(
      (await rpc(session, "notifications/MarkNotificationsRead", {}, { "idempotency-key": "k1" })).status,
    ).toBe(400);
  });
});

describe("the console's files", () => {
  it("answers 503 while the console is not built, then serves it with index.html for client routes", async () => {
    const missing = await fetch(`${base}/console/`);
    expect(missing.status).toBe(503);
    expect(((await missing.json()) as { code: string }).code).toBe("console_not_built");
    mkdirSync(join(distDir, "dist", "assets"), { recursive: true });
    writeFileSync(join(distDir, "dist", "index.html"), "<!doctype html><title>Köprü</title>");
    writeFileSync(join(distDir, "dist", "assets", "app-1234.js"), "export {};");
    const index = await fetch(`${base}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toMatch(/^text\/html/);
    expect(index.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    const deep = await fetch(`${base}/console/referrals/2f1c7f0e-4d3a-4a8e-9f59-0b6f1f0d1a11`);
    expect(await deep.text()).toContain("<title>Köprü</title>");
    const asset = await fetch(`${base}/console/assets/app-1234.js`);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(await asset.text()).toBe("export {};");
    const api = await fetch(`${base}/console/api/nothing-here`);
    expect(api.status).toBe(404);
    const traversal = await fetch(`${base}/console/..%2f..%2fpackage.json`);
    expect(await traversal.text()).not.toContain("@kopru/gateway");
  });
});
