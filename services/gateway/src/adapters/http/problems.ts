import { type ServiceError, status } from "@grpc/grpc-js";
import { GENERIC_ERRORS, PROBLEM_TYPE_PREFIX, type ProblemDetails } from "@kopru/service-kit";
import type { FastifyReply } from "fastify";
import { GATEWAY_ERRORS, type GatewayErrorCode } from "../../domain/errors.js";

// Every failure leaves the gateway as RFC 9457 problem details (`application/problem+json`). A
// service's failure keeps what its own catalogue declared — the stable code, the title, the field
// reasons travel in the gRPC metadata (ADR 0007) — and the HTTP status follows the gRPC status the
// catalogue gave it; the gateway's own failures are declared in its table. Nothing else is said:
// an unexpected error answers 500 with no detail.

export const PROBLEM_JSON = "application/problem+json";

/** HTTP status by gRPC status, as every service catalogue declares them (checked by a test). */
const HTTP_BY_GRPC: Partial<Record<status, number>> = {
  [status.INVALID_ARGUMENT]: 400,
  [status.OUT_OF_RANGE]: 400,
  [status.UNAUTHENTICATED]: 401,
  [status.PERMISSION_DENIED]: 403,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.ABORTED]: 409,
  [status.FAILED_PRECONDITION]: 409,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.CANCELLED]: 499,
  [status.UNIMPLEMENTED]: 501,
  [status.UNAVAILABLE]: 503,
  [status.DEADLINE_EXCEEDED]: 504,
};

export function httpStatusOfGrpc(code: status): number {
  return HTTP_BY_GRPC[code] ?? 500;
}

export interface InvalidParam {
  name: string;
  reason: string;
}

/** A problem the gateway answers with; thrown by handlers and hooks, written by the error handler. */
export class ProblemError extends Error {
  override readonly name = "ProblemError";
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}

/** One of the gateway's own declared failures. */
export function gatewayProblem(
  code: GatewayErrorCode | keyof typeof GENERIC_ERRORS,
  detail: string,
  extra: { invalid_params?: InvalidParam[]; headers?: Record<string, string> } = {},
): ProblemError {
  const declared =
    (GATEWAY_ERRORS as Record<string, { http: number; title: string }>)[code] ??
    (GENERIC_ERRORS as Record<string, { http: number; title: string }>)[code];
  if (!declared) throw new Error(`undeclared problem code ${code}`);
  return new ProblemError(
    {
      type: `${PROBLEM_TYPE_PREFIX}${code}`,
      title: declared.title,
      status: declared.http,
      detail,
      code,
      ...(extra.invalid_params ? { invalid_params: extra.invalid_params } : {}),
    },
    extra.headers,
  );
}

/** `\uXXXX` escapes (how services send non-ASCII text in gRPC metadata) read back. */
function unescapeAscii(text: string): string {
  return text.replace(/\\u([0-9a-f]{4})/g, (_m, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

function metadataText(error: ServiceError, key: string): string | undefined {
  const value = error.metadata?.get(key)[0];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** snake_case proto field paths as the API's JSON spells them (`consent.expires_at` → `consent.expiresAt`). */
export function jsonFieldPath(protoPath: string): string {
  return protoPath.replace(/_([a-z0-9])/g, (_m, char: string) => char.toUpperCase());
}

export function isServiceError(error: unknown): error is ServiceError {
  return (
    error instanceof Error && typeof (error as Partial<ServiceError>).code === "number" && "metadata" in error
  );
}

/**
 * The problem a service's gRPC failure becomes. `fieldPrefix` maps request fields the gateway
 * nests (a batch row's `referrals[3].referral.`) back to where the caller wrote them.
 */
export function problemOfServiceError(error: ServiceError, fieldPrefix = ""): ProblemDetails {
  const code = metadataText(error, "kopru-error-code");
  const httpStatus = httpStatusOfGrpc(error.code);
  if (!code) {
    // A failure no catalogue declared (the service could not be reached, a deadline passed): its
    // status says what kind of failure it was; its message is not passed on.
    const generic =
      httpStatus === 503 || httpStatus === 504
        ? gatewayProblem("service_unavailable", "a Köprü service did not answer in time; try again")
        : httpStatus === 401
          ? gatewayProblem("unauthenticated", "the service did not accept the caller's token")
          : gatewayProblem("internal", "internal error");
    return generic.problem;
  }
  const problem: ProblemDetails = {
    type: `${PROBLEM_TYPE_PREFIX}${code}`,
    title: unescapeAscii(metadataText(error, "kopru-error-title") ?? "The request failed"),
    status: httpStatus,
    detail: error.details,
    code,
  };
  const params = metadataText(error, "kopru-invalid-params");
  if (params) {
    try {
      const parsed = JSON.parse(params) as InvalidParam[];
      problem.invalid_params = parsed.map((p) => ({
        name: `${fieldPrefix}${jsonFieldPath(String(p.name))}`,
        reason: String(p.reason),
      }));
    } catch {
      // A service that sent no readable reasons still named the code and the detail.
    }
  }
  return problem;
}

/**
 * The problem a failed service call becomes. When the caller named the version it expected (If-Match,
 * or a batch item's expectedSequence), a version conflict is that precondition failing: 412
 * (RFC 9110 §13.1.1) rather than the service's 409.
 */
export function problemOfCallFailure(
  error: ServiceError,
  options: { versionExpected: boolean; fieldPrefix?: string },
): ProblemDetails {
  const problem = problemOfServiceError(error, options.fieldPrefix);
  if (problem.code === "sequence_conflict" && options.versionExpected)
    return gatewayProblem("precondition_failed", problem.detail).problem;
  return problem;
}

/** Sends a problem with its status and the problem media type. */
export function sendProblem(
  reply: FastifyReply,
  problem: ProblemDetails,
  headers: Record<string, string> = {},
): FastifyReply {
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply.code(problem.status).type(PROBLEM_JSON).send(problem);
}

/** The JSON Schema of a problem (RFC 9457 members plus Köprü's stable `code` and `invalid_params`). */
export const PROBLEM_SCHEMA = {
  $id: "Problem",
  type: "object",
  description: "RFC 9457 problem details. `code` is stable; `type` is documented at /problems/{code}.",
  required: ["type", "title", "status", "detail", "code"],
  properties: {
    type: { type: "string", format: "uri-reference" },
    title: { type: "string" },
    status: { type: "integer", minimum: 400, maximum: 599 },
    detail: { type: "string" },
    code: { type: "string" },
    invalid_params: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "reason"],
        properties: { name: { type: "string" }, reason: { type: "string" } },
      },
    },
  },
} as const;
