import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  type Client,
  type ClientDuplexStream,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { IntakeServiceService } from "@kopru/contracts/intake/v1/intake_service";
import { startTestIssuer, type TestIssuer } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenVerifier } from "./auth.js";
import { type HostedGrpcServer, startGrpcServer } from "./grpc.js";
import { serverCredentials } from "./tls.js";

// Server reflection as `grpcurl` meets it, over the v1 and v1alpha services, with no proto files.

const require = createRequire(import.meta.url);
let server: HostedGrpcServer;
let issuer: TestIssuer;

beforeAll(async () => {
  issuer = await startTestIssuer();
  server = await startGrpcServer(
    [{ name: "kopru.intake.v1.IntakeService", definition: IntakeServiceService, implementation: {} }],
    {
      host: "127.0.0.1",
      port: 0,
      credentials: serverCredentials("plaintext"),
      verifier: new TokenVerifier({ issuer: issuer.issuer, audience: "urn:kopru:intake" }),
    },
  );
}, 60_000);

afterAll(async () => {
  await server?.shutdown(1_000);
  await issuer?.close();
});

type Reply = {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
};

/** One reflection request on a stream of its own, as a client of the given version. */
function ask(version: "v1" | "v1alpha", request: Record<string, string>): Promise<Reply> {
  const root = join(dirname(require.resolve("@grpc/reflection")), "..", "proto");
  const definition = loadSync(join(root, `grpc/reflection/${version}/reflection.proto`), {
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const reflection = ((loadPackageDefinition(definition).grpc as GrpcObject).reflection as GrpcObject)[
    version
  ] as GrpcObject;
  const Service = reflection.ServerReflection as unknown as new (
    address: string,
    creds: ReturnType<typeof credentials.createInsecure>,
  ) => Client & { serverReflectionInfo(): ClientDuplexStream<object, Reply> };
  const client = new Service(server.address, credentials.createInsecure());
  return new Promise<Reply>((resolve, reject) => {
    const stream = client.serverReflectionInfo();
    stream.on("data", (reply: Reply) => {
      resolve(reply);
      stream.end();
    });
    stream.on("error", reject);
    stream.on("end", () => client.close());
    stream.write({ host: "", ...request });
  });
}

describe("server reflection", () => {
  it.each(["v1", "v1alpha"] as const)(
    "%s lists the services and hands out the file that declares a symbol",
    async (version) => {
      const listed = await ask(version, { listServices: "*" });
      const names = listed.listServicesResponse?.service.map((s) => s.name) ?? [];
      expect(names).toContain("kopru.intake.v1.IntakeService");
      const file = await ask(version, { fileContainingSymbol: "kopru.intake.v1.IntakeService" });
      expect(file.errorResponse).toBeUndefined();
      const descriptors = file.fileDescriptorResponse?.fileDescriptorProto ?? [];
      expect(descriptors.length).toBeGreaterThan(0);
      // The first file declares the symbol (proto-loader merges a package's files into one, named
      // after the first), the rest are what it imports.
      const declaring = Buffer.from(descriptors[0] as Uint8Array).toString("latin1");
      expect(declaring).toContain("kopru.intake.v1");
      expect(declaring).toContain("IntakeService");
      expect(declaring).toContain("CreateReferral");
    },
    30_000,
  );
});
