import type { DescMessage, DescMethod } from "@bufbuild/protobuf";
import type { JsonSchema, ProtoSchemas } from "../proto-schema.js";
import {
  CONSOLE_SERVICE_KEYS,
  CONSOLE_SERVICES,
  type ConsoleServiceKey,
  protoServiceName,
} from "./allow-list.js";

/** One RPC the console may call: where it goes and the messages it takes and gives. */
export interface ConsoleMethod {
  service: ConsoleServiceKey;
  /** The proto method name, as the console's URL spells it (`ListInbox`). */
  name: string;
  /** The gRPC path (`/kopru.referral.v1.ReferralInboxService/ListInbox`). */
  path: string;
  input: DescMessage;
  output: DescMessage;
  /** Reads (Get…, List…, Search…, Suggest…, Export…) change nothing; anything else takes an Idempotency-Key. */
  mutating: boolean;
}

const READ = /^(Get|List|Search|Suggest|Export)[A-Z]/;

/** Every allow-listed method, by `<service>/<Method>`, read from the contracts' descriptors. */
export function consoleMethods(schemas: ProtoSchemas): Map<string, ConsoleMethod> {
  const methods = new Map<string, ConsoleMethod>();
  for (const service of CONSOLE_SERVICE_KEYS) {
    const typeName = protoServiceName(CONSOLE_SERVICES[service].definition);
    const desc = schemas.registry.getService(typeName);
    if (!desc) throw new Error(`no service ${typeName} in the contracts`);
    for (const method of desc.methods) {
      if (method.methodKind !== "unary") continue;
      methods.set(`${service}/${method.name}`, describe(service, typeName, method));
    }
  }
  return methods;
}

function describe(service: ConsoleServiceKey, typeName: string, method: DescMethod): ConsoleMethod {
  return {
    service,
    name: method.name,
    path: `/${typeName}/${method.name}`,
    input: method.input,
    output: method.output,
    mutating: !READ.test(method.name),
  };
}

/** `X#` references (Fastify's shared schemas) as OpenAPI component references. */
function componentRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(componentRefs);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$id") continue;
    out[key] =
      key === "$ref" && typeof value === "string"
        ? `#/components/schemas/${value.replace(/#$/, "")}`
        : componentRefs(value);
  }
  return out;
}

/**
 * The console's RPCs as an OpenAPI 3.1 document: one POST per allow-listed method, its body and
 * answer the methods' messages as proto3 JSON. Not served: `pnpm contracts:generate` turns it into
 * the console's TypeScript types (`@kopru/contracts/openapi/console-api`).
 */
export function consoleApiDocument(schemas: ProtoSchemas): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const method of consoleMethods(schemas).values()) {
    const request = componentRefs(schemas.refTo(method.input.typeName)) as JsonSchema;
    const response = componentRefs(schemas.refTo(method.output.typeName)) as JsonSchema;
    paths[`/console/api/rpc/${method.service}/${method.name}`] = {
      post: {
        operationId: `${method.service}.${method.name}`,
        requestBody: { required: true, content: { "application/json": { schema: request } } },
        responses: {
          "200": {
            description: method.output.typeName,
            content: { "application/json": { schema: response } },
          },
          default: {
            description: "RFC 9457 problem details",
            content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
          },
        },
      },
    };
  }
  const components: Record<string, unknown> = {};
  for (const schema of schemas.shared()) components[String(schema.$id)] = componentRefs(schema);
  components.Problem = componentRefs(PROBLEM);
  return {
    openapi: "3.1.0",
    info: {
      title: "Köprü staff console RPCs",
      version: "1.0.0",
      description:
        "The allow-listed RPCs the staff console calls through the gateway (POST, cookie session).",
    },
    paths,
    components: { schemas: components },
  };
}

const PROBLEM = {
  type: "object",
  required: ["type", "title", "status", "detail", "code"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    code: { type: "string" },
    invalid_params: {
      type: "array",
      items: {
        type: "object",
        required: ["name", "reason"],
        properties: { name: { type: "string" }, reason: { type: "string" } },
      },
    },
  },
};
