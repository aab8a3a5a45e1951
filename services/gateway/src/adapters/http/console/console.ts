import { timingSafeEqual } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type DescMessage, fromBinary, fromJson, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import fastifyStatic from "@fastify/static";
import { TokenRequestError, type UserTokenSource } from "@kopru/identity-client";
import type { Logger } from "@kopru/observability";
import type { Clock, TokenVerifier } from "@kopru/service-kit";
import type { Database } from "@kopru/storage";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { GatewayConfig, InboxService } from "../../../config.js";
import { ServiceClients, type StaffCallTarget } from "../../grpc/service-clients.js";
import { IDEMPOTENCY_HEADER } from "../idempotency.js";
import { gatewayProblem, ProblemError } from "../problems.js";
import { ProtoSchemas } from "../proto-schema.js";
import { invalidParams } from "../validation.js";
import { CONSOLE_SERVICES, type ConsoleServiceKey, isConsoleServiceKey } from "./allow-list.js";
import { ConsoleIdentity } from "./identity.js";
import { type ConsoleMethod, consoleMethods } from "./methods.js";
import { type ConsoleSession, ConsoleSessions, randomToken } from "./sessions.js";

// The staff console's backend-for-frontend (ADR 0020), everything under /console: the login at the
// identity service (authorization code + PKCE), a server-side session behind an HttpOnly cookie,
// CSRF checks, and one allow-listed RPC proxy that calls the services with the staff member's own
// access tokens, which never reach the browser. The console's built files are served beside it.

declare module "fastify" {
  interface FastifyRequest {
    /** The console session of a /console/api request (or logout), once checked. */
    consoleSession: ConsoleSession | undefined;
  }
}

/** The session cookie: `__Host-` (Secure, Path=/, no Domain), HttpOnly, SameSite=Strict. */
export const SESSION_COOKIE = "__Host-kopru-console";
/** The login under way: Lax, since the callback is a top-level navigation back from the identity service. */
export const LOGIN_COOKIE = "__Host-kopru-console-login";
export const CSRF_HEADER = "x-csrf-token";
/**
 * Marks a call the console made on its own (the unread badge's poll, a refetch, the offline queue):
 * it is answered like any other but never restarts the session's idle clock, so an unattended tab
 * still ends. Any value counts: a marked call must never extend the session.
 */
export const BACKGROUND_HEADER = "x-console-background";
export const CONSOLE_LANGUAGES = ["tr", "ar", "en"] as const;

/** How long a login may take between the redirect to the identity service and the callback. */
const LOGIN_TTL_MS = 10 * 60_000;
/** The absolute life of a session: the identity service's refresh tokens last a working day. */
const SESSION_LIFETIME_MS = 12 * 3600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A colleague as the console shows one: who they are and what they do, never their email. */
export interface Colleague {
  staffId: string;
  displayName: string;
  roles: string[];
}

/**
 * The identity service's staff directory as the console uses it: the session's name at login, and
 * the active colleagues of the caller's own organisation (the assignment picker). The gateway asks
 * with its own service token; the browser only ever gets its own organisation's list.
 */
export interface ConsoleStaffDirectory {
  find(
    organisationId: string,
    staffId: string,
  ): Promise<{ username: string; displayName: string } | undefined>;
  colleagues(organisationId: string): Promise<Colleague[]>;
}

export interface ConsoleOptions {
  config: GatewayConfig;
  db: Database;
  clock: Clock;
  logger: Logger;
  clients: ServiceClients;
  /** The gateway's own verifier: the code exchange's token is for the gateway's audience. */
  verifier: TokenVerifier;
  staff?: ConsoleStaffDirectory | undefined;
}

/** Where the console's built files are: CONSOLE_DIST_DIR, else the package's `console/dist`. */
export function consoleDistDir(config: GatewayConfig): string {
  if (config.CONSOLE_DIST_DIR) return config.CONSOLE_DIST_DIR;
  const here = fileURLToPath(import.meta.url);
  let root = here.slice(0, here.lastIndexOf(`${sep}src${sep}adapters${sep}`));
  if (root.endsWith(`${sep}dist`)) root = root.slice(0, -`${sep}dist`.length);
  return join(root, "console", "dist");
}

function cookieOf(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function setCookie(name: string, value: string, options: { sameSite: "Strict" | "Lax"; maxAge: number }) {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=${options.sameSite}; Max-Age=${options.maxAge}`;
}

function clearCookie(name: string, sameSite: "Strict" | "Lax" = "Strict") {
  return setCookie(name, "", { sameSite, maxAge: 0 });
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The console's Content-Security-Policy: nothing inline, nothing from elsewhere but the login form's target. */
export function consoleCsp(issuer: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action 'self' ${new URL(issuer).origin}`,
  ].join("; ");
}

/** The page the callback answers: a same-site navigation to the console, so the Strict cookie is sent. */
const CONTINUE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/console/">
<title>Köprü</title></head>
<body><p><a href="/console/">Continue to the Köprü console</a></p></body></html>
`;

/**
 * Registers the console under /console: call it after the partner API's own plugins (its routes
 * are hidden from the OpenAPI document and take no bearer token).
 */
export async function registerConsole(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const { config, db, clock, logger, clients, verifier } = options;
  const sessions = new ConsoleSessions(db);
  const publicUrl = config.PUBLIC_URL?.replace(/\/$/, "");
  const origin = publicUrl ? new URL(publicUrl).origin : undefined;
  const idleMs = config.CONSOLE_IDLE_TIMEOUT;
  const identity = publicUrl
    ? new ConsoleIdentity({
        issuer: config.AUTH_ISSUER,
        clientId: config.CONSOLE_CLIENT_ID,
        redirectUri: `${publicUrl}/console/auth/callback`,
        audiences: [
          "urn:kopru:gateway",
          ...(
            [
              "intake",
              "coordination",
              "notifications",
              "protection",
              "ecm",
              "community-centre",
              "municipality",
            ] as const
          ).map((target) => ServiceClients.audienceOf(target)),
        ],
      })
    : undefined;
  const csp = consoleCsp(config.AUTH_ISSUER);
  const distDir = consoleDistDir(config);

  // The messages' schemas with 64-bit integers as text (proto3 JSON), apart from the partner API's.
  const schemas = new ProtoSchemas(undefined, { longs: "string" });
  const methods = consoleMethods(schemas);
  const bodies = new Map<string, Record<string, unknown>>();
  for (const [key, method] of methods) bodies.set(key, schemas.body(method.input.typeName));
  const ajv = new Ajv({
    removeAdditional: false,
    useDefaults: false,
    coerceTypes: false,
    allErrors: true,
    strict: false,
  });
  addFormats.default(ajv);
  for (const schema of schemas.shared()) ajv.addSchema(schema);
  const validators = new Map<string, ValidateFunction>();
  const validatorOf = (key: string): ValidateFunction => {
    let validate = validators.get(key);
    if (!validate) {
      validate = ajv.compile(bodies.get(key) as object);
      validators.set(key, validate);
    }
    return validate;
  };

  // One token source per session, kept in memory; a restarted gateway rebuilds it from the row.
  const tokenSources = new Map<string, Promise<UserTokenSource>>();
  const tokensOf = (session: ConsoleSession): Promise<UserTokenSource> => {
    let source = tokenSources.get(session.idHash);
    if (!source) {
      source = (identity as ConsoleIdentity).tokens(session.refreshToken, session.staffId, (rotated) => {
        sessions
          .saveRefreshToken(session.idHash, rotated)
          .catch((error: unknown) =>
            logger.warn({ errorName: (error as Error).name }, "console refresh token not saved"),
          );
      });
      tokenSources.set(session.idHash, source);
      source.catch(() => tokenSources.delete(session.idHash));
    }
    return source;
  };

  const revoke = (refreshToken: string) =>
    identity
      ?.revoke(refreshToken)
      .catch((error: unknown) =>
        logger.warn({ errorName: (error as Error).name }, "console refresh token not revoked"),
      );

  const endSession = async (idHash: string): Promise<void> => {
    tokenSources.delete(idHash);
    const ended = await sessions.end(idHash);
    if (ended) await revoke(ended.refreshToken);
  };

  const expired = (detail: string) =>
    gatewayProblem("session_expired", detail, { headers: { "set-cookie": clearCookie(SESSION_COOKIE) } });

  /** The request's session, checked: present, within its lifetime and not idle too long. */
  const requireSession = async (request: FastifyRequest): Promise<ConsoleSession> => {
    const id = cookieOf(request, SESSION_COOKIE);
    const session = id ? await sessions.find(id) : undefined;
    if (!session) throw gatewayProblem("session_required", "log in to the console (GET /console/auth/login)");
    const now = clock.now();
    if (session.expiresAt <= now) {
      await endSession(session.idHash);
      throw expired("the session reached the end of its lifetime; log in again");
    }
    if (now.getTime() - session.lastSeenAt.getTime() > idleMs) {
      await endSession(session.idHash);
      throw expired(
        `the session was idle for more than ${Math.round(idleMs / 60_000)} minutes; log in again`,
      );
    }
    return session;
  };

  /** A state change must come from the console itself: its Origin and the session's CSRF token. */
  const checkCsrf = (request: FastifyRequest, session: ConsoleSession): void => {
    if (!origin || request.headers.origin !== origin) {
      throw gatewayProblem("csrf_refused", "the request's Origin is not the console's");
    }
    const token = request.headers[CSRF_HEADER];
    if (typeof token !== "string" || !sameText(token, session.csrfToken)) {
      throw gatewayProblem("csrf_refused", `send the session's CSRF token in ${CSRF_HEADER}`);
    }
  };

  // Ended and idle sessions go, their refresh tokens revoked, even if the browser never comes back.
  const purge = setInterval(() => {
    sessions
      .purge(clock.now(), idleMs)
      .then(async (gone) => {
        for (const session of gone) {
          tokenSources.delete(session.idHash);
          await revoke(session.refreshToken);
        }
      })
      .catch((error: unknown) =>
        logger.warn({ errorName: (error as Error).name }, "console session purge failed"),
      );
  }, 60_000);
  purge.unref();
  app.addHook("onClose", async () => clearInterval(purge));

  app.decorateRequest("consoleSession", undefined);
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, { root: distDir, serve: false });

    scope.addHook("onSend", async (request, reply, payload) => {
      reply.header("content-security-policy", csp);
      reply.header("referrer-policy", "no-referrer");
      const path = request.url.split("?")[0] ?? "";
      if (path.startsWith("/console/api/") || path.startsWith("/console/auth/")) {
        reply.header("cache-control", "no-store");
      }
      return payload;
    });

    // Every API call and the logout: a live session, and for anything but a read, the CSRF checks;
    // the session's staff member is then the rate limit's and the idempotency keys' owner. Only a
    // call the person made restarts the idle clock, never one marked as the console's own.
    const sessionHook = async (request: FastifyRequest) => {
      const session = await requireSession(request);
      if (request.method !== "GET" && request.method !== "HEAD") checkCsrf(request, session);
      if (request.headers[BACKGROUND_HEADER] === undefined) await sessions.touch(session.idHash, clock.now());
      request.consoleSession = session;
      request.idempotencyScope = `console/${session.organisationId}/${session.staffId}`;
    };

    // The login's two steps take no session; they count against the address's rate limit.
    scope.get<{ Querystring: { lang?: string } }>(
      "/console/auth/login",
      { config: { console: true }, schema: { hide: true } },
      async (request, reply) => {
        if (!identity)
          throw gatewayProblem("console_not_configured", "set PUBLIC_URL: the console's login needs it");
        const requested = request.query.lang;
        const lang = (CONSOLE_LANGUAGES as readonly string[]).includes(requested ?? "")
          ? (requested as string)
          : "en";
        const state = randomToken();
        const verifier = randomToken();
        await sessions.startLogin(state, verifier, lang, new Date(clock.now().getTime() + LOGIN_TTL_MS));
        const url = await identity.authorizationUrl({ state, verifier, lang });
        reply.header(
          "set-cookie",
          setCookie(LOGIN_COOKIE, state, { sameSite: "Lax", maxAge: LOGIN_TTL_MS / 1000 }),
        );
        return reply.redirect(url.href, 303);
      },
    );

    scope.get<{ Querystring: Record<string, string | undefined> }>(
      "/console/auth/callback",
      { config: { console: true }, schema: { hide: true } },
      async (request, reply) => {
        if (!identity || !publicUrl)
          throw gatewayProblem("console_not_configured", "set PUBLIC_URL: the console's login needs it");
        const refuse = (detail: string) =>
          gatewayProblem("console_login_refused", detail, {
            headers: { "set-cookie": clearCookie(LOGIN_COOKIE, "Lax") },
          });
        const state = request.query.state;
        const browserState = cookieOf(request, LOGIN_COOKIE);
        // The state must be the one this browser was sent away with (login CSRF), and unused.
        if (!state || !browserState || !sameText(state, browserState)) {
          throw refuse("this login was not started in this browser; start again from the console");
        }
        const login = await sessions.takeLogin(state, clock.now());
        if (!login) throw refuse("this login has expired or was already used; start again from the console");
        if (request.query.error) throw refuse("the identity service did not complete the login");
        let tokens: { accessToken: string; refreshToken: string };
        try {
          tokens = await identity.exchange(new URL(request.url, publicUrl), {
            state,
            verifier: login.verifier,
          });
        } catch (error) {
          logger.warn({ errorName: (error as Error).name }, "console code exchange failed");
          throw refuse("the login could not be completed; start again from the console");
        }
        const staff = await verifier.verify(tokens.accessToken).catch(() => undefined);
        if (staff?.kind !== "staff" || !staff.organisationId) {
          await revoke(tokens.refreshToken);
          throw refuse("the console is for staff of an organisation");
        }
        const profile = await options.staff?.find(staff.organisationId, staff.subject).catch(() => undefined);
        const now = clock.now();
        const { id, session } = await sessions.create({
          staffId: staff.subject,
          username: profile?.username ?? staff.subject,
          displayName: profile?.displayName ?? profile?.username ?? staff.subject,
          organisationId: staff.organisationId,
          roles: [...staff.roles],
          refreshToken: tokens.refreshToken,
          csrfToken: randomToken(),
          createdAt: now,
          lastSeenAt: now,
          expiresAt: new Date(now.getTime() + SESSION_LIFETIME_MS),
        });
        reply.header("set-cookie", [
          setCookie(SESSION_COOKIE, id, { sameSite: "Strict", maxAge: SESSION_LIFETIME_MS / 1000 }),
          clearCookie(LOGIN_COOKIE, "Lax"),
        ]);
        logger.info(
          { event: "console_login", organisationId: session.organisationId },
          "console session started",
        );
        return reply.type("text/html; charset=utf-8").send(CONTINUE_PAGE);
      },
    );

    scope.post(
      "/console/auth/logout",
      { config: { console: true }, schema: { hide: true }, onRequest: sessionHook },
      async (request, reply) => {
        await endSession((request.consoleSession as ConsoleSession).idHash);
        return reply.header("set-cookie", clearCookie(SESSION_COOKIE)).code(204).send();
      },
    );

    scope.get(
      "/console/api/session",
      { config: { console: true }, schema: { hide: true }, onRequest: sessionHook },
      async (request) => {
        const session = request.consoleSession as ConsoleSession;
        return {
          staffId: session.staffId,
          username: session.username,
          displayName: session.displayName,
          organisationId: session.organisationId,
          roles: session.roles,
          inboxService: clients.inboxServiceOf(session.organisationId) ?? null,
          csrfToken: session.csrfToken,
          idleTimeoutSeconds: Math.round(idleMs / 1000),
          startedAt: session.createdAt.toISOString(),
          expiresAt: session.expiresAt.toISOString(),
        };
      },
    );

    scope.get(
      "/console/api/colleagues",
      { config: { console: true }, schema: { hide: true }, onRequest: sessionHook },
      async (request) => {
        const session = request.consoleSession as ConsoleSession;
        if (!options.staff)
          throw gatewayProblem("service_unavailable", "the staff directory is not configured");
        const colleagues = await options.staff.colleagues(session.organisationId);
        return { colleagues };
      },
    );

    /** The method a console URL names, if the caller may call it, and the service that answers. */
    const resolve = (
      session: ConsoleSession,
      service: string,
      name: string,
    ): { method: ConsoleMethod; target: StaffCallTarget } => {
      const notFound = () =>
        gatewayProblem("console_rpc_not_found", `the console cannot call ${service}/${name}`);
      if (!isConsoleServiceKey(service)) throw notFound();
      const method = methods.get(`${service}/${name}`);
      if (!method) throw notFound();
      const own: InboxService | undefined = clients.inboxServiceOf(session.organisationId);
      const target = CONSOLE_SERVICES[service as ConsoleServiceKey].target;
      // The inbox is the one of the caller's organisation; a casework service only its own.
      if (target === "inbox") {
        if (!own) throw notFound();
        return { method, target: own };
      }
      if (target !== "intake" && target !== "coordination" && target !== "notifications" && target !== own) {
        throw notFound();
      }
      return { method, target };
    };

    scope.post<{ Params: { service: string; method: string } }>(
      "/console/api/rpc/:service/:method",
      {
        config: { console: true, idempotency: "optional" },
        schema: { hide: true },
        onRequest: [
          sessionHook,
          async (request) => {
            const { method } = resolve(
              request.consoleSession as ConsoleSession,
              request.params.service,
              request.params.method,
            );
            const key = request.headers[IDEMPOTENCY_HEADER];
            if (key !== undefined) {
              if (!method.mutating) {
                throw gatewayProblem(
                  "invalid_argument",
                  `${method.name} changes nothing: send no Idempotency-Key`,
                  {
                    invalid_params: [
                      { name: "Idempotency-Key", reason: "only for methods that change something" },
                    ],
                  },
                );
              }
              if (typeof key !== "string" || !UUID.test(key)) {
                throw gatewayProblem("invalid_argument", "Idempotency-Key must be a UUID", {
                  invalid_params: [{ name: "Idempotency-Key", reason: "a UUID" }],
                });
              }
            }
            if (!/^application\/json\s*(;|$)/i.test(request.headers["content-type"] ?? "")) {
              throw gatewayProblem("unsupported_media_type", "send the request message as application/json");
            }
          },
        ],
      },
      async (request, reply) => {
        const session = request.consoleSession as ConsoleSession;
        const { method, target } = resolve(session, request.params.service, request.params.method);
        const key = `${method.service}/${method.name}`;
        const validate = validatorOf(key);
        if (!validate(request.body)) {
          const params = invalidParams(validate.errors ?? [], "body");
          throw gatewayProblem(
            "invalid_argument",
            `the request is invalid: ${params.map((p) => p.name).join(", ")}`,
            {
              invalid_params: params,
            },
          );
        }
        const requestBytes = encode(method.input, request.body as JsonValue);
        let token: string;
        try {
          token = await (await tokensOf(session)).token(ServiceClients.audienceOf(target));
        } catch (error) {
          if (error instanceof TokenRequestError) {
            await endSession(session.idHash);
            throw expired("the identity service no longer renews this session; log in again");
          }
          logger.warn({ errorName: (error as Error).name }, "console access token not obtained");
          throw gatewayProblem("service_unavailable", "the identity service cannot be reached; try again");
        }
        const answer = await clients.staffCall(target, method.path, requestBytes, token);
        return reply
          .code(200)
          .type("application/json; charset=utf-8")
          .send(JSON.stringify(toJson(method.output, fromBinary(method.output, answer))));
      },
    );

    // The console's own files; any other path under /console/ (not api/ or auth/) is a client
    // route of the single-page app and gets index.html, so deep links work.
    scope.get("/console", { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
      reply.redirect("/console/", 301),
    );
    scope.get<{ Params: { "*": string } }>(
      "/console/*",
      { config: { public: true }, schema: { hide: true } },
      async (request, reply) => serveConsoleFile(request, reply, distDir),
    );
  });
}

/** The request message as protobuf bytes; a body the schema let through that still does not decode is a 400. */
function encode(desc: DescMessage, body: JsonValue): Uint8Array {
  try {
    return toBinary(desc, fromJson(desc, body ?? {}));
  } catch {
    throw gatewayProblem("invalid_argument", `the body is not a valid ${desc.name} (proto3 JSON)`, {
      invalid_params: [{ name: "(body)", reason: `not a valid ${desc.name}` }],
    });
  }
}

function serveConsoleFile(
  request: FastifyRequest<{ Params: { "*": string } }>,
  reply: FastifyReply,
  distDir: string,
) {
  const rest = request.params["*"] ?? "";
  if (/^(api|auth)(\/|$)/.test(rest)) {
    throw gatewayProblem("route_not_found", `no route ${request.method} /console/${rest}`);
  }
  if (!existsSync(join(distDir, "index.html"))) {
    throw new ProblemError(
      gatewayProblem(
        "console_not_built",
        "the console is not built: run `pnpm --filter @kopru/console build` (or set CONSOLE_DIST_DIR)",
      ).problem,
      { "retry-after": "30" },
    );
  }
  const file = normalize(rest);
  const isFile =
    rest !== "" &&
    !file.split(sep).includes("..") &&
    existsSync(join(distDir, file)) &&
    statSync(join(distDir, file)).isFile();
  if (isFile) {
    // Built assets carry a content hash in their names; index.html must always be fetched anew.
    const immutable = file.startsWith(`assets${sep}`);
    return reply
      .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .sendFile(file, distDir, { cacheControl: false });
  }
  return reply.header("cache-control", "no-cache").sendFile("index.html", distDir, { cacheControl: false });
}
