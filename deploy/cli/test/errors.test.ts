import { Metadata, type ServiceError, status } from "@grpc/grpc-js";
import { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { describe, expect, it } from "vitest";
import { parseEnum } from "../src/enums.js";
import { CliUsageError, formatError, GrpcCallError, statusName } from "../src/errors.js";

function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${statusName(code)}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

describe("error formatting", () => {
  it("prints the status name and the server's message", () => {
    const error = new GrpcCallError(
      "intake",
      "127.0.0.1:50051",
      "createReferral",
      status.FAILED_PRECONDITION,
      "consent 0b1c does not cover organisation ecm-unit",
    );
    expect(formatError(error)).toEqual({
      message: "FAILED_PRECONDITION: consent 0b1c does not cover organisation ecm-unit",
      exitCode: 1,
    });
  });

  it("says which service is not running and how to start it", () => {
    const error = new GrpcCallError(
      "municipality",
      "127.0.0.1:50055",
      "listInbox",
      status.UNAVAILABLE,
      "No connection established",
    );
    const { message, exitCode } = formatError(error);
    expect(message).toBe(
      "UNAVAILABLE: municipality service at 127.0.0.1:50055 is not running; start the network with `pnpm start` (or set KOPRU_MUNICIPALITY_ADDR)",
    );
    expect(exitCode).toBe(1);
  });

  it("formats a raw grpc-js error the same way", () => {
    expect(formatError(serviceError(status.NOT_FOUND, "referral 42 not found")).message).toBe(
      "NOT_FOUND: referral 42 not found",
    );
    expect(formatError(serviceError(status.PERMISSION_DENIED, "")).message).toBe(
      "PERMISSION_DENIED: (no message)",
    );
  });

  it("treats a wrong command line as a usage error (exit 2)", () => {
    expect(formatError(new CliUsageError("--as <organisation-id> is required"))).toEqual({
      message: "error: --as <organisation-id> is required",
      exitCode: 2,
    });
    const invalid = (() => {
      try {
        parseEnum(ServiceType, "transport", "--service");
      } catch (e) {
        return e;
      }
    })();
    expect(formatError(invalid).exitCode).toBe(2);
    expect(formatError(invalid).message).toMatch(/^error: --service "transport"/);
  });

  it("never prints a stack trace", () => {
    const { message } = formatError(new Error("boom"));
    expect(message).toBe("error: boom");
    expect(message).not.toMatch(/\n\s+at /);
  });
});
