import { readFileSync } from "node:fs";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import underPressure from "@fastify/under-pressure";
import { PARTNER_API_SCOPES } from "@kopru/identity-client";
import type { Logger } from "@kopru/observability";
import type { Clock, TokenVerifier } from "@kopru/service-kit";
import type { Database } from "@kopru/storage";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifySchemaCompiler,
  LogController,
  type RouteOptions,
} from "fastify";
import type { GatewayConfig } from "../../config.js";
import { GATEWAY_ERRORS } from "../../domain/errors.js";
import type { ServiceClients } from "../grpc/service-clients.js";
import { authentication } from "./auth.js";
import { type ConsoleStaffDirectory, registerConsole } from "./console/console.js";
import { idempotency } from "./idempotency.js";
import {
  gatewayProblem,
  isServiceError,
  PROBLEM_SCHEMA,
  ProblemError,
  problemOfCallFailure,
  sendProblem,
} from "./problems.js";
import type { ProtoSchemas } from "./proto-schema.js";
import { validationProblem } from "./validation.js";

export interface HttpContext {
  config: GatewayConfig;
  db: Database;
  clock: Clock;
  logger: Logger;
  clients: ServiceClients;
  schemas: ProtoSchemas;
}

/** A group of routes: declared against the proto schemas before the server registers them. */
export type RouteModule = (context: HttpContext) => RouteOptions[];

export interface HttpServerOptions extends HttpContext {
  verifier: TokenVerifier;
  routes: readonly RouteModule[];
  /** The staff console's names for a session (the identity service's staff directory). */
  staff?: ConsoleStaffDirectory;
}

const API_DESCRIPTION = `The partner API of Köprü, a referral network for humanitarian refugee response where each
partner keeps its own data. Partner systems authenticate with OAuth 2.0 client credentials
(audience \`urn:kopru:gateway\`) and act for their own organisation only. Bodies are the proto3 JSON
of the contracts in \`proto/\`. Every POST takes an \`Idempotency-Key\`; state changes of a referral
need \`If-Match\` with its ETag. Errors are RFC 9457 problem details.`;

/**
 * The partner API on Fastify: secure headers, load shedding, per-client rate limits, token checks
 * and scopes, idempotency keys, one problem-details error path and the OpenAPI 3.1 document built
 * from the same schemas that validate and serialise each route.
 */
export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const { config, logger } = options;
  const https =
    config.HTTP_TLS_CERT_FILE && config.HTTP_TLS_KEY_FILE
      ? { cert: readFileSync(config.HTTP_TLS_CERT_FILE), key: readFileSync(config.HTTP_TLS_KEY_FILE) }
      : undefined;
  const app = Fastify({
    loggerInstance: logger,
    // Request lines carry query strings; the hook below logs routes and statuses only.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT,
    connectionTimeout: config.REQUEST_TIMEOUT,
    return503OnClosing: true,
    // The router's own refusals (a path that is not valid percent-encoding, a path parameter over
    // its length limit) as problems too; Fastify's default body would echo the path.
    frameworkErrors: (error, _request, reply) =>
      sendProblem(
        reply,
        gatewayProblem("invalid_argument", "the request path cannot be used", {
          invalid_params: [
            {
              name: "(path)",
              reason:
                error.code === "FST_ERR_MAX_PARAM_LENGTH"
                  ? "a path parameter is longer than any id"
                  : "not valid percent-encoding",
            },
          ],
        }).problem,
      ),
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;

  app.addHook("onResponse", async (request, reply) => {
    logger.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? "(none)",
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        client: request.caller?.identity.clientId,
      },
      "http request",
    );
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ProblemError) return sendProblem(reply, error.problem, error.headers);
    if (error.validation) return sendProblem(reply, validationProblem(error).problem);
    if (isServiceError(error)) {
      return sendProblem(
        reply,
        problemOfCallFailure(error, { versionExpected: request.headers["if-match"] !== undefined }),
      );
    }
    const fastifyProblem = problemOfFastifyError(error);
    if (fastifyProblem) return sendProblem(reply, fastifyProblem.problem, fastifyProblem.headers);
    // Name and code only: an unexpected error's message may carry personal data.
    logger.error({ errorName: error.name, errorCode: error.code }, "request failed unexpectedly");
    return sendProblem(reply, gatewayProblem("internal", "internal error").problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      gatewayProblem("route_not_found", `no route ${request.method} ${request.url.split("?")[0]}`).problem,
    ),
  );

  // JSON only, unless a route's own scope says otherwise (the CSV import): anything else is 415.
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser("text/csv", { parseAs: "string" }, (request, body, done) =>
    request.routeOptions.config.textCsv
      ? done(null, body)
      : done(gatewayProblem("unsupported_media_type", "send application/json")),
  );
  await app.register(helmet, { global: true });
  await app.register(underPressure, {
    maxEventLoopDelay: config.MAX_EVENT_LOOP_DELAY,
    maxEventLoopUtilization: config.MAX_EVENT_LOOP_UTILIZATION,
    retryAfter: 5,
    pressureHandler: (_request, reply, type) => {
      sendProblem(
        reply,
        gatewayProblem("overloaded", `the API is overloaded (${type}); try again shortly`).problem,
        {
          "retry-after": "5",
        },
      );
    },
  });
  await app.register(authentication, { verifier: options.verifier });
  await app.register(rateLimit, {
    max: config.RATE_LIMIT_PER_MINUTE,
    timeWindow: 60_000,
    // After the token is read (onRequest): each client has its own budget, not its address's.
    hook: "preHandler",
    // A console session's staff member has a budget of their own, as a partner's client has.
    keyGenerator: (request) =>
      request.consoleSession
        ? `console:${request.consoleSession.staffId}`
        : (request.caller?.identity.clientId ?? request.ip),
    allowList: (request) => request.routeOptions.config.public === true,
    errorResponseBuilder: (_request, context) =>
      gatewayProblem("rate_limited", `at most ${context.max} requests a minute; retry in ${context.after}`, {
        headers: { "retry-after": String(Math.ceil(context.ttl / 1000)) },
      }),
  });
  await app.register(idempotency, {
    db: options.db,
    clock: options.clock,
    ttlMs: config.IDEMPOTENCY_TTL,
    lockMs: config.REQUEST_TIMEOUT + 5_000,
  });

  // The routes first, so every schema they refer to is known before any is registered.
  const routes = options.routes.flatMap((module) => module(options));
  const shared = [PROBLEM_SCHEMA, ...options.schemas.shared()];
  for (const schema of shared) app.addSchema(schema);
  app.setValidatorCompiler(requestValidators(shared));

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Köprü partner API", version: "1.0.0", description: API_DESCRIPTION },
      ...(config.PUBLIC_URL ? { servers: [{ url: config.PUBLIC_URL }] } : {}),
      components: {
        securitySchemes: {
          oauth2: {
            type: "oauth2",
            description: "Client credentials at the Köprü identity service, resource urn:kopru:gateway.",
            flows: {
              clientCredentials: {
                tokenUrl: `${config.AUTH_ISSUER.replace(/\/$/, "")}/token`,
                scopes: Object.fromEntries(PARTNER_API_SCOPES.map((scope) => [scope, scope])),
              },
            },
          },
        },
      },
      security: [{ oauth2: [] }],
    },
    refResolver: {
      // Shared schemas keep their proto names as component names.
      buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`),
    },
  });
  app.addHook("onRoute", (route) => {
    if (route.url.startsWith("/docs")) route.config = { ...route.config, public: true };
  });
  await app.register(swaggerUi, { routePrefix: "/docs", staticCSP: true });

  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { config: { public: true }, schema: { hide: true } }, async () => {
    await options.db.query("SELECT 1");
    return { status: "ok" };
  });
  app.get<{ Params: { code: string } }>(
    "/problems/:code",
    { config: { public: true }, schema: { hide: true } },
    async (request, reply) => {
      const declared = (GATEWAY_ERRORS as Record<string, { http: number; title: string }>)[
        request.params.code
      ];
      return reply
        .type("text/plain; charset=utf-8")
        .send(
          declared
            ? `${request.params.code}: ${declared.title} (HTTP ${declared.http}).`
            : `${request.params.code}: a Köprü error code. The problem's title and detail say what went wrong.`,
        );
    },
  );
  for (const route of routes) app.route(route);
  // The staff console and its backend-for-frontend under /console (hidden from the document).
  await registerConsole(app, {
    config,
    db: options.db,
    clock: options.clock,
    logger,
    clients: options.clients,
    verifier: options.verifier,
    staff: options.staff,
  });
  return app;
}

/**
 * Two validators: bodies exactly as sent (a number is not a name, an unknown field is refused by
 * name rather than dropped), and path, query and headers — which are text — converted to the
 * schema's types, a repeated query parameter making an array.
 */
function requestValidators(shared: readonly object[]): FastifySchemaCompiler<object> {
  const make = (coerceTypes: false | "array") => {
    const ajv = new Ajv({
      removeAdditional: false,
      useDefaults: false,
      coerceTypes,
      allErrors: true,
      strict: false,
    });
    addFormats.default(ajv);
    for (const schema of shared) ajv.addSchema(schema);
    return ajv;
  };
  const strict = make(false);
  const coercing = make("array");
  return ({ schema, httpPart }) => (httpPart === "body" ? strict : coercing).compile(schema);
}

/** Fastify's own refusals (body too large, wrong media type, unreadable JSON) as problems. */
function problemOfFastifyError(error: FastifyError): ProblemError | undefined {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return gatewayProblem("payload_too_large", "the request body is larger than this API accepts");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return gatewayProblem(
        "unsupported_media_type",
        "send application/json (or text/csv where a route says so)",
      );
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return gatewayProblem("invalid_argument", "the request body is empty; send a JSON object", {
        invalid_params: [{ name: "(body)", reason: "a JSON object is required" }],
      });
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return gatewayProblem("invalid_argument", "the request body is not valid JSON", {
        invalid_params: [{ name: "(body)", reason: "not valid JSON" }],
      });
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return gatewayProblem("invalid_argument", "the Content-Length does not match the body");
    case "FST_ERR_REQ_TIMEOUT":
      return gatewayProblem("request_timeout", "the request took too long");
    default:
      break;
  }
  if (error.statusCode === 429) return gatewayProblem("rate_limited", error.message);
  if (error instanceof SyntaxError || error.statusCode === 400)
    return gatewayProblem("invalid_argument", "the request could not be read");
  return undefined;
}
