import { checkEnvExampleFile, loadConfig } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { intakeEnv } from "../src/config.js";

// Every service needs an issuer to verify its callers; the rest is what these tests are about.
const AUTH = { AUTH_ISSUER: "https://127.0.0.1:7443" };

describe("intake configuration", () => {
  it("documents every variable in .env.example, with values the schema accepts", () => {
    expect(
      checkEnvExampleFile(intakeEnv, new URL("../.env.example", import.meta.url), {
        allowExtra: ["KOPRU_CLOCK_OFFSET_FILE"],
      }),
    ).toEqual([]);
  });

  it("serves the three demo NGOs by default and refuses an organisation id that is not a slug", () => {
    expect(loadConfig(intakeEnv, AUTH).INTAKE_ORGANISATIONS).toEqual([
      "ngo-hayat",
      "ngo-umut",
      "ngo-kopru-relief",
    ]);
    expect(
      loadConfig(intakeEnv, { ...AUTH, INTAKE_ORGANISATIONS: "ngo-a, ngo-b" }).INTAKE_ORGANISATIONS,
    ).toEqual(["ngo-a", "ngo-b"]);
    expect(() => loadConfig(intakeEnv, { ...AUTH, INTAKE_ORGANISATIONS: "ngo.a" })).toThrow(
      /INTAKE_ORGANISATIONS/,
    );
    expect(() => loadConfig(intakeEnv, { ...AUTH, INTAKE_DURABLE_PREFIX: "intake.x" })).toThrow(
      /INTAKE_DURABLE_PREFIX/,
    );
  });
});
