import { describe, expect, it } from "vitest";
import { publishedKeys, rotationDue, type SigningKey } from "../src/application/signing-keys.js";
import { afterFailure, isLocked, LOCKOUT_MS, MAX_FAILED_ATTEMPTS } from "../src/domain/lockout.js";
import { kopruClaims } from "../src/domain/token-claims.js";

describe("lockout", () => {
  const now = new Date("2026-01-01T10:00:00Z");

  it("locks for fifteen minutes on the fifth consecutive failure", () => {
    let state = { failedAttempts: 0, lockedUntil: null as Date | null };
    for (let i = 1; i < MAX_FAILED_ATTEMPTS; i++) {
      state = afterFailure(state, now);
      expect(isLocked(state, now)).toBe(false);
    }
    state = afterFailure(state, now);
    expect(isLocked(state, now)).toBe(true);
    expect(state.lockedUntil?.getTime()).toBe(now.getTime() + LOCKOUT_MS);
    expect(isLocked(state, new Date(now.getTime() + LOCKOUT_MS))).toBe(false);
  });
});

describe("token claims", () => {
  it("follows the token contract for each kind of principal", () => {
    expect(kopruClaims({ kind: "staff", organisationId: "ngo-a", roles: ["caseworker"] })).toEqual({
      kopru_kind: "staff",
      kopru_org: "ngo-a",
      roles: ["caseworker"],
    });
    expect(kopruClaims({ kind: "partner-system", organisationId: "ngo-a" })).toEqual({
      kopru_kind: "partner-system",
      kopru_org: "ngo-a",
      roles: [],
    });
    expect(kopruClaims({ kind: "service", serviceName: "intake" })).toEqual({
      kopru_kind: "service",
      kopru_service: "intake",
      roles: [],
    });
  });
});

describe("signing keys", () => {
  const key = (kid: string, state: SigningKey["state"], extra: Partial<SigningKey> = {}): SigningKey => ({
    kid,
    privateJwk: {},
    state,
    createdAt: new Date("2026-01-01T00:00:00Z"),
    activatedAt: null,
    retireAfter: null,
    ...extra,
  });
  const now = new Date("2026-02-01T00:00:00Z");

  it("publishes the signing key first, then the staged one, then retired keys still needed", () => {
    const keys = [
      key("old", "retired", { retireAfter: new Date(now.getTime() - 1) }),
      key("recent", "retired", { retireAfter: new Date(now.getTime() + 60_000) }),
      key("n", "next"),
      key("c", "current"),
    ];
    expect(publishedKeys(keys, now).map((k) => k.kid)).toEqual(["c", "n", "recent"]);
    expect(() => publishedKeys([key("n", "next")], now)).toThrow(/no current signing key/);
  });

  it("is due for rotation when the current key has signed for the configured days, never when off", () => {
    const current = key("c", "current", { activatedAt: new Date(now.getTime() - 30 * 86_400_000) });
    expect(rotationDue([current], 30, now)).toBe(true);
    expect(rotationDue([current], 31, now)).toBe(false);
    expect(rotationDue([current], 0, now)).toBe(false);
  });
});
