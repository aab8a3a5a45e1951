import { ConfigError, checkEnvExampleFile, loadConfig } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { communityCentreEnv } from "../src/config.js";
import { DEFAULT_HOSTED_CENTRES } from "../src/domain/index.js";

// Every service needs an issuer to verify its callers; the rest is what these tests are about.
const AUTH = { AUTH_ISSUER: "https://127.0.0.1:7443" };

describe("community-centre configuration", () => {
  it("documents every variable in .env.example, with values the schema accepts", () => {
    expect(checkEnvExampleFile(communityCentreEnv, new URL("../.env.example", import.meta.url))).toEqual([]);
  });

  it("hosts the two community centres by default, on port 50054", () => {
    const config = loadConfig(communityCentreEnv, AUTH);
    expect(config.GRPC_PORT).toBe(50054);
    expect(config.HOSTED_ORGANISATIONS).toEqual([...DEFAULT_HOSTED_CENTRES]);
    expect(config.HOSTED_ORGANISATIONS).toHaveLength(2);
  });

  it("reads HOSTED_ORGANISATIONS as a list of organisation ids and refuses anything else", () => {
    expect(
      loadConfig(communityCentreEnv, {
        ...AUTH,
        HOSTED_ORGANISATIONS: "cc-sanliurfa-haliliye, cc-gaziantep-sahinbey",
      }).HOSTED_ORGANISATIONS,
    ).toEqual(["cc-sanliurfa-haliliye", "cc-gaziantep-sahinbey"]);
    expect(() =>
      loadConfig(communityCentreEnv, { ...AUTH, HOSTED_ORGANISATIONS: "cc-sanliurfa-haliliye,CC Sahinbey" }),
    ).toThrow(ConfigError);
    expect(() => loadConfig(communityCentreEnv, { ...AUTH, HOSTED_ORGANISATIONS: " , " })).toThrow(
      /HOSTED_ORGANISATIONS/,
    );
  });
});
