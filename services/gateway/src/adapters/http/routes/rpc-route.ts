import type { PartnerApiScope } from "@kopru/identity-client";
import type { FastifyReply, FastifyRequest, HTTPMethods, RouteOptions } from "fastify";
import { callerOf, type PartnerCaller } from "../auth.js";
import type { IdempotencyMode } from "../idempotency.js";
import type { JsonSchema, ProtoSchemas } from "../proto-schema.js";
import { expectedSequence, IDEMPOTENCY_HEADERS, IF_MATCH_HEADERS, responses, withEtag } from "./support.js";

/** A ts-proto message type's JSON codec. */
export interface JsonCodec<T> {
  fromJSON(object: unknown): T;
  toJSON(message: T): unknown;
}

/**
 * One REST route in front of one gRPC method: the body is the method's request message as proto3
 * JSON (less the fields the gateway fills), the answer its response message. The schemas come
 * from the contracts; `toRequest` adds what the path, the query and the caller give.
 */
export interface RpcRouteSpec<Req, Res> {
  method: HTTPMethods;
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  scope: PartnerApiScope;
  /** Full proto name of the request message, when the body is (part of) it. */
  body?: { type: string; omit?: readonly string[]; required?: readonly string[] };
  params?: JsonSchema;
  querystring?: JsonSchema;
  /** A state change of a referral: If-Match with its ETag is required. */
  ifMatch?: boolean;
  /** Default: required for POST. */
  idempotency?: IdempotencyMode;
  response: { type: string; codec: JsonCodec<Res>; status?: 200 | 201 };
  /** Problem statuses this route documents, beyond the usual. */
  problems?: readonly number[];
  toRequest(request: FastifyRequest, caller: PartnerCaller): Req;
  call(caller: PartnerCaller, request: Req): Promise<Res>;
  /** The referral sequence to send as ETag. */
  etag?(response: Res): number | undefined;
  /** A created resource's path (Location). */
  location?(response: Res): string | undefined;
}

export function rpcRoute<Req, Res>(schemas: ProtoSchemas, spec: RpcRouteSpec<Req, Res>): RouteOptions {
  const isPost = spec.method === "POST";
  const idempotencyMode = spec.idempotency ?? (isPost ? "required" : undefined);
  const problems = [
    400,
    401,
    403,
    404,
    409,
    ...(spec.ifMatch ? [412, 428] : []),
    ...(idempotencyMode ? [422] : []),
    429,
    503,
    ...(spec.problems ?? []),
  ];
  return {
    method: spec.method,
    url: spec.url,
    config: { scope: spec.scope, ...(idempotencyMode ? { idempotency: idempotencyMode } : {}) },
    // Before the Idempotency-Key is claimed: a request refused for lacking If-Match has not run.
    ...(spec.ifMatch
      ? {
          preValidation: async (request: FastifyRequest) => {
            expectedSequence(request);
          },
        }
      : {}),
    schema: operationSchema(schemas, {
      ...spec,
      headers: spec.ifMatch ? IF_MATCH_HEADERS : idempotencyMode ? IDEMPOTENCY_HEADERS : undefined,
      response: () =>
        responses(
          { [spec.response.status ?? 200]: schemas.refTo(spec.response.type) },
          [...new Set(problems)].sort(),
        ),
    }),
    async handler(request: FastifyRequest, reply: FastifyReply) {
      const caller = callerOf(request);
      const response = await spec.call(caller, spec.toRequest(request, caller));
      withEtag(reply, spec.etag?.(response));
      const location = spec.location?.(response);
      if (location) reply.header("location", location);
      return reply.code(spec.response.status ?? 200).send(spec.response.codec.toJSON(response));
    },
  };
}

/** What one operation's schema says, whichever way the route answers it. */
export interface OperationDescription {
  operationId: string;
  summary: string;
  description?: string | undefined;
  tag: string;
  scope: PartnerApiScope;
  body?: { type: string; omit?: readonly string[]; required?: readonly string[] } | undefined;
  params?: JsonSchema | undefined;
  querystring?: JsonSchema | undefined;
  headers?: JsonSchema | undefined;
  /**
   * The answers, as `responses()` builds them; called after the body's schema is built, so shared
   * schemas are registered (and listed in the document) in the order the operation reads them.
   */
  response: () => Record<string, JsonSchema>;
}

/**
 * The Fastify schema of one partner API operation: the request parts that are validated and the
 * answers that are serialised, and with them the OpenAPI description of the operation.
 */
export function operationSchema(
  schemas: ProtoSchemas,
  operation: OperationDescription,
): Record<string, unknown> {
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [operation.tag],
    security: [{ oauth2: [operation.scope] }],
    ...(operation.body
      ? {
          body: schemas.body(operation.body.type, {
            ...(operation.body.omit ? { omit: operation.body.omit } : {}),
            ...(operation.body.required ? { required: operation.body.required } : {}),
          }),
        }
      : {}),
    ...(operation.params ? { params: operation.params } : {}),
    ...(operation.querystring ? { querystring: operation.querystring } : {}),
    ...(operation.headers ? { headers: operation.headers } : {}),
    response: operation.response(),
  };
}

/** The request body as the route's schema let it through (an object). */
export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  return (request.body ?? {}) as Record<string, unknown>;
}
