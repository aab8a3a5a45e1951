import type { ErrorDeclarations } from "@kopru/service-kit";

/**
 * The partner API's own failures: those of HTTP itself (tokens, scopes, idempotency keys,
 * preconditions, limits) and of its own resources (webhook endpoints). A service's failure keeps
 * the code its own catalogue declared (ADR 0007).
 */
export const GATEWAY_ERRORS = {
  insufficient_scope: {
    grpc: "PERMISSION_DENIED",
    http: 403,
    title: "The token does not grant the scope this request needs",
  },
  idempotency_key_missing: {
    grpc: "INVALID_ARGUMENT",
    http: 400,
    title: "An Idempotency-Key header is required",
  },
  idempotency_key_reused: {
    grpc: "FAILED_PRECONDITION",
    http: 422,
    title: "The Idempotency-Key was used for another request",
  },
  idempotency_request_in_progress: {
    grpc: "ABORTED",
    http: 409,
    title: "A request with this Idempotency-Key is still being processed",
  },
  precondition_required: { grpc: "FAILED_PRECONDITION", http: 428, title: "An If-Match header is required" },
  precondition_failed: {
    grpc: "FAILED_PRECONDITION",
    http: 412,
    title: "The resource changed since the ETag given in If-Match",
  },
  payload_too_large: { grpc: "INVALID_ARGUMENT", http: 413, title: "The request body is too large" },
  unsupported_media_type: {
    grpc: "INVALID_ARGUMENT",
    http: 415,
    title: "The request body's media type is not accepted here",
  },
  rate_limited: { grpc: "RESOURCE_EXHAUSTED", http: 429, title: "Too many requests" },
  overloaded: { grpc: "UNAVAILABLE", http: 503, title: "The API is overloaded; try again shortly" },
  service_unavailable: { grpc: "UNAVAILABLE", http: 503, title: "A Köprü service is not available" },
  request_timeout: { grpc: "DEADLINE_EXCEEDED", http: 408, title: "The request took too long" },
  route_not_found: { grpc: "NOT_FOUND", http: 404, title: "No such route" },
  method_not_allowed: { grpc: "UNIMPLEMENTED", http: 405, title: "Method not allowed on this route" },
  inbox_not_served: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The organisation has no referral inbox this gateway reaches",
  },
  session_required: { grpc: "UNAUTHENTICATED", http: 401, title: "Log in to the console first" },
  session_expired: {
    grpc: "UNAUTHENTICATED",
    http: 401,
    title: "The console session has ended; log in again",
  },
  csrf_refused: {
    grpc: "PERMISSION_DENIED",
    http: 403,
    title: "The request did not come from the console (CSRF token or Origin)",
  },
  console_login_refused: { grpc: "INVALID_ARGUMENT", http: 400, title: "The console login could not finish" },
  console_rpc_not_found: { grpc: "NOT_FOUND", http: 404, title: "The console cannot call this" },
  console_not_built: { grpc: "UNAVAILABLE", http: 503, title: "The console is not built" },
  console_not_configured: {
    grpc: "UNAVAILABLE",
    http: 503,
    title: "The console is not configured on this gateway",
  },
  webhook_url_refused: {
    grpc: "INVALID_ARGUMENT",
    http: 422,
    title: "The webhook URL is not allowed",
  },
} as const satisfies ErrorDeclarations;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;
