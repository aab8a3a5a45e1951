import { credentials } from "@grpc/grpc-js";
import { loadConfig } from "@kopru/config";
import { createLogger } from "@kopru/observability";
import { systemClock, TokenVerifier } from "@kopru/service-kit";
import type { Database } from "@kopru/storage";
import { ServiceClients } from "./adapters/grpc/service-clients.js";
import { ProtoSchemas } from "./adapters/http/proto-schema.js";
import { buildHttpServer } from "./adapters/http/server.js";
import { ROUTES } from "./app.js";
import { gatewayEnv } from "./config.js";

/**
 * The partner API's OpenAPI 3.1 document, as the running gateway serves it at /openapi.json: built
 * from the same routes and schemas, without a database, a broker or a listening socket (nothing is
 * called while a document is built). `pnpm contracts:generate` writes it beside the contracts.
 */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  const config = loadConfig(gatewayEnv, {
    AUTH_ISSUER: "https://identity.kopru.example",
    PUBLIC_URL: "https://api.kopru.example",
    GRPC_PLAINTEXT: "development",
  });
  const unused = new Proxy({} as Database, {
    get() {
      throw new Error("the OpenAPI document is built without a database");
    },
  });
  const clients = new ServiceClients(config, credentials.createInsecure(), async () => "");
  const app = await buildHttpServer({
    config,
    db: unused,
    clock: systemClock,
    logger: createLogger({ service: "gateway", level: "silent" }),
    clients,
    schemas: new ProtoSchemas(),
    verifier: new TokenVerifier({ issuer: config.AUTH_ISSUER, audience: "urn:kopru:gateway" }),
    routes: ROUTES,
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
    clients.close();
  }
}

// `node --import tsx --conditions=kopru-source services/gateway/src/openapi.ts`: the document on stdout.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/services\/gateway\//, ""))) {
  process.stdout.write(`${JSON.stringify(await buildOpenApiDocument(), null, 2)}\n`);
}
