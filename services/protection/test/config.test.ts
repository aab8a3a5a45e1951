import { checkEnvExampleFile, loadConfig } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { protectionEnv } from "../src/config.js";

// Every service needs an issuer to verify its callers; the rest is what these tests are about.
const AUTH = { AUTH_ISSUER: "https://127.0.0.1:7443" };

describe("protection configuration", () => {
  it("documents every variable in .env.example with values the schema accepts", () => {
    expect(checkEnvExampleFile(protectionEnv, new URL("../.env.example", import.meta.url))).toEqual([]);
  });

  it("hosts protection-partner and lets protection-restricted staff see restricted cases by default", () => {
    const config = loadConfig(protectionEnv, AUTH);
    expect(config.GRPC_PORT).toBe(50052);
    expect(config.HOSTED_ORGANISATIONS).toEqual(["protection-partner"]);
    expect(config.RESTRICTED_CASE_ROLES).toEqual(["protection-restricted"]);
  });

  it("refuses organisation ids that cannot be subject tokens, and an empty list", () => {
    expect(() => loadConfig(protectionEnv, { ...AUTH, HOSTED_ORGANISATIONS: "Protection Partner" })).toThrow(
      /HOSTED_ORGANISATIONS/,
    );
    expect(() => loadConfig(protectionEnv, { ...AUTH, HOSTED_ORGANISATIONS: " , " })).toThrow(
      /HOSTED_ORGANISATIONS/,
    );
  });
});
