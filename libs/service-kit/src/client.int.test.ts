import { status } from "@grpc/grpc-js";
import { PartnerKind } from "@kopru/contracts/common/v1/vocabulary";
import {
  CoordinationServiceClient,
  CoordinationServiceService,
  type ListOrganisationsRequest,
  type ListOrganisationsResponse,
} from "@kopru/contracts/coordination/v1/coordination_service";
import { startTestIssuer, type TestIssuer } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenVerifier } from "./auth.js";
import type { CallContext } from "./caller.js";
import { type ClientCaller, type GrpcClientOptions, grpcClient } from "./client.js";
import { NotFoundError } from "./errors.js";
import { type HostedGrpcServer, startGrpcServer, unary } from "./grpc.js";
import { channelCredentials, serverCredentials } from "./tls.js";

const AUDIENCE = "urn:kopru:coordination";

/** Raised by the test's mapError, so the test can tell it was applied. */
class CoordinationCallError extends Error {
  override readonly name = "CoordinationCallError";
  constructor(
    readonly method: string,
    readonly code: number,
  ) {
    super(`${method} failed with ${status[code]}`);
  }
}

// A real server answering two RPCs of the coordination contract: one echoes who called (as the
// service would see it), the other refuses, so the client's metadata and error path are both seen.
describe("grpcClient", () => {
  let server: HostedGrpcServer;
  let issuer: TestIssuer;
  let options: GrpcClientOptions;
  const client = (caller: ClientCaller, extra: Partial<GrpcClientOptions> = {}) =>
    grpcClient(CoordinationServiceClient, server.address, channelCredentials("plaintext"), caller, {
      ...options,
      ...extra,
    });

  beforeAll(async () => {
    issuer = await startTestIssuer();
    options = { audience: AUDIENCE, tokens: issuer.tokens };
    server = await startGrpcServer(
      [
        {
          name: "kopru.coordination.v1.CoordinationService",
          definition: CoordinationServiceService,
          implementation: {
            listOrganisations: unary(
              async (
                _request: ListOrganisationsRequest,
                caller: CallContext,
              ): Promise<ListOrganisationsResponse> => ({
                organisations: [
                  {
                    organisationId: caller.organisationId ?? "",
                    name: `${caller.actorId ?? "-"} as ${caller.role ?? "-"}`,
                    partnerKind: PartnerKind.PARTNER_KIND_NATIONAL_NGO,
                    locations: [],
                    active: true,
                  },
                ],
              }),
            ),
            removeServiceOffering: unary(async (request: { serviceOfferingId: string }) => {
              throw new NotFoundError("service offering", request.serviceOfferingId);
            }),
          },
        },
      ],
      {
        host: "127.0.0.1",
        port: 0,
        credentials: serverCredentials("plaintext"),
        verifier: new TokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE }),
      },
    );
  });

  afterAll(async () => {
    await server?.shutdown(100);
    await issuer?.close();
  });

  const listing = { partnerKinds: [], provinceCodes: [], includeInactive: false };

  it("sends the caller's token with every call and decodes the typed response", async () => {
    const api = client({
      organisationId: "ngo-hayat",
      actorId: "caseworker-1",
      role: "caseworker",
    });
    try {
      const { organisations } = await api.call("listOrganisations", listing);
      expect(organisations.map((o) => [o.organisationId, o.name])).toEqual([
        ["ngo-hayat", "caseworker-1 as caseworker"],
      ]);
    } finally {
      api.close();
    }
  });

  it("calls as someone else over the same channel without changing the original", async () => {
    const api = client({ organisationId: "ngo-hayat" });
    try {
      const other = api.as({
        organisationId: "iom-coordination",
        actorId: "coordinator-1",
        role: "coordinator",
      });
      const [mine, theirs] = await Promise.all([
        api.call("listOrganisations", listing),
        other.call("listOrganisations", listing),
      ]);
      expect(mine.organisations[0]?.organisationId).toBe("ngo-hayat");
      expect(theirs.organisations[0]?.name).toBe("coordinator-1 as coordinator");
      expect(other.client).toBe(api.client);
    } finally {
      api.close();
    }
  });

  it("rejects with the gRPC status, or with the caller's own error when it maps them", async () => {
    const plain = client({ organisationId: "ngo-hayat" });
    const mapped = client(
      { organisationId: "ngo-hayat" },
      { mapError: (error, method) => new CoordinationCallError(method, (error as { code: number }).code) },
    );
    try {
      await expect(plain.call("removeServiceOffering", { serviceOfferingId: "x" })).rejects.toMatchObject({
        code: status.NOT_FOUND,
      });
      const failure = await mapped.call("removeServiceOffering", { serviceOfferingId: "x" }).catch((e) => e);
      expect(failure).toBeInstanceOf(CoordinationCallError);
      expect(failure).toMatchObject({ method: "removeServiceOffering", code: status.NOT_FOUND });
    } finally {
      plain.close();
      mapped.close();
    }
  });
});
