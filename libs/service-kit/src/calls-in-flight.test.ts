import { randomUUID } from "node:crypto";
import { type ServiceError, status } from "@grpc/grpc-js";
import {
  IntakeServiceClient,
  IntakeServiceService,
  RegisterBeneficiaryRequest,
  RegisterBeneficiaryResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { startTestIssuer, type TestIssuer, waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenVerifier } from "./auth.js";
import { authorizationMetadata, callUnary } from "./client.js";
import { type HostedGrpcServer, startGrpcServer, unary } from "./grpc.js";
import { checkHealth } from "./health.js";
import { channelCredentials, serverCredentials } from "./tls.js";

// Load shedding as a caller meets it: a real grpc-js server whose handlers wait until released.

const MAX = 2;
const waiting: { givenName: string; release: () => void }[] = [];
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
            if (request.givenName === "fails") throw new Error("handler failed");
            await new Promise<void>((release) => waiting.push({ givenName: request.givenName, release }));
            return RegisterBeneficiaryResponse.fromPartial({ beneficiary: { givenName: request.givenName } });
          }),
        },
      },
    ],
    {
      host: "127.0.0.1",
      port: 0,
      credentials: serverCredentials("plaintext"),
      verifier: new TokenVerifier({ issuer: issuer.issuer, audience: "urn:kopru:intake" }),
      maxCallsInFlight: MAX,
    },
  );
  client = new IntakeServiceClient(server.address, channelCredentials("plaintext"));
}, 60_000);

afterAll(async () => {
  for (const call of waiting.splice(0)) call.release();
  client?.close();
  await server?.shutdown(1_000);
  await issuer?.close();
});

async function register(givenName: string, withToken = true) {
  const token = await issuer.mint(
    { organisationId: "ngo-hayat", actorId: "u-1", role: "caseworker" },
    "urn:kopru:intake",
  );
  return callUnary(
    client,
    client.registerBeneficiary,
    RegisterBeneficiaryRequest.fromPartial({
      requestId: randomUUID(),
      organisationId: "ngo-hayat",
      givenName,
    }),
    authorizationMetadata(withToken ? token : undefined),
  );
}

describe("calls in flight past maxCallsInFlight", () => {
  it("are answered UNAVAILABLE at once, health checks still answer, and a slot comes free when a call ends", async () => {
    // A failing handler gives its slot back too.
    const failed = (await register("fails").catch((e: ServiceError) => e)) as ServiceError;
    expect(status[failed.code]).toBe("INTERNAL");

    const first = register("first");
    const second = register("second");
    await waitFor(() => waiting.length === MAX, { message: "two calls waiting in their handlers" });

    const shed = (await register("third").catch((e: ServiceError) => e)) as ServiceError;
    expect(status[shed.code]).toBe("UNAVAILABLE");
    expect(shed.details).toContain("at capacity (2 calls in flight)");
    // Shed before the token is read: an unauthenticated caller does not get in line either.
    const anonymous = (await register("anonymous", false).catch((e: ServiceError) => e)) as ServiceError;
    expect(status[anonymous.code]).toBe("UNAVAILABLE");
    expect(await checkHealth(server.address)).toBe("SERVING");
    expect(waiting.map((w) => w.givenName).sort()).toEqual(["first", "second"]);

    // The two may have reached their handlers in either order: release "first" by name.
    const at = waiting.findIndex((w) => w.givenName === "first");
    waiting.splice(at, 1)[0]?.release();
    expect((await first).beneficiary?.givenName).toBe("first");
    const fourth = register("fourth");
    await waitFor(() => waiting.length === MAX, { message: "the freed slot taken by the next call" });
    for (const call of waiting.splice(0)) call.release();
    expect((await second).beneficiary?.givenName).toBe("second");
    expect((await fourth).beneficiary?.givenName).toBe("fourth");
  }, 60_000);
});
