import { checkEnvExampleFile, loadConfig } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { ecmEnv } from "../src/config.js";

// Every service needs an issuer to verify its callers; the rest is what these tests are about.
const AUTH = { AUTH_ISSUER: "https://127.0.0.1:7443" };

describe("ecm configuration", () => {
  it("documents every variable in .env.example with values the schema accepts", () => {
    expect(checkEnvExampleFile(ecmEnv, new URL("../.env.example", import.meta.url))).toEqual([]);
  });

  it("hosts ecm-unit and has assistance approved by an ecm-approver by default", () => {
    const config = loadConfig(ecmEnv, AUTH);
    expect(config.GRPC_PORT).toBe(50053);
    expect(config.HOSTED_ORGANISATIONS).toEqual(["ecm-unit"]);
    expect(config.ECM_APPROVER_ROLES).toEqual(["ecm-approver"]);
    expect(config).not.toHaveProperty("ECM_APPROVAL_THRESHOLD_MINOR");
  });

  it("takes the approver roles as a non-empty list", () => {
    expect(
      loadConfig(ecmEnv, { ...AUTH, ECM_APPROVER_ROLES: "ecm-approver,finance-approver" }).ECM_APPROVER_ROLES,
    ).toEqual(["ecm-approver", "finance-approver"]);
    expect(() => loadConfig(ecmEnv, { ...AUTH, ECM_APPROVER_ROLES: " , " })).toThrow(/ECM_APPROVER_ROLES/);
  });

  it("refuses organisation ids that cannot be subject tokens, and an empty list", () => {
    expect(() => loadConfig(ecmEnv, { ...AUTH, HOSTED_ORGANISATIONS: "ECM Unit" })).toThrow(
      /HOSTED_ORGANISATIONS/,
    );
    expect(() => loadConfig(ecmEnv, { ...AUTH, HOSTED_ORGANISATIONS: " , " })).toThrow(
      /HOSTED_ORGANISATIONS/,
    );
  });
});
