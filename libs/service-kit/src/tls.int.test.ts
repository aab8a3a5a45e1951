import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServiceError, status } from "@grpc/grpc-js";
import {
  CoordinationServiceClient,
  CoordinationServiceService,
  type ListOrganisationsRequest,
} from "@kopru/contracts/coordination/v1/coordination_service";
import { createCertificateAuthority, issueCertificate } from "@kopru/pki";
import { startTestIssuer, type TestIssuer } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenVerifier } from "./auth.js";
import { authorizationMetadata, callUnary } from "./client.js";
import { type HostedGrpcServer, startGrpcServer, unary } from "./grpc.js";
import { checkHealth } from "./health.js";
import { channelCredentials, serverCredentials, type TlsFiles } from "./tls.js";

// The kit's own listener as a caller meets it: mutual TLS from the network's CA, or nothing.

const AUDIENCE = "urn:kopru:coordination";
const listing: ListOrganisationsRequest = { partnerKinds: [], provinceCodes: [], includeInactive: false };
let dir: string;
let issuer: TestIssuer;
let server: HostedGrpcServer;
let service: TlsFiles;
let operator: TlsFiles;
let stranger: TlsFiles;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kopru-kit-tls-"));
  const ca = await createCertificateAuthority(join(dir, "network"));
  const otherCa = await createCertificateAuthority(join(dir, "other"));
  const loopback = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] };
  const files = (c: { caPath: string; certPath: string; keyPath: string }) => ({
    caFile: c.caPath,
    certFile: c.certPath,
    keyFile: c.keyPath,
  });
  service = files(await issueCertificate(ca, { name: "coordination", usage: "server+client", ...loopback }));
  operator = files(await issueCertificate(ca, { name: "operator", usage: "client" }));
  // Signed by another CA, but trusting ours: only its own certificate is foreign.
  stranger = {
    ...files(await issueCertificate(otherCa, { name: "stranger", usage: "client" })),
    caFile: ca.certPath,
  };
  issuer = await startTestIssuer();
  server = await startGrpcServer(
    [
      {
        name: "kopru.coordination.v1.CoordinationService",
        definition: CoordinationServiceService,
        implementation: { listOrganisations: unary(async () => ({ organisations: [] })) },
      },
    ],
    {
      host: "127.0.0.1",
      port: 0,
      healthPort: 0,
      credentials: serverCredentials(service),
      verifier: new TokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE }),
    },
  );
});

afterAll(async () => {
  await server?.shutdown(100);
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function list(credentials: ReturnType<typeof channelCredentials>, address = server.address) {
  const client = new CoordinationServiceClient(address, credentials);
  try {
    const token = await issuer.mint(
      { organisationId: "coordination", actorId: "c-1", role: "coordinator" },
      AUDIENCE,
    );
    return await callUnary(
      client,
      client.listOrganisations,
      listing,
      authorizationMetadata(token),
      5_000,
    ).then(
      () => "OK",
      (error: ServiceError) => status[error.code],
    );
  } finally {
    client.close();
  }
}

describe("mutual TLS on a service's listener", () => {
  it("answers an operator's certificate from the network's CA", async () => {
    expect(await list(channelCredentials(operator))).toBe("OK");
    expect(await checkHealth(server.address, "", 5_000, channelCredentials(operator))).toBe("SERVING");
  });

  it("refuses plaintext, a client certificate from another CA, and no client certificate", async () => {
    expect(await list(channelCredentials("plaintext"))).toBe("UNAVAILABLE");
    expect(await list(channelCredentials(stranger))).toBe("UNAVAILABLE");
    const { credentials } = await import("@grpc/grpc-js");
    const { readFileSync } = await import("node:fs");
    expect(await list(credentials.createSsl(readFileSync(operator.caFile)))).toBe("UNAVAILABLE");
    expect(await checkHealth(server.address, "", 5_000, channelCredentials(stranger))).toBe("UNREACHABLE");
  });
});

describe("the health-only port (kubelet gRPC probes speak plaintext)", () => {
  it("answers the health check without a certificate and serves nothing else", async () => {
    const healthAddress = server.healthAddress as string;
    expect(healthAddress).not.toBe(server.address);
    expect(await checkHealth(healthAddress, "", 5_000)).toBe("SERVING");
    expect(await checkHealth(healthAddress, "kopru.coordination.v1.CoordinationService", 5_000)).toBe(
      "SERVING",
    );
    expect(await list(channelCredentials("plaintext"), healthAddress)).toBe("UNIMPLEMENTED");
    expect(await list(channelCredentials("plaintext"))).toBe("UNAVAILABLE");
  });
});
