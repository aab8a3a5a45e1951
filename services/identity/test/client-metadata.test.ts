import { describe, expect, it } from "vitest";
import { clientMetadata, type OAuthClient } from "../src/adapters/persistence/clients.js";

const firstParty = (redirectUris: string[]): OAuthClient => ({
  clientId: "first-party",
  organisationId: null,
  kind: "first-party",
  serviceName: null,
  authMethod: "none",
  clientSecret: null,
  jwks: null,
  grantTypes: ["authorization_code", "refresh_token"],
  redirectUris,
  scopes: [],
});

describe("clientMetadata application_type", () => {
  it("keeps a CLI with http loopback redirects native (any port, RFC 8252)", () => {
    expect(clientMetadata(firstParty(["http://127.0.0.1/callback"])).application_type).toBe("native");
  });

  it("makes the console, whose callback is the gateway's https URL, a web client", () => {
    expect(
      clientMetadata(firstParty(["https://127.0.0.1:8443/console/auth/callback"])).application_type,
    ).toBe("web");
    expect(
      clientMetadata(firstParty(["https://console.example.org/console/auth/callback"])).application_type,
    ).toBe("web");
  });
});
