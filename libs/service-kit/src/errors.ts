import { Metadata, type ServiceError, status } from "@grpc/grpc-js";

/**
 * How one failure looks on every wire: the gRPC status (by name, so domain code can declare its
 * errors with a type-only import), the HTTP status and a short title for RFC 9457 problem details.
 */
export interface ErrorDeclaration {
  grpc: Exclude<keyof typeof status, number>;
  http: number;
  title: string;
}

/** A library's or service's own errors by their stable code (`snake_case`). */
export type ErrorDeclarations = Readonly<Record<string, ErrorDeclaration>>;

export interface FieldViolation {
  /** The request field in proto (snake_case) spelling, e.g. `consent.scope.purposes`. */
  field: string;
  description: string;
}

/** The request is malformed: names every offending field. */
export class InvalidArgumentError extends Error {
  override readonly name = "InvalidArgumentError";
  readonly code = "invalid_argument";
  constructor(readonly violations: readonly FieldViolation[]) {
    super(violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
}

/**
 * Unknown id, or an id that belongs to another organisation: the same answer for both, so a
 * caller cannot learn that another organisation's record exists.
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

/** The caller may not do this (unknown organisation, missing role). */
export class PermissionDeniedError extends Error {
  override readonly name = "PermissionDeniedError";
  readonly code = "permission_denied";
}

/** Two catalogues handed to one service declare the same code. */
export class DuplicateErrorCodeError extends Error {
  override readonly name = "DuplicateErrorCodeError";
  constructor(readonly errorCode: string) {
    super(`error code ${errorCode} is declared twice`);
  }
}

/**
 * The failures every service shares and nothing more: the kit knows no domain vocabulary. `internal`
 * is what anything undeclared becomes.
 */
export const GENERIC_ERRORS = {
  invalid_argument: { grpc: "INVALID_ARGUMENT", http: 400, title: "The request is invalid" },
  not_found: { grpc: "NOT_FOUND", http: 404, title: "Not found" },
  permission_denied: { grpc: "PERMISSION_DENIED", http: 403, title: "Not permitted" },
  unauthenticated: { grpc: "UNAUTHENTICATED", http: 401, title: "Authentication required" },
  unavailable: { grpc: "UNAVAILABLE", http: 503, title: "Not available yet" },
  internal: { grpc: "INTERNAL", http: 500, title: "Internal error" },
} as const satisfies ErrorDeclarations;

/** Where the problem types live, relative to the API's own origin (RFC 9457 allows relative URIs). */
export const PROBLEM_TYPE_PREFIX = "/problems/";

export interface CatalogueEntry extends ErrorDeclaration {
  code: string;
  /** RFC 9457 `type`. */
  type: string;
}

/** RFC 9457 problem details, plus the stable code and (for invalid arguments) the fields at fault. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  invalid_params?: { name: string; reason: string }[];
}

/**
 * Every error a service can answer with, built once from the declarations of the service and the
 * libraries it uses. The one place errors become gRPC statuses and HTTP problems: an error whose
 * `code` is in the catalogue is sent with its message; anything else is INTERNAL without details
 * (its message may hold what the caller should not see).
 */
export class ErrorCatalogue {
  readonly #entries = new Map<string, CatalogueEntry>();

  constructor(...declarations: readonly ErrorDeclarations[]) {
    for (const declared of [GENERIC_ERRORS, ...declarations]) {
      for (const [code, declaration] of Object.entries(declared)) {
        if (this.#entries.has(code)) throw new DuplicateErrorCodeError(code);
        this.#entries.set(code, { ...declaration, code, type: `${PROBLEM_TYPE_PREFIX}${code}` });
      }
    }
  }

  get codes(): string[] {
    return [...this.#entries.keys()];
  }

  entry(code: string): CatalogueEntry | undefined {
    return this.#entries.get(code);
  }

  /** The declared entry of a thrown error, or undefined for anything the catalogue does not know. */
  entryOf(error: unknown): CatalogueEntry | undefined {
    if (!(error instanceof Error)) return undefined;
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && code !== "internal" ? this.#entries.get(code) : undefined;
  }

  toServiceError(error: unknown): Partial<ServiceError> & { code: status; details: string } {
    const entry = this.entryOf(error);
    if (!entry) return { code: status.INTERNAL, details: "internal error", message: "internal error" };
    const message = (error as Error).message;
    const metadata = new Metadata();
    metadata.set("kopru-error-code", entry.code);
    // The declared title travels too, so an HTTP edge (the partner API) answers with the same
    // problem details as `toProblem` without holding every service's catalogue.
    metadata.set("kopru-error-title", asciiText(entry.title));
    if (error instanceof InvalidArgumentError) {
      metadata.set("kopru-invalid-fields", error.violations.map((v) => v.field).join(","));
      metadata.set(
        "kopru-invalid-params",
        asciiText(JSON.stringify(error.violations.map((v) => ({ name: v.field, reason: v.description })))),
      );
    }
    return { code: status[entry.grpc], details: message, message, metadata };
  }

  toProblem(error: unknown): ProblemDetails {
    const entry = this.entryOf(error);
    if (!entry) {
      const internal = this.#entries.get("internal") as CatalogueEntry;
      return {
        type: internal.type,
        title: internal.title,
        status: internal.http,
        detail: "internal error",
        code: internal.code,
      };
    }
    const problem: ProblemDetails = {
      type: entry.type,
      title: entry.title,
      status: entry.http,
      detail: (error as Error).message,
      code: entry.code,
    };
    if (error instanceof InvalidArgumentError) {
      problem.invalid_params = error.violations.map((v) => ({ name: v.field, reason: v.description }));
    }
    return problem;
  }
}

/**
 * gRPC text metadata must be printable ASCII: every other character is written as a JSON `\uXXXX`
 * escape, which `JSON.parse` reads back (and, outside JSON, still names the character).
 */
function asciiText(text: string): string {
  return text.replace(/[^ -~]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
