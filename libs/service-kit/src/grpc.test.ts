import { randomUUID } from "node:crypto";
import { type ServiceError, status } from "@grpc/grpc-js";
import {
  IntakeServiceClient,
  IntakeServiceService,
  type RegisterBeneficiaryRequest,
} from "@kopru/contracts/intake/v1/intake_service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callUnary, insecureCredentials } from "./client.js";
import { type HostedGrpcServer, startGrpcServer, unary } from "./grpc.js";

// The edge check as a caller meets it: a real grpc-js server whose handler records what reached it.

const reached: RegisterBeneficiaryRequest[] = [];
let server: HostedGrpcServer;
let client: IntakeServiceClient;

beforeAll(async () => {
  server = await startGrpcServer(
    [
      {
        name: "kopru.intake.v1.IntakeService",
        definition: IntakeServiceService,
        implementation: {
          registerBeneficiary: unary(async (request: RegisterBeneficiaryRequest) => {
            reached.push(request);
            return { beneficiary: undefined, possibleDuplicateIds: [] };
          }),
        },
      },
    ],
    { host: "127.0.0.1", port: 0 },
  );
  client = new IntakeServiceClient(server.address, insecureCredentials());
});

afterAll(async () => {
  client?.close();
  await server?.shutdown(1_000);
});

function register(givenName: string, familyName: string) {
  return callUnary(client, client.registerBeneficiary, {
    requestId: randomUUID(),
    organisationId: "ngo-hayat",
    givenName,
    familyName,
    preferredName: undefined,
    sex: 0,
    birthYear: undefined,
    nationality: "SY",
    legalStatus: 0,
    residence: undefined,
    phoneNumber: undefined,
    preferredLanguage: "ar",
    interpreterNeeded: false,
    interpreterLanguage: undefined,
    safeToContact: true,
    safeTimes: undefined,
    preferredContactMethod: 0,
  });
}

describe("unary() checks text before the handler", () => {
  it("refuses a NUL and a right-to-left override with INVALID_ARGUMENT naming both fields", async () => {
    reached.length = 0;
    const error = (await register("Ay\u0000şe", "\u202eKaya").catch((e: ServiceError) => e)) as ServiceError;
    expect(status[error.code]).toBe("INVALID_ARGUMENT");
    expect(error.details).toContain("given_name: contains a control character (U+0000)");
    expect(error.details).toContain(
      "family_name: contains a bidirectional override or isolate control (U+202E)",
    );
    expect(error.metadata.get("kopru-invalid-fields")).toEqual(["given_name,family_name"]);
    expect(reached).toEqual([]);
  });

  it("hands the handler NFC text, with ZWNJ inside a Persian name kept", async () => {
    reached.length = 0;
    await register("S\u0327eyma", "خانه\u200cها");
    expect(reached.map((r) => [r.givenName, r.familyName])).toEqual([["Şeyma", "خانه\u200cها"]]);
  });
});
