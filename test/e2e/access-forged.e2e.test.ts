import { randomUUID } from "node:crypto";
import { serviceAudience } from "@kopru/service-kit";
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
