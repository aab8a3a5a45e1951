import { consoleApiDocument } from "./adapters/http/console/methods.js";
import { ProtoSchemas } from "./adapters/http/proto-schema.js";

// `node --import tsx --conditions=kopru-source services/gateway/src/console-api.ts`: the console's RPCs
// as an OpenAPI document on stdout, for `pnpm contracts:generate` to turn into TypeScript types.
process.stdout.write(
  `${JSON.stringify(consoleApiDocument(new ProtoSchemas(undefined, { longs: "string" })), null, 2)}\n`,
);
