import { createHash, randomUUID } from "node:crypto";
import type { BatchItemProblem } from "@kopru/contracts/gateway/v1/partner_api";
import type { ProblemDetails } from "@kopru/service-kit";
import type { FastifyReply, FastifyRequest } from "fastify";
import { gatewayProblem } from "../problems.js";
import { type JsonSchema, type ProtoSchemas, ref } from "../proto-schema.js";

// What every route group shares: the responses every route can give, path parameters, ETags and
// If-Match, the request ids the services de-duplicate on.

const PROBLEM_STATUSES: Record<number, string> = {
  400: "The request is invalid; `invalid_params` names each field.",
  401: "No access token, or one that does not verify.",
  403: "The token lacks the scope, or the caller the right.",
  404: "No such resource for the caller's organisation.",
  409: "The resource's state does not allow this (the problem's `code` says why).",
  412: "If-Match names a version the resource has moved past.",
  413: "The body is too large.",
  415: "The body's media type is not accepted.",
  422: "The Idempotency-Key was used for a different request.",
  428: "If-Match is required.",
  429: "Too many requests; see Retry-After.",
  503: "Overloaded or a service is unavailable; see Retry-After.",
};

function problemResponse(description: string): JsonSchema {
  return { description, content: { "application/problem+json": { schema: ref("Problem") } } };
}

/** Response schemas: the success status with its body, and the problems any route can answer with. */
export function responses(
  success: Record<number, JsonSchema>,
  problems: readonly number[] = [400, 401, 403, 404, 409, 429, 503],
): Record<string, JsonSchema> {
  const result: Record<string, JsonSchema> = {};
  for (const [code, schema] of Object.entries(success)) {
    result[code] = { description: "Success", content: { "application/json": { schema } } };
  }
  for (const code of problems) result[code] = problemResponse(PROBLEM_STATUSES[code] ?? "Problem");
  return result;
}

/** Path parameters that are UUIDs (the API's own ids and the services'), each with its description. */
export function uuidParams(described: Record<string, string>): JsonSchema {
  return {
    type: "object",
    required: Object.keys(described),
    additionalProperties: false,
    properties: Object.fromEntries(
      Object.entries(described).map(([name, description]) => [
        name,
        { type: "string", format: "uuid", description },
      ]),
    ),
  };
}

export const REFERRAL_ID_PARAMS: JsonSchema = uuidParams({ referralId: "The referral's id." });

export function idParams(name: string, description: string): JsonSchema {
  return {
    type: "object",
    required: [name],
    additionalProperties: false,
    properties: { [name]: { type: "string", minLength: 1, maxLength: 200, description } },
  };
}

export const IDEMPOTENCY_HEADERS: JsonSchema = {
  type: "object",
  properties: {
    "idempotency-key": {
      type: "string",
      minLength: 1,
      maxLength: 255,
      description: "A key unique to this request (a UUID): a retry with it gets the first answer.",
    },
  },
};

export const IF_MATCH_HEADERS: JsonSchema = {
  type: "object",
  properties: {
    ...(IDEMPOTENCY_HEADERS.properties as object),
    "if-match": { type: "string", description: 'The referral\'s ETag as last read, e.g. "4".' },
  },
};

/** A strong ETag from a referral's sequence (its position in its history). */
export function etagOf(sequence: number): string {
  return `"${sequence}"`;
}

/**
 * The referral sequence the caller last saw, from `If-Match` (RFC 9110 §13.1.1). A state change
 * without it is refused (428): acting on a referral someone else just changed is how two people
 * accept and decline the same person at once.
 */
export function expectedSequence(request: FastifyRequest): number {
  const header = request.headers["if-match"];
  if (header === undefined)
    throw gatewayProblem("precondition_required", 'send If-Match with the referral\'s ETag (e.g. "4")');
  const match = /^\s*(?:W\/)?"(\d{1,15})"\s*$/.exec(String(header));
  if (!match?.[1]) {
    throw gatewayProblem("invalid_argument", 'If-Match must be one ETag as the API gave it, e.g. "4"', {
      invalid_params: [{ name: "If-Match", reason: 'one ETag, e.g. "4"' }],
    });
  }
  return Number(match[1]);
}

/**
 * The request id a service de-duplicates on (UUID): derived from the caller and its Idempotency-Key,
 * so a retry the gateway runs again after a crash still has one effect; random without a key.
 */
export function requestIdOf(request: FastifyRequest, suffix = ""): string {
  const claimed = request.idempotency;
  if (!claimed) return randomUUID();
  const hex = createHash("sha256").update(`${claimed.caller}\n${claimed.key}\n${suffix}`).digest("hex");
  // Shaped as an RFC 9562 version 8 (custom) UUID.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Sets the ETag of a referral-bearing answer. */
export function withEtag(reply: FastifyReply, sequence: number | undefined): FastifyReply {
  if (sequence !== undefined && sequence > 0) reply.header("etag", etagOf(sequence));
  return reply;
}

/** Query parameters shared by the lists: page size and the cursor. */
export const PAGE_QUERY = {
  pageSize: { type: "integer", minimum: 1, maximum: 500, description: "Items per page (default 50)." },
  pageToken: { type: "string", maxLength: 2000, description: "The `nextPageToken` of the previous page." },
} as const;

/** A referral list's filters in the query string (repeat a parameter for several values). */
export function referralFilterQuery(schemas: ProtoSchemas): Record<string, JsonSchema> {
  return {
    status: { type: "array", items: schemas.enumRef("kopru.common.v1.ReferralStatus") },
    serviceType: { type: "array", items: schemas.enumRef("kopru.common.v1.ServiceType") },
    priority: { type: "array", items: schemas.enumRef("kopru.common.v1.Priority") },
  };
}

/** "Changed since" and the page: how a partner system syncs a referral list. */
export const SYNC_PAGE_QUERY = {
  updatedSince: { type: "string", format: "date-time" },
  ...PAGE_QUERY,
} as const;

export interface ReferralListQuery {
  status?: string[];
  serviceType?: string[];
  priority?: string[];
  updatedSince?: string;
  pageSize?: number;
  pageToken?: string;
}

/** The filters and page of a referral list query as the list requests' proto3 JSON names them. */
export function referralListFilters(query: ReferralListQuery): Record<string, unknown> {
  return {
    statuses: query.status ?? [],
    serviceTypes: query.serviceType ?? [],
    priorities: query.priority ?? [],
    ...(query.updatedSince ? { updatedSince: query.updatedSince } : {}),
    page: { pageSize: query.pageSize ?? 0, pageToken: query.pageToken ?? "" },
  };
}

/** A problem as one item of a batch carries it (its status beside it). */
export function batchItemProblem(problem: ProblemDetails): BatchItemProblem {
  return {
    type: problem.type,
    title: problem.title,
    code: problem.code,
    detail: problem.detail,
    invalidParams: (problem.invalid_params ?? []).map((p) => ({ name: p.name, reason: p.reason })),
  };
}

/** `fn` over every item, at most `limit` at once, results in the items' order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
