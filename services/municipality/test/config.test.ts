import { ConfigError, checkEnvExampleFile, loadConfig } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { municipalityEnv } from "../src/config.js";
import { DEFAULT_HOSTED_MMCCS } from "../src/domain/index.js";

// Every service needs an issuer to verify its callers; the rest is what these tests are about.
const AUTH = { AUTH_ISSUER: "https://127.0.0.1:7443" };

describe("municipality configuration", () => {
  it("documents every variable in .env.example, with values the schema accepts", () => {
    expect(checkEnvExampleFile(municipalityEnv, new URL("../.env.example", import.meta.url))).toEqual([]);
  });

  it("hosts the six MMCCs by default, on port 50055", () => {
    const config = loadConfig(municipalityEnv, AUTH);
    expect(config.GRPC_PORT).toBe(50055);
    expect(config.HOSTED_ORGANISATIONS).toEqual([...DEFAULT_HOSTED_MMCCS]);
    expect(config.HOSTED_ORGANISATIONS).toHaveLength(6);
  });

  it("reads HOSTED_ORGANISATIONS as a list of organisation ids and refuses anything else", () => {
    expect(
      loadConfig(municipalityEnv, { ...AUTH, HOSTED_ORGANISATIONS: "mmcc-kilis, mmcc-adana" })
        .HOSTED_ORGANISATIONS,
    ).toEqual(["mmcc-kilis", "mmcc-adana"]);
    expect(() =>
      loadConfig(municipalityEnv, { ...AUTH, HOSTED_ORGANISATIONS: "mmcc-kilis,MMCC Adana" }),
    ).toThrow(ConfigError);
    expect(() => loadConfig(municipalityEnv, { ...AUTH, HOSTED_ORGANISATIONS: " , " })).toThrow(
      /HOSTED_ORGANISATIONS/,
    );
  });
});
