import { checkEnvExampleFile, loadConfig } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { gatewayEnv } from "../src/config.js";

describe(".env.example", () => {
  it("documents exactly the variables the gateway reads, with values its schema accepts", () => {
    expect(
      checkEnvExampleFile(gatewayEnv, new URL("../.env.example", import.meta.url), {
        allowExtra: ["KOPRU_CLOCK_OFFSET_FILE"],
      }),
    ).toEqual([]);
  });
});

describe("the webhook retry window", () => {
  it("is refused below the day of retries partners are promised", () => {
    const base = { AUTH_ISSUER: "https://issuer.kopru.example", GRPC_PLAINTEXT: "development" };
    expect(() => loadConfig(gatewayEnv, { ...base, WEBHOOK_RETRY_WINDOW: "23h" })).toThrow(
      /WEBHOOK_RETRY_WINDOW/,
    );
    expect(loadConfig(gatewayEnv, { ...base, WEBHOOK_RETRY_WINDOW: "24h" }).WEBHOOK_RETRY_WINDOW).toBe(
      86_400_000,
    );
  });
});
