import { ConfigError, checkEnvExampleFile } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { identityEnv, loadIdentityConfig } from "../src/config.js";

describe("identity configuration", () => {
  it("documents every variable in .env.example, with values the schema accepts", () => {
    expect(checkEnvExampleFile(identityEnv, new URL("../.env.example", import.meta.url))).toEqual([]);
  });

  it("defaults to port 7443 and an http issuer on the listen address, with a generated cookie key", () => {
    const config = loadIdentityConfig({});
    expect(config.HTTP_PORT).toBe(7443);
    expect(config.issuer).toBe("http://127.0.0.1:7443");
    expect(config.accessTokenTtlSeconds).toBe(300);
    expect(config.cookieKeys).toHaveLength(1);
    expect(
      loadIdentityConfig({ HTTP_TLS_CERT_FILE: "a.crt", HTTP_TLS_KEY_FILE: "a.key", HTTP_PORT: "9443" })
        .issuer,
    ).toBe("https://127.0.0.1:9443");
    expect(loadIdentityConfig({ ISSUER: "https://id.example.org/" }).issuer).toBe("https://id.example.org");
  });

  it("names every bad variable", () => {
    const error = (() => {
      try {
        loadIdentityConfig({ HTTP_PORT: "seventy", ACCESS_TOKEN_TTL: "1h", ISSUER: "ftp://x" });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => issue.variable).sort()).toEqual([
      "ACCESS_TOKEN_TTL",
      "HTTP_PORT",
      "ISSUER",
    ]);
    expect(String((error as ConfigError).message)).toContain('got "seventy"');
  });

  it("refuses production without cookie keys, TLS with half a pair, and short cookie keys, hiding the secret", () => {
    expect(() => loadIdentityConfig({ NODE_ENV: "production" })).toThrow(
      /COOKIE_KEYS: required in production/,
    );
    expect(() => loadIdentityConfig({ HTTP_TLS_CERT_FILE: "a.crt" })).toThrow(/HTTP_TLS_KEY_FILE/);
    let message = "";
    try {
      loadIdentityConfig({ COOKIE_KEYS: "short-secret-value" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("COOKIE_KEYS");
    expect(message).not.toContain("short-secret-value");
  });
});
