import { Metadata, type ServiceError, status } from "@grpc/grpc-js";

export interface FieldViolation {
  /** The request field in proto (snake_case) spelling, e.g. `consent.scope.purposes`. */
  field: string;
  description: string;
}

/** The request is malformed: names every offending field. Maps to INVALID_ARGUMENT. */
export class InvalidArgumentError extends Error {
  override readonly name = "InvalidArgumentError";
  readonly code = "invalid_argument";
  constructor(readonly violations: readonly FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
}

/**
 * Unknown id, or an id that belongs to another organisation: the same answer for both, so a
 * caller cannot learn that another organisation's record exists. Maps to NOT_FOUND.
 */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
  readonly code = "not_found";
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

/** The action is valid but not in the record's current state. Maps to FAILED_PRECONDITION. */
export class PreconditionFailedError extends Error {
  override readonly name = "PreconditionFailedError";
  readonly code = "failed_precondition";
}

/** Someone else changed the record first. Maps to ABORTED: re-read and decide again. */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
  readonly code = "conflict";
}

export class PermissionDeniedError extends Error {
  override readonly name = "PermissionDeniedError";
  readonly code = "permission_denied";
}

/**
 * The one place where errors become gRPC statuses. Domain errors carry a stable `code`; the
 * table below says what each means on the wire. Anything unknown is INTERNAL and its message is
 * not sent (it may hold details the caller should not see).
 */
const STATUS_BY_CODE: Record<string, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  failed_precondition: status.FAILED_PRECONDITION,
  conflict: status.ABORTED,
  permission_denied: status.PERMISSION_DENIED,
  // Referral domain (libs/referral/src/domain).
  transition_not_allowed: status.FAILED_PRECONDITION,
  transition_forbidden: status.PERMISSION_DENIED,
  missing_reason: status.INVALID_ARGUMENT,
  invalid_transition_input: status.INVALID_ARGUMENT,
  sequence_conflict: status.ABORTED,
  expiry_before_deadline: status.FAILED_PRECONDITION,
  no_data_contract: status.INVALID_ARGUMENT,
  consent_not_covering: status.FAILED_PRECONDITION,
  consent_problem: status.FAILED_PRECONDITION,
  data_contract_unmet: status.FAILED_PRECONDITION,
};

export function registerErrorCode(code: string, grpcStatus: status): void {
  STATUS_BY_CODE[code] = grpcStatus;
}

export function toServiceError(error: unknown): Partial<ServiceError> & { code: status; details: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const mapped = typeof code === "string" ? STATUS_BY_CODE[code] : undefined;
  if (mapped !== undefined && error instanceof Error) {
    const metadata = new Metadata();
    metadata.set("kopru-error-code", code as string);
    if (error instanceof InvalidArgumentError) {
      metadata.set("kopru-invalid-fields", error.violations.map((v) => v.field).join(","));
    }
    return { code: mapped, details: error.message, message: error.message, metadata };
  }
  return { code: status.INTERNAL, details: "internal error", message: "internal error" };
}
