import { randomUUID } from "node:crypto";
import { type ServiceError, status } from "@grpc/grpc-js";
import {
  IntakeServiceClient,
  IntakeServiceService,
  type RegisterBeneficiaryRequest,
  RegisterBeneficiaryResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { startTestIssuer, type TestIssuer } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenVerifier } from "./auth.js";
import { authorizationMetadata, callUnary } from "./client.js";
import { type HostedGrpcServer, startGrpcServer, unary } from "./grpc.js";
import { channelCredentials, serverCredentials } from "./tls.js";

// The edge check as a caller meets it: a real grpc-js server whose handler records what reached it.

const reached: RegisterBeneficiaryRequest[] = [];
let server: HostedGrpcServer;
let client: IntakeServiceClient;
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await startTestIssuer();
  server = await startGrpcServer(
    [
      {
        name: "kopru.intake.v1.IntakeService",
        definition: IntakeServiceService,
        implementation: {
          registerBeneficiary: unary(async (request: RegisterBeneficiaryRequest) => {
            reached.push(request);
            return RegisterBeneficiaryResponse.fromPartial({});
          }),
        },
      },
    ],
    {
      host: "127.0.0.1",
      port: 0,
      credentials: serverCredentials("plaintext"),
      verifier: new TokenVerifier({ issuer: issuer.issuer, audience: "urn:kopru:intake" }),
    },
  );
  client = new IntakeServiceClient(server.address, channelCredentials("plaintext"));
});

afterAll(async () => {
  client?.close();
  await server?.shutdown(1_000);
  await issuer?.close();
});

async function register(givenName: string, familyName: string) {
  const token = await issuer.mint(
    { organisationId: "ngo-hayat", actorId: "u-1", role: "caseworker" },
    "urn:kopru:intake",
  );
  return callUnary(
    client,
    client.registerBeneficiary,
    {
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
      safeContactWindows: [],
    },
    authorizationMetadata(token),
  );
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
