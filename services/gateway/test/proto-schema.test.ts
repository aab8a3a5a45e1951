import { loadConfig } from "@kopru/config";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import type { RouteOptions } from "fastify";
import { describe, expect, it } from "vitest";
import { PROBLEM_SCHEMA } from "../src/adapters/http/problems.js";
import { type JsonSchema, ProtoSchemas } from "../src/adapters/http/proto-schema.js";
import type { HttpContext } from "../src/adapters/http/server.js";
import { ROUTES } from "../src/app.js";
import { gatewayEnv } from "../src/config.js";

// Every route's request and response schemas come from the contracts: each reference must resolve
// to a schema the server shares, and an enum never offers its `*_UNSPECIFIED` zero (which means
// "not given" and is left out instead).

function routesWith(schemas: ProtoSchemas): RouteOptions[] {
  // Route modules only declare schemas when called; their handlers (which use the rest) do not run.
  const config = loadConfig(gatewayEnv, {
    AUTH_ISSUER: "https://identity.kopru.example",
    GRPC_PLAINTEXT: "development",
  });
  const context = { schemas, config } as unknown as HttpContext;
  return ROUTES.flatMap((module) => module(context));
}

function refsIn(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) refsIn(item, found);
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") found.add(value.replace(/#$/, ""));
      else refsIn(value, found);
    }
  }
  return found;
}

describe("the routes' schemas", () => {
  const schemas = new ProtoSchemas();
  const routes = routesWith(schemas);
  const shared = new Map(schemas.shared().map((schema) => [schema.$id as string, schema]));
  shared.set(PROBLEM_SCHEMA.$id, PROBLEM_SCHEMA as unknown as JsonSchema);

  it("refer only to schemas the server shares, for every route", () => {
    expect(routes.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const route of routes) {
      for (const ref of refsIn(route.schema)) if (!shared.has(ref)) missing.push(`${route.url}: ${ref}`);
    }
    for (const schema of shared.values())
      for (const ref of refsIn(schema)) if (!shared.has(ref)) missing.push(`${String(schema.$id)}: ${ref}`);
    expect(missing).toEqual([]);
  });

  it("give every route one success response, and every JSON body an object that refuses unknown fields", () => {
    for (const route of routes) {
      const schema = route.schema as { body?: JsonSchema; response?: Record<string, unknown> };
      if (schema.body && !schema.body.content) {
        expect(schema.body, route.url).toMatchObject({ type: "object", additionalProperties: false });
      }
      const success = Object.keys(schema.response ?? {}).filter((code) => code.startsWith("2"));
      expect(success, route.url).toHaveLength(1);
    }
  });

  it("never offer an UNSPECIFIED enum value", () => {
    const enums = [...shared.values()].filter((schema) => Array.isArray(schema.enum));
    expect(enums.length).toBeGreaterThan(0);
    for (const schema of enums) {
      expect(
        (schema.enum as string[]).filter((value) => value.endsWith("_UNSPECIFIED")),
        String(schema.$id),
      ).toEqual([]);
    }
  });

  it("compile, and refuse what the proto JSON would not hold", () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    for (const schema of shared.values()) ajv.addSchema(schema);
    const body = schemas.body("kopru.intake.v1.CreateReferralRequest", { omit: ["request_id"] });
    const validate = ajv.compile(body);
    expect(validate({ serviceType: "SERVICE_TYPE_MMCC_COUNSELLING", dataCategories: [] })).toBe(true);
    expect(validate({ serviceType: "SERVICE_TYPE_UNSPECIFIED" })).toBe(false);
    expect(validate({ requestId: "x" })).toBe(false);
    expect(validate({ beneficiaryId: 7 })).toBe(false);
  });

  it("writes 64-bit integers as JSON numbers within a double's exact range, timestamps as date-time", () => {
    const referral = shared.get("kopru.referral.v1.Referral") as { properties: Record<string, JsonSchema> };
    expect(referral.properties.sequence).toMatchObject({ type: "integer", maximum: Number.MAX_SAFE_INTEGER });
    expect(referral.properties.requestedAt).toEqual({ type: "string", format: "date-time" });
  });

  it("refuses to omit a field the message does not have", () => {
    expect(() => schemas.body("kopru.intake.v1.CreateReferralRequest", { omit: ["no_such_field"] })).toThrow(
      /no field no_such_field/,
    );
    expect(() => schemas.refTo("kopru.nothing.v1.Nothing")).toThrow(/no message/);
  });
});
