import { openDatabase } from "@kopru/storage";
import { describe, expect, it } from "vitest";
import { buildIdentityApp } from "../src/app.js";
import { provisionIdentities } from "../src/application/provision.js";
import { InvalidProvisioningSpecError } from "../src/domain/errors.js";

describe("provisioning", () => {
  it("is idempotent, hashes passwords with argon2id and re-hashes only a changed password", async () => {
    const db = await openDatabase({ service: "identity" });
    try {
      // Building the app migrates and creates the first keys.
      const app = await buildIdentityApp({
        db,
        logger: (await import("@kopru/observability")).createLogger({ service: "identity", level: "silent" }),
        config: {
          issuer: "http://127.0.0.1:1",
          cookieKeys: ["k".repeat(32)],
          accessTokenTtlSeconds: 300,
          SIGNING_KEY_ROTATION_DAYS: 0,
          LOGIN_RATE_LIMIT: 10,
          TOKEN_RATE_LIMIT: 10,
        },
      });
      const user = {
        id: "u1",
        organisationId: "ngo-a",
        username: "user.one",
        displayName: "One",
        password: "a-long-demo-password",
        roles: ["caseworker" as const],
      };
      const spec = {
        organisations: [{ id: "ngo-a", name: "A (synthetic)" }],
        users: [user],
        clients: [
          {
            clientId: "partner-a",
            kind: "partner-system" as const,
            organisationId: "ngo-a",
            clientSecret: "s".repeat(40),
          },
        ],
      };
      await provisionIdentities(db, spec);
      const hash = async () =>
        (await db.query<{ password_hash: string }>("SELECT password_hash FROM staff_users WHERE id = 'u1'"))
          .rows[0]?.password_hash;
      const first = await hash();
      expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      await provisionIdentities(db, spec);
      expect(await hash()).toBe(first);
      await provisionIdentities(db, {
        ...spec,
        users: [{ ...user, password: "another-long-password" }],
      });
      expect(await hash()).not.toBe(first);
      const counts = await db.query<{ n: number }>(
        "SELECT (SELECT count(*) FROM staff_users) + (SELECT count(*) FROM oauth_clients) AS n",
      );
      expect(counts.rows[0]?.n).toBe(2);

      await expect(
        provisionIdentities(db, { users: [{ ...user, roles: ["root" as never] }] }),
      ).rejects.toBeInstanceOf(InvalidProvisioningSpecError);
      await expect(
        provisionIdentities(db, {
          clients: [
            {
              clientId: "partner-b",
              kind: "partner-system",
              organisationId: "ngo-a",
              authMethod: "private_key_jwt",
              jwks: { keys: [{ kty: "EC", d: "secret" }] },
            },
          ],
        }),
      ).rejects.toThrow(/public keys only/);
      await app.close();
    } finally {
      await db.close();
    }
  });
});
