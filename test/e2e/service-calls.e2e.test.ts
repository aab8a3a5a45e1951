import { readFileSync } from "node:fs";
import { clientCredentials } from "@kopru/identity-client";
import { ON_BEHALF_OF_HEADER, serviceAudience } from "@kopru/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeName, partnerSystem, R, RawApi, staff } from "../support/access.js";
import { TestNetwork } from "../support/network.js";

// A service calling another, as the real network issues it: the caller's own client-credentials
// token from the identity service (the credentials the harness gave that service), and — when it
// acts for a user — the user's own token beside it. The service's token alone opens no
// organisation's data, and nothing but a service may relay (no confused deputy).

let network: TestNetwork;
let api: RawApi;
let ecmService: (audience: string) => Promise<string>;

beforeAll(async () => {
  network = await TestNetwork.create();
  await network.start("municipality");
  api = new RawApi(network);
  const own = await network.identity.serviceClient("ecm");
  const source = clientCredentials({
    issuer: network.identity.issuer,
    ca: readFileSync(network.pki.caFile),
    clientId: own.AUTH_CLIENT_ID,
    clientSecret: own.AUTH_CLIENT_SECRET,
  });
  ecmService = (audience) => source.token(audience);
}, 180_000);

afterAll(async () => {
  api?.close();
  await network?.close();
});

describe("service-to-service calls", () => {
  const MUNICIPALITY = serviceAudience("municipality");
  const listInbox = (token: string, extra: Record<string, string> = {}) =>
    api.callWithToken(
      "municipality",
      R,
      "ListInbox",
      { organisationId: network.orgs.mmccGaziantep },
      token,
      extra,
    );

  it("a service's own token names no organisation: it reads no organisation's inbox", async () => {
    expect(codeName(await listInbox(await ecmService(MUNICIPALITY)))).toBe("PERMISSION_DENIED");
  });

  it("acting for a user, the service relays the user's own token and the user's rights apply", async () => {
    const user = (await network.tokens(
      staff(network.orgs.mmccGaziantep, "mmcc-staff-1", "caseworker"),
      MUNICIPALITY,
    )) as string;
    const answer = await listInbox(await ecmService(MUNICIPALITY), { [ON_BEHALF_OF_HEADER]: user });
    expect(codeName(answer)).toBe("OK");
    // The user's rights, not more: the other MMCC's inbox stays closed through the same relay.
    const other = await api.callWithToken(
      "municipality",
      R,
      "ListInbox",
      { organisationId: network.orgs.mmccKilis },
      await ecmService(MUNICIPALITY),
      { [ON_BEHALF_OF_HEADER]: user },
    );
    expect(["NOT_FOUND", "PERMISSION_DENIED"]).toContain(codeName(other));
  });

  it("refuses a relayed token for another audience, and a relay by anyone but a service", async () => {
    const forIntake = (await network.tokens(
      staff(network.orgs.mmccGaziantep, "mmcc-staff-1", "caseworker"),
      serviceAudience("intake"),
    )) as string;
    expect(
      codeName(await listInbox(await ecmService(MUNICIPALITY), { [ON_BEHALF_OF_HEADER]: forIntake })),
    ).toBe("UNAUTHENTICATED");
    const user = (await network.tokens(
      staff(network.orgs.mmccGaziantep, "mmcc-staff-1", "caseworker"),
      MUNICIPALITY,
    )) as string;
    const partner = (await network.tokens(partnerSystem(network.orgs.ngo), MUNICIPALITY)) as string;
    expect(codeName(await listInbox(partner, { [ON_BEHALF_OF_HEADER]: user }))).toBe("PERMISSION_DENIED");
    // A service token cannot be relayed as if it were a user's.
    expect(
      codeName(
        await listInbox(await ecmService(MUNICIPALITY), {
          [ON_BEHALF_OF_HEADER]: await ecmService(MUNICIPALITY),
        }),
      ),
    ).toBe("PERMISSION_DENIED");
  });
});
