import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { spec as communityCentre } from "@kopru/community-centre";
import { coordinationService } from "@kopru/coordination";
import { spec as ecm } from "@kopru/ecm";
import { intakeService } from "@kopru/intake";
import { spec as municipality } from "@kopru/municipality";
import { notificationsService } from "@kopru/notifications";
import { spec as protection } from "@kopru/protection";
import { type ErrorCatalogue, InvalidArgumentError } from "@kopru/service-kit";
import { describe, expect, it } from "vitest";
import {
  gatewayProblem,
  httpStatusOfGrpc,
  jsonFieldPath,
  problemOfServiceError,
} from "../src/adapters/http/problems.js";
import { GATEWAY_ERRORS } from "../src/domain/errors.js";

// The gateway turns a service's gRPC failure into the HTTP status that service's own catalogue
// declared, without holding the catalogues: the gRPC status is the bridge. This holds only if every
// declared (grpc, http) pair agrees with the gateway's one table — checked here for every code of
// every service the gateway calls, so a new code with an unusual HTTP status fails here first.

const CATALOGUES: Record<string, ErrorCatalogue> = {
  intake: intakeService.errors,
  coordination: coordinationService.errors,
  protection: protection.errors,
  ecm: ecm.errors,
  "community-centre": communityCentre.errors,
  municipality: municipality.errors,
  notifications: notificationsService.errors,
};

/** A service's error as it arrives over gRPC, made by that service's own catalogue. */
function overTheWire(catalogue: ErrorCatalogue, code: string): ServiceError {
  const error =
    code === "invalid_argument"
      ? new InvalidArgumentError([{ field: "consent.expires_at", description: "must be in the future" }])
      : Object.assign(new Error(`failed with ${code}`), { code });
  const sent = catalogue.toServiceError(error);
  return Object.assign(new Error(sent.details), sent, {
    metadata: sent.metadata ?? new Metadata(),
  }) as ServiceError;
}

describe("a service's failure at the partner API", () => {
  for (const [service, catalogue] of Object.entries(CATALOGUES)) {
    it(`answers every code of ${service} with the HTTP status its catalogue declares`, () => {
      const wrong: string[] = [];
      for (const code of catalogue.codes) {
        const declared = catalogue.entry(code);
        if (!declared || code === "internal") continue;
        const problem = problemOfServiceError(overTheWire(catalogue, code));
        if (problem.status !== declared.http || problem.code !== code || problem.title !== declared.title)
          wrong.push(`${code}: ${declared.grpc} declared HTTP ${declared.http}, answered ${problem.status}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it("names invalid fields as the API's JSON spells them, under the prefix a batch row gives", () => {
    const problem = problemOfServiceError(
      overTheWire(intakeService.errors, "invalid_argument"),
      "referrals[2].referral.",
    );
    expect(problem.status).toBe(400);
    expect(problem.invalid_params).toEqual([
      { name: "referrals[2].referral.consent.expiresAt", reason: "must be in the future" },
    ]);
  });

  it("says nothing of an undeclared failure but what kind it was", () => {
    const bare = (code: status, details: string) =>
      Object.assign(new Error(details), { code, details, metadata: new Metadata() }) as ServiceError;
    const internal = problemOfServiceError(bare(status.INTERNAL, "row for Ayşe Halabi broke"));
    expect(internal).toMatchObject({ status: 500, code: "internal", detail: "internal error" });
    expect(problemOfServiceError(bare(status.UNAVAILABLE, "connect refused"))).toMatchObject({
      status: 503,
      code: "service_unavailable",
    });
    expect(problemOfServiceError(bare(status.DEADLINE_EXCEEDED, "deadline"))).toMatchObject({ status: 503 });
    expect(problemOfServiceError(bare(status.UNAUTHENTICATED, "expired"))).toMatchObject({ status: 401 });
  });

  it("maps gRPC statuses no table names to 500", () => {
    expect(httpStatusOfGrpc(status.DATA_LOSS)).toBe(500);
    expect(httpStatusOfGrpc(status.UNKNOWN)).toBe(500);
    expect(httpStatusOfGrpc(status.FAILED_PRECONDITION)).toBe(409);
  });

  it("spells proto paths in camelCase", () => {
    expect(jsonFieldPath("explicit_target.organisation_id")).toBe("explicitTarget.organisationId");
    expect(jsonFieldPath("data_categories[0]")).toBe("dataCategories[0]");
  });
});

describe("the gateway's own problems", () => {
  it("answers each declared code with its declared status and title", () => {
    for (const [code, declared] of Object.entries(GATEWAY_ERRORS)) {
      const { problem } = gatewayProblem(code as keyof typeof GATEWAY_ERRORS, "detail");
      expect(problem).toMatchObject({
        status: declared.http,
        title: declared.title,
        code,
        type: `/problems/${code}`,
      });
    }
  });

  it("refuses an undeclared code rather than answering with a made-up one", () => {
    expect(() => gatewayProblem("no_such_code" as never, "x")).toThrow(/undeclared/);
  });
});
