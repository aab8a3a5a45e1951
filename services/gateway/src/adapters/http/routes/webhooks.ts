import {
  CreateWebhookEndpointRequest,
  CreateWebhookEndpointResponse,
  ListWebhookDeliveriesResponse,
  ListWebhookEndpointsResponse,
  ReplayWebhookDeliveriesRequest,
  ReplayWebhookDeliveriesResponse,
  RotateWebhookSecretRequest,
  RotateWebhookSecretResponse,
  UpdateWebhookEndpointRequest,
  WebhookDelivery,
  WebhookEndpoint,
} from "@kopru/contracts/gateway/v1/partner_api";
import { ROLES } from "@kopru/service-kit";
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  pingEndpoint,
  replayDelivery,
  replaySince,
  rotateSecret,
  updateEndpoint,
  type WebhookDeps,
  WebhookInvalidError,
  WebhookNotFoundError,
} from "../../../application/webhooks.js";
import { WebhookUrlRefusedError } from "../../webhooks/url-guard.js";
import { callerOf, type PartnerCaller } from "../auth.js";
import { gatewayProblem } from "../problems.js";
import type { JsonSchema } from "../proto-schema.js";
import type { HttpContext, RouteModule } from "../server.js";
import { bodyOf, operationSchema } from "./rpc-route.js";
import { IDEMPOTENCY_HEADERS, PAGE_QUERY, responses, uuidParams } from "./support.js";

const G = "kopru.gateway.v1";
const TAG = "Webhooks";

declare module "../server.js" {
  interface HttpContext {
    /** Tells the webhook delivery worker that a delivery is due now (absent: it finds it by polling). */
    wakeWebhooks?: () => void;
  }
}

type Params = { endpointId: string; deliveryId?: string };

const ENDPOINT_PARAMS = uuidParams({ endpointId: "The webhook endpoint's id." });
const DELIVERY_PARAMS = uuidParams({
  endpointId: "The webhook endpoint's id.",
  deliveryId: "The delivery's id (its `webhook-id`).",
});

/**
 * Who may manage an organisation's webhook endpoints: a partner system with `webhooks:manage` (the
 * scope is checked before), or a supervisor or network administrator of the organisation signed in
 * as staff; a caseworker may not point the organisation's events elsewhere.
 */
function manager(request: FastifyRequest): PartnerCaller {
  const caller = callerOf(request);
  if (
    caller.identity.kind !== "partner-system" &&
    !caller.identity.roles.some((role) => role === ROLES.supervisor || role === ROLES.networkAdmin)
  ) {
    throw gatewayProblem("permission_denied", "managing webhook endpoints takes a supervisor");
  }
  return caller;
}

/** The use cases' refusals as problems. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof WebhookNotFoundError) throw gatewayProblem("not_found", error.message);
    if (error instanceof WebhookUrlRefusedError)
      throw gatewayProblem("webhook_url_refused", `the webhook URL is refused: ${error.message}`, {
        invalid_params: [{ name: "url", reason: error.message }],
      });
    if (error instanceof WebhookInvalidError)
      throw gatewayProblem("invalid_argument", `${error.field}: ${error.message}`, {
        invalid_params: [{ name: error.field, reason: error.message }],
      });
    throw error;
  }
}

interface Spec {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: { type: string; required?: readonly string[] };
  response: { status: number; type?: string };
  problems: readonly number[];
  handle(request: FastifyRequest, caller: PartnerCaller, reply: FastifyReply): Promise<unknown>;
}

function route(context: HttpContext, spec: Spec): RouteOptions {
  const { schemas } = context;
  const isPost = spec.method === "POST";
  return {
    method: spec.method,
    url: spec.url,
    config: { scope: "webhooks:manage", ...(isPost ? { idempotency: "required" as const } : {}) },
    schema: operationSchema(schemas, {
      ...spec,
      tag: TAG,
      scope: "webhooks:manage",
      headers: isPost ? IDEMPOTENCY_HEADERS : undefined,
      response: () =>
        spec.response.type
          ? responses({ [spec.response.status]: schemas.refTo(spec.response.type) }, spec.problems)
          : {
              ...responses({}, spec.problems),
              [spec.response.status]: { description: "Done; no content.", type: "null" },
            },
    }),
    async handler(request: FastifyRequest, reply: FastifyReply) {
      const caller = manager(request);
      const body = await answer(() => spec.handle(request, caller, reply));
      reply.code(spec.response.status);
      return spec.response.type ? reply.send(body) : reply.send();
    },
  };
}

const COMMON = [400, 401, 403, 404, 429, 503] as const;
const POSTED = [...COMMON, 409, 422] as const;

/**
 * Webhook endpoints (Standard Webhooks 1.0 signatures), their delivery logs and replays. An
 * organisation sees and changes only its own endpoints; another's answers 404.
 */
export const webhookRoutes: RouteModule = (context) => {
  const deps: WebhookDeps = {
    db: context.db,
    clock: context.clock,
    allowedAddresses: context.config.WEBHOOK_ALLOWED_ADDRESSES,
    wake: () => context.wakeWebhooks?.(),
  };
  const params = (request: FastifyRequest) => request.params as Params;
  return [
    route(context, {
      method: "POST",
      url: "/v1/webhooks/endpoints",
      operationId: "createWebhookEndpoint",
      summary: "Register a webhook endpoint; the answer carries its signing secret, once",
      description:
        "The URL must be HTTPS on a public address (checked when registered and before every delivery; redirects are not followed). A `ping` event is sent to it at once. Staff manage endpoints as supervisors; partner systems with the `webhooks:manage` scope. Deliveries are signed as Standard Webhooks 1.0 specifies (`webhook-id`, `webhook-timestamp`, `webhook-signature`), retried with backoff for at least 24 hours; after that the endpoint is disabled and the organisation's supervisors are told.",
      body: { type: `${G}.CreateWebhookEndpointRequest`, required: ["url", "eventTypes"] },
      response: { status: 201, type: `${G}.CreateWebhookEndpointResponse` },
      problems: POSTED,
      async handle(request, caller, reply) {
        const created = await createEndpoint(
          deps,
          caller.organisationId,
          CreateWebhookEndpointRequest.fromJSON(bodyOf(request)),
        );
        reply.header("location", `/v1/webhooks/endpoints/${created.endpoint?.endpointId}`);
        return CreateWebhookEndpointResponse.toJSON(created);
      },
    }),
    route(context, {
      method: "GET",
      url: "/v1/webhooks/endpoints",
      operationId: "listWebhookEndpoints",
      summary: "List the organisation's webhook endpoints",
      response: { status: 200, type: `${G}.ListWebhookEndpointsResponse` },
      problems: COMMON,
      async handle(_request, caller) {
        return ListWebhookEndpointsResponse.toJSON({
          endpoints: await listEndpoints(deps, caller.organisationId),
        });
      },
    }),
    route(context, {
      method: "GET",
      url: "/v1/webhooks/endpoints/:endpointId",
      operationId: "getWebhookEndpoint",
      summary: "Get a webhook endpoint",
      params: ENDPOINT_PARAMS,
      response: { status: 200, type: `${G}.WebhookEndpoint` },
      problems: COMMON,
      async handle(request, caller) {
        return WebhookEndpoint.toJSON(
          await getEndpoint(deps, caller.organisationId, params(request).endpointId),
        );
      },
    }),
    route(context, {
      method: "PATCH",
      url: "/v1/webhooks/endpoints/:endpointId",
      operationId: "updateWebhookEndpoint",
      summary: "Change an endpoint's URL, event types or description, pause it or re-enable it",
      description:
        "Setting `state` to ACTIVE re-enables a paused or disabled endpoint: the deliveries that waited are sent, with a new retry window.",
      params: ENDPOINT_PARAMS,
      body: { type: `${G}.UpdateWebhookEndpointRequest` },
      response: { status: 200, type: `${G}.WebhookEndpoint` },
      problems: [...COMMON, 422],
      async handle(request, caller) {
        return WebhookEndpoint.toJSON(
          await updateEndpoint(
            deps,
            caller.organisationId,
            params(request).endpointId,
            UpdateWebhookEndpointRequest.fromJSON(bodyOf(request)),
          ),
        );
      },
    }),
    route(context, {
      method: "DELETE",
      url: "/v1/webhooks/endpoints/:endpointId",
      operationId: "deleteWebhookEndpoint",
      summary: "Delete an endpoint and its delivery log",
      params: ENDPOINT_PARAMS,
      response: { status: 204 },
      problems: COMMON,
      async handle(request, caller) {
        await deleteEndpoint(deps, caller.organisationId, params(request).endpointId);
      },
    }),
    route(context, {
      method: "POST",
      url: "/v1/webhooks/endpoints/:endpointId/rotate-secret",
      operationId: "rotateWebhookSecret",
      summary: "Start a new signing secret; the previous one keeps signing beside it during the overlap",
      description:
        "Until `previousSecretExpiresAt` every delivery carries two signatures in `webhook-signature`, one per secret, so the receiver can switch to the new secret at its own pace.",
      params: ENDPOINT_PARAMS,
      body: { type: `${G}.RotateWebhookSecretRequest` },
      response: { status: 200, type: `${G}.RotateWebhookSecretResponse` },
      problems: POSTED,
      async handle(request, caller) {
        const { overlapSeconds } = RotateWebhookSecretRequest.fromJSON(bodyOf(request));
        return RotateWebhookSecretResponse.toJSON(
          await rotateSecret(deps, caller.organisationId, params(request).endpointId, overlapSeconds),
        );
      },
    }),
    route(context, {
      method: "POST",
      url: "/v1/webhooks/endpoints/:endpointId/ping",
      operationId: "pingWebhookEndpoint",
      summary: "Send a ping event to the endpoint",
      params: ENDPOINT_PARAMS,
      response: { status: 202, type: `${G}.WebhookDelivery` },
      problems: POSTED,
      async handle(request, caller) {
        return WebhookDelivery.toJSON(
          await pingEndpoint(deps, caller.organisationId, params(request).endpointId),
        );
      },
    }),
    route(context, {
      method: "GET",
      url: "/v1/webhooks/endpoints/:endpointId/deliveries",
      operationId: "listWebhookDeliveries",
      summary: "The endpoint's delivery log, newest first",
      description:
        "Each delivery with its attempts, the last status code and error (never the response body).",
      params: ENDPOINT_PARAMS,
      querystring: { type: "object", additionalProperties: false, properties: { ...PAGE_QUERY } },
      response: { status: 200, type: `${G}.ListWebhookDeliveriesResponse` },
      problems: COMMON,
      async handle(request, caller) {
        const query = request.query as { pageSize?: number; pageToken?: string };
        return ListWebhookDeliveriesResponse.toJSON(
          await listDeliveries(deps, caller.organisationId, params(request).endpointId, query),
        );
      },
    }),
    route(context, {
      method: "POST",
      url: "/v1/webhooks/endpoints/:endpointId/deliveries/:deliveryId/replay",
      operationId: "replayWebhookDelivery",
      summary: "Send one delivery again, under the same webhook-id",
      params: DELIVERY_PARAMS,
      response: { status: 202, type: `${G}.WebhookDelivery` },
      problems: POSTED,
      async handle(request, caller) {
        const { endpointId, deliveryId } = params(request);
        return WebhookDelivery.toJSON(
          await replayDelivery(deps, caller.organisationId, endpointId, deliveryId as string),
        );
      },
    }),
    route(context, {
      method: "POST",
      url: "/v1/webhooks/endpoints/:endpointId/replay",
      operationId: "replayWebhookDeliveries",
      summary: "Send again every delivery of the endpoint created since a time",
      description:
        "Each goes out under its own webhook-id again, so a receiver that kept them drops the repeats.",
      params: ENDPOINT_PARAMS,
      body: { type: `${G}.ReplayWebhookDeliveriesRequest`, required: ["since"] },
      response: { status: 202, type: `${G}.ReplayWebhookDeliveriesResponse` },
      problems: POSTED,
      async handle(request, caller) {
        const { since } = ReplayWebhookDeliveriesRequest.fromJSON(bodyOf(request));
        return ReplayWebhookDeliveriesResponse.toJSON({
          replayed: await replaySince(deps, caller.organisationId, params(request).endpointId, since),
        });
      },
    }),
  ];
};
