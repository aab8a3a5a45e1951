import { waitFor } from "@kopru/testing";
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

const AUDIENCE = "urn:kopru:ecm";

interface Issued {
  token: string;
  kid: string;
  requestedAt: number;
}

describe("signing key rotation under load", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ storage: "postgres" });
  });
  afterAll(() => h?.close());

  const publishedKids = async () => {
    const response = await fetch(`${h.issuer}/jwks`);
    const body = (await response.json()) as { keys: { kid: string; d?: string }[] };
    for (const key of body.keys) expect(key.d).toBeUndefined();
    return body.keys.map((key) => key.kid);
  };

  const issue = async (): Promise<Issued> => {
    const requestedAt = Date.now();
    const response = await fetch(`${h.issuer}/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`service-intake:${h.secret("service-intake")}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({ grant_type: "client_credentials", resource: AUDIENCE }),
    });
    expect(response.status).toBe(200);
    const { access_token: token } = (await response.json()) as { access_token: string };
    return { token, kid: String(decodeProtectedHeader(token).kid), requestedAt };
  };

  it("rotates twice while tokens are issued and verified, with no verification failing", async () => {
    // A verifier as the services run one: the JWKS cached (here for a second, so the test need not
    // wait minutes) and refetched when stale; it notes when it first saw each kid.
    const seenAt = new Map<string, number>();
    const jwks = createRemoteJWKSet(new URL(`${h.issuer}/jwks`), {
      cacheMaxAge: 1_000,
      cooldownDuration: 1_000,
      [customFetch]: async (url, options) => {
        const response = await fetch(url, options);
        const body = (await response.clone().json()) as { keys: { kid: string }[] };
        for (const key of body.keys) if (!seenAt.has(key.kid)) seenAt.set(key.kid, Date.now());
        return response;
      },
    });
    const verifyToken = (token: string) =>
      jwtVerify(token, jwks, { issuer: h.issuer, audience: AUDIENCE, typ: "at+jwt", algorithms: ["ES256"] });

    const firstTokenAt = new Map<string, number>();
    const firstToken = new Map<string, string>();
    const verifiedByKid = new Map<string, number>();
    const failures: string[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        const issued = await issue();
        if (!firstTokenAt.has(issued.kid)) {
          firstTokenAt.set(issued.kid, issued.requestedAt);
          firstToken.set(issued.kid, issued.token);
        }
        try {
          await verifyToken(issued.token);
          verifiedByKid.set(issued.kid, (verifiedByKid.get(issued.kid) ?? 0) + 1);
        } catch (error) {
          failures.push(`${issued.kid}: ${(error as Error).message}`);
        }
      }
    };
    const [k1, k2] = await publishedKids();
    expect(k1).toBeDefined();
    expect(k2).toBeDefined();
    let k3: string | undefined;
    const workers = Array.from({ length: 4 }, worker);
    const verified = (kid: string, count: number) => (verifiedByKid.get(kid) ?? 0) >= count;

    try {
      await waitFor(() => verified(k1 as string, 20), { message: "tokens signed with the first key" });
      // The staged key is in the verifier's cache before it signs anything (the rotation period is
      // always far longer than any verifier's cache age; here the test waits for it).
      await waitFor(() => seenAt.has(k2 as string), { message: "the verifier to see the staged key" });
      const first = await h.app.rotateSigningKeys();
      expect(first).toMatchObject({ current: k2, retired: k1 });
      k3 = first.next;
      // During the rotation the JWKS carries the retiring key and the new one (and the next staged one).
      expect(await publishedKids()).toEqual([k2, k3, k1]);
      await waitFor(() => verified(k2 as string, 20), { message: "tokens signed with the second key" });

      await waitFor(() => seenAt.has(k3 as string), { message: "the verifier to see the second staged key" });
      const second = await h.app.rotateSigningKeys();
      expect(second).toMatchObject({ current: k3, retired: k2 });
      expect(await publishedKids()).toEqual(expect.arrayContaining([k1, k2, k3, second.next]));
      await waitFor(() => verified(k3 as string, 20), { message: "tokens signed with the third key" });
    } finally {
      running = false;
      await Promise.all(workers);
    }

    expect(failures).toEqual([]);
    // No token carried a promoted key's kid before the verifier had fetched it.
    for (const kid of [k2 as string, k3 as string]) {
      expect(seenAt.get(kid) ?? Number.POSITIVE_INFINITY).toBeLessThan(firstTokenAt.get(kid) ?? 0);
    }

    // Tokens signed before the rotations still verify, for a verifier that fetches the JWKS only now.
    const freshVerifier = createRemoteJWKSet(new URL(`${h.issuer}/jwks`));
    for (const kid of [k1, k2] as string[]) {
      const token = firstToken.get(kid) as string;
      await expect(
        jwtVerify(token, freshVerifier, { issuer: h.issuer, audience: AUDIENCE, typ: "at+jwt" }),
      ).resolves.toBeDefined();
    }

    // Once the last token a retired key signed has expired, the key leaves the JWKS.
    await h.db.query("UPDATE signing_keys SET retire_after = now() - interval '1 second' WHERE kid = $1", [
      k1,
    ]);
    expect(await h.app.reloadSigningKeys()).toBe(true);
    expect(await publishedKids()).not.toContain(k1);
    const afterRetirement = createRemoteJWKSet(new URL(`${h.issuer}/jwks`));
    await expect(
      jwtVerify(firstToken.get(k1 as string) as string, afterRetirement, {
        issuer: h.issuer,
        audience: AUDIENCE,
      }),
    ).rejects.toThrow();
  });

  it("keeps logins and sessions going while the keys rotate underneath them (state lives in the database)", async () => {
    const { passwordLogin } = await import("@kopru/identity-client");
    const session = await passwordLogin({
      issuer: h.issuer,
      clientId: "kopru-cli",
      username: "ayse.caseworker",
      password: h.password("ayse.caseworker"),
      audiences: [AUDIENCE, "urn:kopru:intake"],
    });
    let rotations = 0;
    let rotating = true;
    const rotator = (async () => {
      while (rotating) {
        await h.app.rotateSigningKeys();
        rotations++;
      }
    })();
    let logins = 0;
    try {
      // Each login's interaction, code and grant outlive several provider rebuilds.
      await waitFor(
        async () => {
          await passwordLogin({
            issuer: h.issuer,
            clientId: "kopru-cli",
            username: "ayse.caseworker",
            password: h.password("ayse.caseworker"),
            audiences: [AUDIENCE],
          });
          logins++;
          return logins >= 3 && rotations >= 6;
        },
        { timeoutMs: 30_000, intervalMs: 1, message: "logins across rotations" },
      );
    } finally {
      rotating = false;
      await rotator;
    }
    // The session from before the rotations still refreshes, now signed with the newest key.
    const token = await session.token("urn:kopru:intake");
    expect((await publishedKids())[0]).toBe(decodeProtectedHeader(token).kid);
  });
});
