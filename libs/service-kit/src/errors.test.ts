import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import {
  DuplicateErrorCodeError,
  ErrorCatalogue,
  type ErrorDeclarations,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
} from "./errors.js";

const LENDING_ERRORS = {
  book_on_loan: { grpc: "FAILED_PRECONDITION", http: 409, title: "The book is on loan" },
} as const satisfies ErrorDeclarations;

class BookOnLoanError extends Error {
  override readonly name = "BookOnLoanError";
  readonly code: keyof typeof LENDING_ERRORS = "book_on_loan";
}

describe("ErrorCatalogue", () => {
  const catalogue = new ErrorCatalogue(LENDING_ERRORS);

  it("sends a declared error with its status, message and code", () => {
    const answer = catalogue.toServiceError(new BookOnLoanError("book 7 is on loan until Friday"));
    expect(answer.code).toBe(status.FAILED_PRECONDITION);
    expect(answer.details).toBe("book 7 is on loan until Friday");
    expect(answer.metadata?.get("kopru-error-code")).toEqual(["book_on_loan"]);

    expect(catalogue.toProblem(new BookOnLoanError("book 7 is on loan until Friday"))).toEqual({
      type: "/problems/book_on_loan",
      title: "The book is on loan",
      status: 409,
      detail: "book 7 is on loan until Friday",
      code: "book_on_loan",
    });
  });

  it("maps the generic errors every service shares", () => {
    const cases: [Error, status, number][] = [
      [new NotFoundError("case", "c-1"), status.NOT_FOUND, 404],
      [new PermissionDeniedError("organisation x is not served here"), status.PERMISSION_DENIED, 403],
      [
        new InvalidArgumentError([{ field: "name", description: "is required" }]),
        status.INVALID_ARGUMENT,
        400,
      ],
    ];
    for (const [error, grpcStatus, httpStatus] of cases) {
      expect(catalogue.toServiceError(error).code).toBe(grpcStatus);
      expect(catalogue.toProblem(error).status).toBe(httpStatus);
      expect(catalogue.toProblem(error).type).toBe(
        `/problems/${(error as unknown as { code: string }).code}`,
      );
    }
  });

  it("sends the field reasons as printable ASCII that reads back exactly, whatever their script", () => {
    const error = new InvalidArgumentError([{ field: "city", description: "“Şanlıurfa” is not a district" }]);
    const sent = String(catalogue.toServiceError(error).metadata?.get("kopru-invalid-params")[0]);
    expect(sent).toMatch(/^[ -~]*$/);
    expect(JSON.parse(sent)).toEqual([{ name: "city", reason: "“Şanlıurfa” is not a district" }]);
  });

  it("names every invalid field, in gRPC metadata and in the problem", () => {
    const error = new InvalidArgumentError([
      { field: "given_name", description: "must not contain control characters" },
      { field: "consent.scope.purposes", description: "at least one is required" },
    ]);
    expect(catalogue.toServiceError(error).metadata?.get("kopru-invalid-fields")).toEqual([
      "given_name,consent.scope.purposes",
    ]);
    const params = catalogue.toServiceError(error).metadata?.get("kopru-invalid-params")[0];
    expect(JSON.parse(String(params))).toEqual(catalogue.toProblem(error).invalid_params);
    expect(catalogue.toProblem(error).invalid_params).toEqual([
      { name: "given_name", reason: "must not contain control characters" },
      { name: "consent.scope.purposes", reason: "at least one is required" },
    ]);
  });

  it("answers anything undeclared as INTERNAL without its message", () => {
    const leaks = [
      new Error("duplicate key value violates unique constraint: Key (name)=(Ayşe Yılmaz)"),
      Object.assign(new TypeError("cannot read Ayşe"), { code: "undeclared_code" }),
      Object.assign(new RangeError("Ayşe"), { code: "internal" }),
      { code: "not_found", message: "a plain object is not an error" },
      "a thrown string",
    ];
    for (const thrown of leaks) {
      const answer = catalogue.toServiceError(thrown);
      expect(answer.code).toBe(status.INTERNAL);
      expect(answer.details).toBe("internal error");
      expect(answer.metadata).toBeUndefined();
      expect(catalogue.toProblem(thrown)).toEqual({
        type: "/problems/internal",
        title: "Internal error",
        status: 500,
        detail: "internal error",
        code: "internal",
      });
    }
  });

  it("refuses a code declared twice, also against the generic errors", () => {
    expect(() => new ErrorCatalogue(LENDING_ERRORS, LENDING_ERRORS)).toThrow(DuplicateErrorCodeError);
    expect(() => new ErrorCatalogue({ not_found: { grpc: "NOT_FOUND", http: 404, title: "Gone" } })).toThrow(
      DuplicateErrorCodeError,
    );
  });

  it("knows no domain vocabulary of its own", () => {
    expect(new ErrorCatalogue().codes.sort()).toEqual([
      "internal",
      "invalid_argument",
      "not_found",
      "permission_denied",
      "unauthenticated",
      "unavailable",
    ]);
  });
});
