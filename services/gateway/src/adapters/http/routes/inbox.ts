import type { ServiceError } from "@grpc/grpc-js";
import { BatchInboxActionResponse, type BatchInboxResult } from "@kopru/contracts/gateway/v1/partner_api";
import {
  AcceptReferralResponse,
  AcknowledgeReferralResponse,
  AssignReferralRequest,
  AssignReferralResponse,
  CompleteReferralRequest,
  CompleteReferralResponse,
  DeclineReferralRequest,
  DeclineReferralResponse,
  GetReferralResponse,
  ListContactAttemptsResponse,
  ListInboxRequest,
  ListInboxResponse,
  ListReferralAssignmentsResponse,
  MakeOnwardReferralRequest,
  MakeOnwardReferralResponse,
  PutReferralOnHoldRequest,
  PutReferralOnHoldResponse,
  RecordContactAttemptRequest,
  RecordContactAttemptResponse,
  RedirectReferralRequest,
  RedirectReferralResponse,
  ReportNotCompletedRequest,
  ReportNotCompletedResponse,
  ReportOutcomeRequest,
  ReportOutcomeResponse,
  StartReferralResponse,
} from "@kopru/contracts/referral/v1/inbox_service";
import type { ProblemDetails } from "@kopru/service-kit";
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import { callerOf, type PartnerCaller } from "../auth.js";
import { gatewayProblem, isServiceError, ProblemError, problemOfCallFailure } from "../problems.js";
import type { JsonSchema, ProtoSchemas } from "../proto-schema.js";
import type { HttpContext, RouteModule } from "../server.js";
import { bodyOf, type JsonCodec, rpcRoute } from "./rpc-route.js";
import {
  batchItemProblem,
  expectedSequence,
  IDEMPOTENCY_HEADERS,
  mapBounded,
  REFERRAL_ID_PARAMS,
  type ReferralListQuery,
  referralFilterQuery,
  referralListFilters,
  requestIdOf,
  responses,
  SYNC_PAGE_QUERY,
} from "./support.js";

const R = "kopru.referral.v1";
const G = "kopru.gateway.v1";

/** At most this many referrals in one batch action. */
export const BATCH_INBOX_LIMIT = 500;
/** Items of one batch in flight at once: enough to hide latency, few enough to leave the service room. */
const BATCH_CONCURRENCY = 8;

type Params<K extends string> = Record<K, string>;

function referralIdOf(request: FastifyRequest): string {
  return (request.params as Params<"referralId">).referralId;
}

/** The state changes that take only the referral and If-Match (the batchable ones among them). */
const SIMPLE_TRANSITIONS = {
  acknowledge: "acknowledgeReferral",
  accept: "acceptReferral",
  start: "startReferral",
} as const;

type SimpleTransition = keyof typeof SIMPLE_TRANSITIONS;

/**
 * The receiving side: an organisation's inbox of referrals made to it, each referral's package,
 * and every step a receiving partner takes — acknowledge, accept or decline, hold, start,
 * complete, redirect, refer onward, assign a colleague, record contact attempts. The calls go to
 * the receiving service that holds the caller's inbox, with the partner's own token, so the
 * state machine, roles and audit are the service's, exactly as for its staff.
 */
export const inboxRoutes: RouteModule = (context) => {
  const { schemas, clients } = context;
  const inbox = (caller: PartnerCaller) => clients.inbox(caller);
  const simple = (
    action: SimpleTransition,
    summary: string,
    description: string,
    codec: JsonCodec<{ referral?: { sequence: number } | undefined }>,
    responseType: string,
  ) =>
    rpcRoute(schemas, {
      method: "POST",
      url: `/v1/inbox/:referralId/${action}`,
      operationId: `${action}ReceivedReferral`,
      summary,
      description,
      tag: "Inbox",
      scope: "inbox:write",
      params: REFERRAL_ID_PARAMS,
      ifMatch: true,
      response: { type: responseType, codec },
      toRequest: (request) => ({
        referralId: referralIdOf(request),
        expectedSequence: expectedSequence(request),
      }),
      call: (caller, request) => inbox(caller).call(SIMPLE_TRANSITIONS[action], request),
      etag: (response) => response.referral?.sequence,
    });

  /**
   * An action on one received referral with a body: the request message less the referral (from
   * the path), the sequence (from If-Match, where the action has one) and the request id the
   * service de-duplicates on (from the Idempotency-Key, where it takes one).
   */
  const onReferral = <Req extends object, Res extends object>(spec: {
    action: string;
    operationId: string;
    summary: string;
    description?: string;
    ifMatch: boolean;
    requestId?: boolean;
    body: { type: string; codec: JsonCodec<Req>; required: readonly string[] };
    response: { type: string; codec: JsonCodec<Res>; status?: 201 };
    call: (client: ReturnType<typeof inbox>, request: Req) => Promise<Res>;
  }) =>
    rpcRoute(schemas, {
      method: "POST",
      url: `/v1/inbox/:referralId/${spec.action}`,
      operationId: spec.operationId,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tag: "Inbox",
      scope: "inbox:write",
      params: REFERRAL_ID_PARAMS,
      ifMatch: spec.ifMatch,
      body: {
        type: spec.body.type,
        omit: [
          ...(spec.requestId ? ["request_id"] : []),
          "referral_id",
          ...(spec.ifMatch ? ["expected_sequence"] : []),
        ],
        required: spec.body.required,
      },
      response: spec.response,
      toRequest: (request) => ({
        ...spec.body.codec.fromJSON(bodyOf(request)),
        ...(spec.requestId ? { requestId: requestIdOf(request) } : {}),
        referralId: referralIdOf(request),
        ...(spec.ifMatch ? { expectedSequence: expectedSequence(request) } : {}),
      }),
      call: (caller, request) => spec.call(inbox(caller), request),
      // The referral acted on, where the answer carries it (a contact attempt's does not).
      etag: (response) => (response as { referral?: { sequence: number } }).referral?.sequence,
    });

  return [
    rpcRoute(schemas, {
      method: "GET",
      url: "/v1/inbox",
      operationId: "listInbox",
      summary: "List the referrals made to the organisation",
      description:
        "Without `status`, the open ones (requested, received, accepted, on hold, in progress), most " +
        "urgent deadline first. With `updatedSince` the list runs oldest change first, so a partner " +
        "system can sync by remembering the last `updatedAt` it saw. Follow `page.nextPageToken` until " +
        "it is empty. `assignedToMe` is for a staff member's own token.",
      tag: "Inbox",
      scope: "inbox:read",
      querystring: {
        type: "object",
        additionalProperties: false,
        properties: {
          ...referralFilterQuery(schemas),
          overdueOnly: { type: "boolean", description: "Only referrals past their answer deadline." },
          followUpOverdueOnly: {
            type: "boolean",
            description: "Only accepted referrals past their follow-up deadline and still open.",
          },
          assignedToMe: {
            type: "boolean",
            description: "Only referrals assigned to the calling staff member (a staff token).",
          },
          ...SYNC_PAGE_QUERY,
        },
      },
      response: { type: `${R}.ListInboxResponse`, codec: ListInboxResponse },
      toRequest: (request, caller) => {
        const query = request.query as ReferralListQuery & {
          overdueOnly?: boolean;
          followUpOverdueOnly?: boolean;
          assignedToMe?: boolean;
        };
        return ListInboxRequest.fromJSON({
          organisationId: caller.organisationId,
          ...referralListFilters(query),
          overdueOnly: query.overdueOnly ?? false,
          ...(query.followUpOverdueOnly !== undefined
            ? { followUpOverdueOnly: query.followUpOverdueOnly }
            : {}),
          ...(query.assignedToMe !== undefined ? { assignedToMe: query.assignedToMe } : {}),
        });
      },
      call: (caller, request) => inbox(caller).call("listInbox", request),
    }),
    rpcRoute(schemas, {
      method: "GET",
      url: "/v1/inbox/:referralId",
      operationId: "getReceivedReferral",
      summary: "Get a referral made to the organisation, with the package it received",
      description:
        "Reading the package is audited. Sections the caller may not see are removed and named in " +
        "`withheldDataCategories`. The ETag is the referral's sequence; send it as If-Match to act on it.",
      tag: "Inbox",
      scope: "inbox:read",
      params: REFERRAL_ID_PARAMS,
      response: { type: `${R}.GetReferralResponse`, codec: GetReferralResponse },
      toRequest: (request) => ({ referralId: referralIdOf(request) }),
      call: (caller, request) => inbox(caller).call("getReferral", request),
      etag: (response) => response.referral?.sequence,
    }),
    simple(
      "acknowledge",
      "Confirm receipt of a referral",
      "Requested → received. Acknowledging again changes nothing.",
      AcknowledgeReferralResponse,
      `${R}.AcknowledgeReferralResponse`,
    ),
    simple(
      "accept",
      "Agree to provide the service",
      "→ accepted. The referrer is told.",
      AcceptReferralResponse,
      `${R}.AcceptReferralResponse`,
    ),
    onReferral({
      action: "decline",
      operationId: "declineReceivedReferral",
      summary: "Decline a referral, with a reason code",
      description: "The `internalNote` stays in the organisation's own records; it is never published.",
      ifMatch: true,
      body: { type: `${R}.DeclineReferralRequest`, codec: DeclineReferralRequest, required: ["reason"] },
      response: { type: `${R}.DeclineReferralResponse`, codec: DeclineReferralResponse },
      call: (client, request) => client.call("declineReferral", request),
    }),
    onReferral({
      action: "hold",
      operationId: "holdReceivedReferral",
      summary: "Put a referral on the waiting list, with a reason code",
      ifMatch: true,
      body: { type: `${R}.PutReferralOnHoldRequest`, codec: PutReferralOnHoldRequest, required: ["reason"] },
      response: { type: `${R}.PutReferralOnHoldResponse`, codec: PutReferralOnHoldResponse },
      call: (client, request) => client.call("putReferralOnHold", request),
    }),
    simple(
      "start",
      "Start delivering the service",
      "Accepted → in progress.",
      StartReferralResponse,
      `${R}.StartReferralResponse`,
    ),
    onReferral({
      action: "complete",
      operationId: "completeReceivedReferral",
      summary: "Close a referral as delivered, with outcome codes",
      ifMatch: true,
      body: {
        type: `${R}.CompleteReferralRequest`,
        codec: CompleteReferralRequest,
        required: ["outcomeCodes"],
      },
      response: { type: `${R}.CompleteReferralResponse`, codec: CompleteReferralResponse },
      call: (client, request) => client.call("completeReferral", request),
    }),
    onReferral({
      action: "not-completed",
      operationId: "reportReceivedReferralNotCompleted",
      summary: "Close an accepted referral as not delivered, with a reason code",
      ifMatch: true,
      body: {
        type: `${R}.ReportNotCompletedRequest`,
        codec: ReportNotCompletedRequest,
        required: ["reason"],
      },
      response: { type: `${R}.ReportNotCompletedResponse`, codec: ReportNotCompletedResponse },
      call: (client, request) => client.call("reportNotCompleted", request),
    }),
    onReferral({
      action: "outcome",
      operationId: "reportReceivedReferralOutcome",
      summary: "Replace the outcome codes of a closed referral",
      description:
        "For a completed or not-completed referral (e.g. course completed after enrolled); the " +
        "status does not change, so no If-Match is needed. `outcomeCodes` is the full new set.",
      ifMatch: false,
      body: { type: `${R}.ReportOutcomeRequest`, codec: ReportOutcomeRequest, required: ["outcomeCodes"] },
      response: { type: `${R}.ReportOutcomeResponse`, codec: ReportOutcomeResponse },
      call: (client, request) => client.call("reportOutcome", request),
    }),
    onReferral({
      action: "redirect",
      operationId: "redirectReceivedReferral",
      summary: "Forward a referral to a better-placed partner",
      description:
        "This referral becomes redirected and a new one is requested of the new target, with a package " +
        "re-checked against the person's consent. The answer carries both; the ETag is this referral's.",
      ifMatch: true,
      requestId: true,
      // Without serviceType the new referral keeps the original's.
      body: {
        type: `${R}.RedirectReferralRequest`,
        codec: RedirectReferralRequest,
        required: ["targetOrganisationId", "reason", "consentId"],
      },
      response: { type: `${R}.RedirectReferralResponse`, codec: RedirectReferralResponse },
      call: (client, request) => client.call("redirectReferral", request),
    }),
    rpcRoute(schemas, {
      method: "POST",
      url: "/v1/inbox/:referralId/onward",
      operationId: "referReceivedReferralOnward",
      summary: "Refer the same person onward to another partner, keeping this referral open",
      description:
        "A new referral from the organisation, under the person's consent, with this one as its parent. " +
        "This referral does not change, so no If-Match is needed.",
      tag: "Inbox",
      scope: "inbox:write",
      params: REFERRAL_ID_PARAMS,
      body: {
        type: `${R}.MakeOnwardReferralRequest`,
        omit: ["request_id", "parent_referral_id"],
        required: ["targetOrganisationId", "serviceType", "consentId"],
      },
      response: { type: `${R}.MakeOnwardReferralResponse`, codec: MakeOnwardReferralResponse, status: 201 },
      toRequest: (request) => ({
        ...MakeOnwardReferralRequest.fromJSON(bodyOf(request)),
        requestId: requestIdOf(request),
        parentReferralId: referralIdOf(request),
      }),
      call: (caller, request) => inbox(caller).call("makeOnwardReferral", request),
      etag: (response) => response.referral?.sequence,
    }),
    onReferral({
      action: "assign",
      operationId: "assignReceivedReferral",
      summary: "Assign a referral to a colleague",
      description:
        "Only a supervisor may (a staff member's token with that role). The assignee is told; assigning " +
        "to the current assignee changes nothing.",
      ifMatch: false,
      body: {
        type: `${R}.AssignReferralRequest`,
        codec: AssignReferralRequest,
        required: ["assigneeActorId"],
      },
      response: { type: `${R}.AssignReferralResponse`, codec: AssignReferralResponse },
      call: (client, request) => client.call("assignReferral", request),
    }),
    rpcRoute(schemas, {
      method: "GET",
      url: "/v1/inbox/:referralId/assignments",
      operationId: "listReceivedReferralAssignments",
      summary: "Who the referral was assigned to, oldest first",
      tag: "Inbox",
      scope: "inbox:read",
      params: REFERRAL_ID_PARAMS,
      response: { type: `${R}.ListReferralAssignmentsResponse`, codec: ListReferralAssignmentsResponse },
      toRequest: (request) => ({ referralId: referralIdOf(request) }),
      call: (caller, request) => inbox(caller).call("listReferralAssignments", request),
    }),
    onReferral({
      action: "contact-attempts",
      operationId: "recordContactAttempt",
      summary: "Record an attempt to contact the person",
      description:
        "Refused (409) when the package says the person is not safe to contact, outside every safe " +
        "contact window, without a shared contact section, or once the referral is closed to contact.",
      ifMatch: false,
      requestId: true,
      body: {
        type: `${R}.RecordContactAttemptRequest`,
        codec: RecordContactAttemptRequest,
        required: ["method", "result"],
      },
      response: {
        type: `${R}.RecordContactAttemptResponse`,
        codec: RecordContactAttemptResponse,
        status: 201,
      },
      call: (client, request) => client.call("recordContactAttempt", request),
    }),
    rpcRoute(schemas, {
      method: "GET",
      url: "/v1/inbox/:referralId/contact-attempts",
      operationId: "listContactAttempts",
      summary: "The contact attempts recorded on a referral, oldest first",
      description: "Reading them is audited.",
      tag: "Inbox",
      scope: "inbox:read",
      params: REFERRAL_ID_PARAMS,
      response: { type: `${R}.ListContactAttemptsResponse`, codec: ListContactAttemptsResponse },
      toRequest: (request) => ({ referralId: referralIdOf(request) }),
      call: (caller, request) => inbox(caller).call("listContactAttempts", request),
    }),
    batchRoute(context, "acknowledge"),
    batchRoute(context, "accept"),
  ];
};

/** The body of a batch action: 1–500 items. */
function batchBody(schemas: ProtoSchemas): JsonSchema {
  const body = schemas.body(`${G}.BatchInboxActionRequest`, { required: ["items"] });
  const properties = body.properties as Record<string, JsonSchema>;
  properties.items = { ...properties.items, minItems: 1, maxItems: BATCH_INBOX_LIMIT };
  return body;
}

/**
 * `POST /v1/inbox:batch-acknowledge` and `:batch-accept`: each item on its own, as the single
 * route would run it, a few at a time; one failing never stops the others. An item's answer is
 * the status and problem the single route would have given (a stale `expectedSequence` is 412).
 * The whole batch is refused only when it cannot be read (400), or the caller has no inbox here.
 */
function batchRoute(
  { schemas, clients, logger }: HttpContext,
  action: "acknowledge" | "accept",
): RouteOptions {
  return {
    method: "POST",
    // `::` is Fastify's literal colon: the path is /v1/inbox:batch-<action>.
    url: `/v1/inbox::batch-${action}`,
    config: { scope: "inbox:write", idempotency: "required" },
    schema: {
      operationId: `batch${action[0]?.toUpperCase()}${action.slice(1)}ReceivedReferrals`,
      summary: `${action === "accept" ? "Accept" : "Acknowledge"} up to ${BATCH_INBOX_LIMIT} received referrals at once`,
      description:
        "Each item runs as the single-referral route would, a few at a time, and one failing does not " +
        "stop the others: the answer (200) has one result per item, in order, with the status the single " +
        "route would have given and, on failure, its problem. `expectedSequence` is the item's ETag, " +
        "optional here; a stale one fails that item with 412. Referral ids must be unique in the batch.",
      tags: ["Inbox"],
      security: [{ oauth2: ["inbox:write"] }],
      body: batchBody(schemas),
      headers: IDEMPOTENCY_HEADERS,
      response: responses(
        { 200: schemas.refTo(`${G}.BatchInboxActionResponse`) },
        [400, 401, 403, 409, 422, 429, 503],
      ),
    },
    async handler(request: FastifyRequest, reply: FastifyReply) {
      const caller = callerOf(request);
      const { items } = bodyOf(request) as unknown as {
        items: { referralId: string; expectedSequence?: number }[];
      };
      const firstAt = new Map<string, number>();
      const duplicates = items.flatMap((item, index) => {
        const first = firstAt.get(item.referralId);
        if (first === undefined) firstAt.set(item.referralId, index);
        return first === undefined
          ? []
          : [{ name: `items[${index}].referralId`, reason: `the same referral as items[${first}]` }];
      });
      if (duplicates.length > 0)
        throw gatewayProblem("invalid_argument", "each referral may appear once in a batch", {
          invalid_params: duplicates,
        });
      // Before any item: an organisation without an inbox here is refused as a whole.
      const client = clients.inbox(caller);
      const results = await mapBounded(items, BATCH_CONCURRENCY, async (item, index) => {
        const result: BatchInboxResult = { referralId: item.referralId, status: 200 };
        try {
          const one = {
            referralId: item.referralId,
            ...(item.expectedSequence !== undefined ? { expectedSequence: item.expectedSequence } : {}),
          };
          const response =
            action === "accept"
              ? await client.call("acceptReferral", one)
              : await client.call("acknowledgeReferral", one);
          result.sequence = response.referral?.sequence ?? 0;
        } catch (error) {
          const problem = batchFailure(error, item.expectedSequence !== undefined, index);
          if (problem.status >= 500)
            logger.warn({ errorName: (error as Error).name, action }, "batch item failed");
          result.status = problem.status;
          result.problem = batchItemProblem(problem);
        }
        return result;
      });
      return reply.code(200).send(BatchInboxActionResponse.toJSON({ results }));
    },
  };
}

/** The problem one failed item gets, its field names placed at the item. */
function batchFailure(error: unknown, withSequence: boolean, index: number): ProblemDetails {
  if (isServiceError(error)) {
    return problemOfCallFailure(error as ServiceError, {
      versionExpected: withSequence,
      fieldPrefix: `items[${index}].`,
    });
  }
  if (error instanceof ProblemError) return error.problem;
  return gatewayProblem("internal", "internal error").problem;
}
