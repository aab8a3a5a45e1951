// What verifying every call costs: unary gRPC calls per second and latency, in one run, for
//   (a) a bare grpc-js server and client, plaintext, no token — the raw bound;
//   (b) the kit's server (startGrpcServer) verifying an ES256 access token on every call, plaintext;
//   (c) the same over mutual TLS from a local CA — what every Köprü call now does.
// The token is minted once by a test issuer (real key pair, JWKS over HTTP): the server verifies its
// signature and claims on each call, as it does for every caller.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type ChannelCredentials, credentials, Metadata, Server, ServerCredentials } from "@grpc/grpc-js";
import {
  CoordinationServiceClient,
  CoordinationServiceService,
  type ListOrganisationsRequest,
} from "@kopru/contracts/coordination/v1/coordination_service";
import { createCertificateAuthority, issueCertificate } from "@kopru/pki";
import { startTestIssuer } from "@kopru/testing";
import {
  authorizationMetadata,
  callUnary,
  channelCredentials,
  serverCredentials,
  startGrpcServer,
  TokenVerifier,
  unary,
} from "../src/index.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const AUDIENCE = "urn:kopru:coordination";
const request: ListOrganisationsRequest = { partnerKinds: [], provinceCodes: [], includeInactive: false };

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
}

async function drive(
  name: string,
  address: string,
  channel: ChannelCredentials,
  metadata: Metadata,
): Promise<Result> {
  const client = new CoordinationServiceClient(address, channel);
  // Warm up: connection, TLS handshake, the verifier's JWKS fetch.
  for (let i = 0; i < 200; i++) await callUnary(client, client.listOrganisations, request, metadata);
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      await callUnary(client, client.listOrganisations, request, metadata);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  client.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { name, rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
}

const dir = mkdtempSync(join(tmpdir(), "kopru-bench-auth-"));
const issuer = await startTestIssuer();
const results: Result[] = [];
try {
  const token = await issuer.mint(
    { organisationId: "coordination", actorId: "bench", role: "coordinator" },
    AUDIENCE,
  );

  // (a) the raw bound
  const raw = new Server();
  raw.addService(CoordinationServiceService, {
    listOrganisations: (_call: unknown, callback: (e: null, r: { organisations: [] }) => void) =>
      callback(null, { organisations: [] }),
  } as never);
  const rawPort = await new Promise<number>((resolve, reject) =>
    raw.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  results.push(
    await drive(
      "(a) bare grpc-js, plaintext, no token",
      `127.0.0.1:${rawPort}`,
      credentials.createInsecure(),
      new Metadata(),
    ),
  );
  raw.forceShutdown();

  const binding = {
    name: "kopru.coordination.v1.CoordinationService",
    definition: CoordinationServiceService,
    implementation: { listOrganisations: unary(async () => ({ organisations: [] })) },
  };
  const verifier = () => new TokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE });

  // (b) the kit, token verified, plaintext
  const plain = await startGrpcServer([binding], {
    host: "127.0.0.1",
    port: 0,
    credentials: serverCredentials("plaintext"),
    verifier: verifier(),
  });
  results.push(
    await drive(
      "(b) kit, token verified, plaintext",
      plain.address,
      channelCredentials("plaintext"),
      authorizationMetadata(token),
    ),
  );
  await plain.shutdown(100);

  // (c) the kit, token verified, mutual TLS
  const ca = await createCertificateAuthority(join(dir, "ca"));
  const loopback = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] };
  const server = await issueCertificate(ca, { name: "coordination", usage: "server+client", ...loopback });
  const operator = await issueCertificate(ca, { name: "operator", usage: "client" });
  const tls = await startGrpcServer([binding], {
    host: "127.0.0.1",
    port: 0,
    credentials: serverCredentials({
      caFile: server.caPath,
      certFile: server.certPath,
      keyFile: server.keyPath,
    }),
    verifier: verifier(),
  });
  results.push(
    await drive(
      "(c) kit, token verified, mutual TLS",
      tls.address,
      channelCredentials({ caFile: operator.caPath, certFile: operator.certPath, keyFile: operator.keyPath }),
      authorizationMetadata(token),
    ),
  );
  await tls.shutdown(100);
} finally {
  await issuer.close();
  rmSync(dir, { recursive: true, force: true });
}

const bound = results[0]?.rps ?? 1;
console.log(`${CONCURRENCY} calls in flight, ${SECONDS} s each`);
for (const r of results) {
  console.log(
    `${r.name.padEnd(42)} ${r.rps.toFixed(0).padStart(7)} calls/s  ratio ${(r.rps / bound).toFixed(2)}  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`,
  );
}
