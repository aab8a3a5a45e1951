// Test support for the matching service's integration tests: the real service (startService) on a
// fresh PostgreSQL database (or its embedded PGlite), the shared NATS, and a test issuer minting the
// tokens each caller plays with.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceError } from "@grpc/grpc-js";
import { provisionStreams } from "@kopru/bus";
import { MatchingServiceClient } from "@kopru/contracts/matching/v1/matching_service";
import { NETWORK_LAYOUT } from "@kopru/events";
import {
  authorizationMetadata,
  type ClientCaller,
  callUnary,
  channelCredentials,
  type RunningService,
  serviceAudience,
  startService,
  type UnaryMethod,
} from "@kopru/service-kit";
import {
  connectNats,
  createTestDatabase,
  type NatsTestConnection,
  startTestIssuer,
  type TestDatabase,
  type TestIssuer,
} from "@kopru/testing";
import { matchingService } from "../src/app.js";
import type { MatchingConfig } from "../src/config.js";

export type Engine = "postgres" | "pglite";
export const AUDIENCE = serviceAudience("matching");

export interface Harness {
  service: RunningService<MatchingConfig>;
  client: MatchingServiceClient;
  database: TestDatabase | undefined;
  issuer: TestIssuer;
  /** Calls as `caller` (a partner system of its organisation, or staff with an actor id). */
  call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, caller: ClientCaller): Promise<Res>;
  /** Calls with a service identity's own token (no organisation in it). */
  callAsService<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, service: string): Promise<Res>;
  /** Every row of every table of the service's database, as JSON text. */
  dump(): Promise<string>;
  stop(): Promise<void>;
}

export async function startMatching(engine: Engine = "postgres"): Promise<Harness> {
  const issuer = await startTestIssuer();
  const nats: NatsTestConnection = await connectNats();
  await provisionStreams(nats.jsm, NETWORK_LAYOUT);
  const database = engine === "postgres" ? await createTestDatabase({ prefix: "matching" }) : undefined;
  const dataDir = await mkdtemp(join(tmpdir(), "kopru-matching-"));
  const service = await startService(matchingService, {
    NATS_URL: nats.url,
    ...(database ? { DATABASE_URL: database.url } : {}),
    DATA_DIR: dataDir,
    GRPC_PORT: "0",
    LOG_LEVEL: "silent",
    ...issuer.serviceEnv(),
  });
  const client = new MatchingServiceClient(service.grpc.address, channelCredentials("plaintext"));
  return {
    service,
    client,
    database,
    issuer,
    async call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, caller: ClientCaller) {
      return callUnary(client, method, request, authorizationMetadata(await issuer.mint(caller, AUDIENCE)));
    },
    async callAsService<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, name: string) {
      return callUnary(
        client,
        method,
        request,
        authorizationMetadata(await issuer.mintService(name, AUDIENCE)),
      );
    },
    async dump() {
      const db = service.context.db;
      const tables = await db.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
      );
      const parts: string[] = [];
      for (const { table_name } of tables.rows) {
        const rows = await db.query<{ row: string }>(
          `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
        );
        parts.push(`${table_name}: ${rows.rows.map((r) => r.row).join("\n")}`);
      }
      return parts.join("\n");
    },
    async stop() {
      client.close();
      await service.stop();
      await nats.close();
      await database?.drop();
      await issuer.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The gRPC status code of a failed call. */
export async function failureOf(call: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as ServiceError;
    return { code: e.code, details: e.details };
  }
  throw new Error("the call succeeded");
}
