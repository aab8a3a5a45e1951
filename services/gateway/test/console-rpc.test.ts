import { fileURLToPath } from "node:url";
import { loadConfig } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { CONSOLE_SERVICE_KEYS } from "../src/adapters/http/console/allow-list.js";
import { consoleCsp, consoleDistDir } from "../src/adapters/http/console/console.js";
import { consoleApiDocument, consoleMethods } from "../src/adapters/http/console/methods.js";
import { ProtoSchemas } from "../src/adapters/http/proto-schema.js";
import { gatewayEnv } from "../src/config.js";

const schemas = new ProtoSchemas(undefined, { longs: "string" });
const config = (extra: Record<string, string> = {}) =>
  loadConfig(gatewayEnv, {
    AUTH_ISSUER: "https://identity.kopru.example",
    GRPC_PLAINTEXT: "development",
    ...extra,
  });

describe("the console's allow-list", () => {
  const methods = consoleMethods(schemas);

  it("holds every unary method of each listed service, by its proto name", () => {
    const services = new Set([...methods.values()].map((method) => method.service));
    expect([...services].sort()).toEqual([...CONSOLE_SERVICE_KEYS].sort());
    expect(methods.get("inbox/ListInbox")?.path).toBe("/kopru.referral.v1.ReferralInboxService/ListInbox");
    expect(methods.get("intake/CreateReferral")?.input.typeName).toBe(
      "kopru.intake.v1.CreateReferralRequest",
    );
    expect(methods.has("inbox/listInbox")).toBe(false);
  });

  it("takes an Idempotency-Key only where a method changes something", () => {
    expect(methods.get("inbox/AcceptReferral")?.mutating).toBe(true);
    expect(methods.get("notifications/MarkNotificationsRead")?.mutating).toBe(true);
    for (const read of [
      "inbox/ListInbox",
      "inbox/GetReferral",
      "coordination/SearchServices",
      "intake/SuggestTargets",
    ]) {
      expect(methods.get(read)?.mutating, read).toBe(false);
    }
  });

  it("describes each method's messages with 64-bit integers as proto3 JSON strings", () => {
    const document = consoleApiDocument(new ProtoSchemas(undefined, { longs: "string" })) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(document.paths)).toHaveLength(methods.size);
    const durations = document.components.schemas["kopru.coordination.v1.DurationStats"];
    expect(durations?.properties?.p50Seconds).toEqual({ type: "string", pattern: "^-?[0-9]{1,20}$" });
    expect(JSON.stringify(document)).not.toContain('"$id"');
  });
});

describe("the console's pages", () => {
  it("are served from console/dist beside the gateway's sources unless CONSOLE_DIST_DIR says otherwise", () => {
    expect(consoleDistDir(config())).toBe(fileURLToPath(new URL("../console/dist", import.meta.url)));
    expect(consoleDistDir(config({ CONSOLE_DIST_DIR: "/srv/console" }))).toBe("/srv/console");
  });

  it("carry a CSP with nothing inline and the identity service as the only other form target", () => {
    const csp = consoleCsp("https://identity.kopru.example/");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("form-action 'self' https://identity.kopru.example;".slice(0, -1));
    expect(csp).toContain("object-src 'none'");
  });
});
