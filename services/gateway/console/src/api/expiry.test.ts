import { QueryClient } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { type SessionEnd, SessionEnding } from "./expiry.js";

// The end of a session in the browser: nothing of what the screen showed survives in the cache.
const SESSION_KEY = ["session"] as const;
const session = {
  staffId: "staff-1",
  username: "caseworker@mmcc",
  displayName: "Kilis caseworker",
  organisationId: "mmcc-kilis",
  roles: ["caseworker"],
  inboxService: "municipality",
  csrfToken: "csrf",
  idleTimeoutSeconds: 900,
  startedAt: "2026-12-07T08:00:00.000Z",
  expiresAt: "2026-12-07T20:00:00.000Z",
};

function setUp() {
  const queries = new QueryClient();
  queries.setQueryData(SESSION_KEY, session);
  queries.setQueryData(["inbox", "GetReferral", { referralId: "r-1" }], {
    referralPackage: { identity: { givenName: "Ayşe", familyName: "Testperson" } },
  });
  queries.setQueryData(["colleagues"], [{ staffId: "staff-2", displayName: "A colleague" }]);
  const calls: string[] = [];
  const ending = new SessionEnding({
    queries,
    sessionKey: SESSION_KEY,
    async forget(staffId) {
      calls.push(`forget ${staffId}`);
    },
    async stopOutbox(staffId) {
      calls.push(`stop ${staffId}`);
      return 2;
    },
    async endAtBackend() {
      calls.push("logout");
    },
  });
  return { queries, ending, calls };
}

describe("the end of a session in the browser", () => {
  it("drops every cached answer, forgets the draft, stops the queue and says why, once", async () => {
    const { queries, ending, calls } = setUp();
    const seen: (SessionEnd | undefined)[] = [];
    ending.subscribe(() => seen.push(ending.state()));
    expect(ending.hasSession()).toBe(true);

    await ending.end("expired");
    expect(queries.getQueryCache().getAll()).toEqual([]);
    expect(queries.getQueryData(["inbox", "GetReferral", { referralId: "r-1" }])).toBeUndefined();
    expect(calls).toEqual(["forget staff-1", "stop staff-1"]);
    // The screen changes before anything else, then learns what was kept for the next login.
    expect(seen).toEqual([
      { reason: "expired", unsent: 0 },
      { reason: "expired", unsent: 2 },
    ]);
    expect(ending.hasSession()).toBe(false);

    await ending.end("idle");
    expect(ending.state()).toEqual({ reason: "expired", unsent: 2 });
    expect(calls).toHaveLength(2);
  });

  it("ends an idle tab the same way, and the session at the backend too", async () => {
    const { queries, ending, calls } = setUp();
    await ending.end("idle");
    expect(queries.getQueryCache().getAll()).toEqual([]);
    expect(ending.state()?.reason).toBe("idle");
    expect(calls).toEqual(["logout", "forget staff-1", "stop staff-1"]);
  });
});
