import { describe, expect, it } from "vitest";
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
