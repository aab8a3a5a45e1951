import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { get } from "node:https";
import { serviceAudience } from "@kopru/service-kit";
import { startTestIssuer } from "@kopru/testing";
import { base64url, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeName, E, RawApi, staff } from "../support/access.js";
import { TestNetwork } from "../support/network.js";
import { dig } from "../support/rpc.js";

// A forged identity against a real service process (the kit's exhaustive list of bad tokens is in
// libs/service-kit/src/auth.int.test.ts): no token, a token for another service's audience, and a
// valid token beside metadata that names another organisation — the token's organisation is used.

let network: TestNetwork;
let api: RawApi;

beforeAll(async () => {
  network = await TestNetwork.create();
  await network.start("ecm");
  api = new RawApi(network);
}, 180_000);

afterAll(async () => {
  api?.close();
  await network?.close();
});

describe("a forged identity at a service process", () => {
  it("answers a call without a token UNAUTHENTICATED", async () => {
    const o = network.orgs;
    const answer = await api.call("ecm", E, "ListCases", { organisationId: o.ecm }, undefined, {
      "kopru-organisation-id": o.ecm,
      "kopru-actor-id": "ecm-staff-1",
      "kopru-role": "supervisor",
    });
    expect(codeName(answer)).toBe("UNAUTHENTICATED");
  });

  it("answers a token minted for another service's audience UNAUTHENTICATED", async () => {
    const o = network.orgs;
    const token = await network.tokens(staff(o.ecm, "ecm-staff-1", "supervisor"), serviceAudience("intake"));
    const answer = await api.callWithToken("ecm", E, "ListCases", { organisationId: o.ecm }, token);
    expect(codeName(answer)).toBe("UNAUTHENTICATED");
  });

  it("refuses tokens made from a real one: alg none, HS256 keyed with the issuer's public key, a tampered payload, another issuer's signature", async () => {
    const o = network.orgs;
    const real =
      (await network.tokens(staff(o.ecm, "ecm-staff-1", "supervisor"), serviceAudience("ecm"))) ?? "";
    const [header, payload, signature] = real.split(".") as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
    const call = (token: string) =>
      api.callWithToken("ecm", E, "ListCases", { organisationId: o.ecm }, token);
    // The genuine token works, so each refusal below is the forgery's.
    expect(codeName(await call(real))).toBe("OK");

    const none = `${encode({ alg: "none", typ: "at+jwt" })}.${payload}.`;
    // What anyone can read: the issuer's published signing key, used as an HMAC secret.
    const jwks = JSON.parse(await httpsGet(`${network.identity.issuer}/jwks`, network.pki.caFile)) as {
      keys: { kid?: string }[];
    };
    const kid = (JSON.parse(new TextDecoder().decode(base64url.decode(header))) as { kid: string }).kid;
    const publicKey = JSON.stringify(jwks.keys.find((k) => k.kid === kid));
    expect(publicKey).toContain(kid);
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .sign(new TextEncoder().encode(publicKey));
    const tampered = `${header}.${encode({ ...claims, kopru_org: o.ecmOther, roles: ["ecm-approver"] })}.${signature}`;
    const stranger = await startTestIssuer();
    try {
      const otherIssuer = await stranger.mint(
        staff(o.ecm, "ecm-staff-1", "supervisor"),
        serviceAudience("ecm"),
        {
          claims: { iss: claims.iss },
        },
      );
      for (const [name, forged] of Object.entries({ none, hs256, tampered, otherIssuer })) {
        expect(codeName(await call(forged)), name).toBe("UNAUTHENTICATED");
      }
    } finally {
      await stranger.close();
    }
  });

  it("acts for the token's organisation, whatever the metadata names", async () => {
    const o = network.orgs;
    const victim = staff(o.ecm, "ecm-staff-1", "supervisor");
    const opened = await api.must(
      "ecm",
      E,
      "OpenCase",
      { requestId: randomUUID(), organisationId: o.ecm, beneficiaryRef: "ben-forged-test" },
      victim,
    );
    const caseId = dig(opened, "ecmCase", "caseId");
    const forged = {
      "kopru-organisation-id": o.ecm,
      "kopru-actor-id": "ecm-staff-1",
      "kopru-role": "supervisor",
    };
    const attacker = staff(o.ecmOther, "north-staff-1", "supervisor");

    const read = await api.call("ecm", E, "GetCase", { caseId }, attacker, forged);
    expect(codeName(read)).toBe("NOT_FOUND");
    const listed = await api.call("ecm", E, "ListCases", { organisationId: o.ecmOther }, attacker, forged);
    expect(codeName(listed)).toBe("OK");
    expect(JSON.stringify(listed.ok ? listed.response : {})).not.toContain(caseId);

    // What the attacker opens is its own organisation's, not the one the metadata names.
    const own = await api.call(
      "ecm",
      E,
      "OpenCase",
      { requestId: randomUUID(), organisationId: o.ecmOther, beneficiaryRef: "ben-forged-own" },
      attacker,
      forged,
    );
    expect(codeName(own)).toBe("OK");
    expect(own.ok && dig(own.response, "ecmCase", "organisationId")).toBe(o.ecmOther);
    const victimList = await api.must("ecm", E, "ListCases", { organisationId: o.ecm }, victim);
    expect(JSON.stringify(victimList)).not.toContain("ben-forged-own");
  });
});

function httpsGet(url: string, caFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { ca: readFileSync(caFile) }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolve(body));
    }).on("error", reject);
  });
}
