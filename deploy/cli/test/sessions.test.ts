import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SessionStore, type StoredSession } from "../src/sessions.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function store(): SessionStore {
  const dir = mkdtempSync(join(tmpdir(), "kopru-cli-"));
  dirs.push(dir);
  return new SessionStore(join(dir, "cli", "sessions.json"));
}

function session(username: string, organisationId: string): StoredSession {
  return {
    username,
    subject: `staff-${username}`,
    organisationId,
    roles: ["caseworker"],
    issuer: "https://127.0.0.1:7443",
    clientId: "kopru-cli",
    refreshToken: `rt-${username}`,
    loggedInAt: "2026-12-06T10:00:00Z",
  };
}

describe("the CLI's kept logins", () => {
  it("selects by username, by organisation, or the current login; never another organisation's", () => {
    const s = store();
    s.save(session("caseworker@mmcc-gaziantep", "mmcc-gaziantep"));
    s.save(session("caseworker@ngo-hayat", "ngo-hayat"));
    expect(s.select(undefined)?.username).toBe("caseworker@ngo-hayat");
    expect(s.select("mmcc-gaziantep")?.username).toBe("caseworker@mmcc-gaziantep");
    expect(s.select("caseworker@mmcc-gaziantep")?.organisationId).toBe("mmcc-gaziantep");
    expect(s.select("mmcc-kilis")).toBeUndefined();
  });

  it("asks for a username when an organisation has several logins and none is current", () => {
    const s = store();
    s.save(session("caseworker@ecm-unit", "ecm-unit"));
    s.save(session("approver@ecm-unit", "ecm-unit"));
    s.save(session("caseworker@ngo-hayat", "ngo-hayat"));
    expect(() => s.select("ecm-unit")).toThrow(/several users of ecm-unit .* pass --as <username>/);
  });

  it("keeps the file private, rewrites a rotated refresh token, and forgets on logout", () => {
    const s = store();
    s.save(session("caseworker@mmcc-kilis", "mmcc-kilis"));
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    s.updateRefreshToken("caseworker@mmcc-kilis", "rt-rotated");
    expect(new SessionStore(s.path).select("mmcc-kilis")?.refreshToken).toBe("rt-rotated");
    expect(s.remove("caseworker@mmcc-kilis")).toBe(true);
    expect(new SessionStore(s.path).list()).toEqual([]);
  });
});
