import {
  clientCredentials,
  IDENTITY_AUDIENCE,
  LoginFailedError,
  passwordLogin,
  StaffDirectory,
  StaffDirectoryError,
  type TokenSource,
} from "@kopru/identity-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionIdentities } from "../src/application/provision.js";
import { CLI_CLIENT, type Harness, startHarness } from "./harness.js";

describe.each(["pglite", "postgres"] as const)("the staff directory (%s)", (storage) => {
  let h: Harness;
  let service: TokenSource;
  let directory: StaffDirectory;
  beforeAll(async () => {
    h = await startHarness({ storage });
    service = clientCredentials({
      issuer: h.issuer,
      clientId: "service-intake",
      clientSecret: h.secret("service-intake"),
    });
    directory = new StaffDirectory({ issuer: h.issuer, tokens: service });
    await provisionIdentities(h.db, {
      users: [
        {
          id: "u-hayat-supervisor",
          organisationId: "ngo-hayat",
          username: "hayat.supervisor",
          displayName: "Hayat supervisor (synthetic)",
          password: h.password("hayat.supervisor"),
          roles: ["supervisor"],
          email: "supervisor@hayat.example.org",
        },
        {
          id: "u-hayat-former",
          organisationId: "ngo-hayat",
          username: "hayat.former",
          displayName: "Former caseworker (synthetic)",
          password: h.password("hayat.former"),
          roles: ["caseworker"],
          active: false,
        },
      ],
    });
  });
  afterAll(() => h?.close());

  it("lists an organisation's staff to a service: ids, usernames, names, roles, emails and whether active", async () => {
    const staff = await directory.list("ngo-hayat");
    expect(staff).toEqual([
      {
        id: "u-caseworker",
        organisationId: "ngo-hayat",
        username: "ayse.caseworker",
        displayName: "Ayşe (synthetic)",
        roles: ["caseworker", "supervisor"],
        email: "ayse.caseworker@hayat.example.org",
        active: true,
      },
      {
        id: "u-hayat-former",
        organisationId: "ngo-hayat",
        username: "hayat.former",
        displayName: "Former caseworker (synthetic)",
        roles: ["caseworker"],
        email: null,
        active: false,
      },
      {
        id: "u-hayat-supervisor",
        organisationId: "ngo-hayat",
        username: "hayat.supervisor",
        displayName: "Hayat supervisor (synthetic)",
        roles: ["supervisor"],
        email: "supervisor@hayat.example.org",
        active: true,
      },
    ]);
    // Never the password hash or the lockout state.
    expect(JSON.stringify(staff)).not.toMatch(/argon2|password|failed|locked/i);
    expect((await directory.list("ngo-hayat", { role: "supervisor" })).map((m) => m.id)).toEqual([
      "u-caseworker",
      "u-hayat-supervisor",
    ]);
    expect((await directory.list("mmcc-kilis")).map((m) => m.id)).toEqual(["u-locked"]);
  });

  it("finds a colleague by id only within the organisation", async () => {
    expect(await directory.find("ngo-hayat", "u-hayat-supervisor")).toMatchObject({
      id: "u-hayat-supervisor",
      roles: ["supervisor"],
      active: true,
    });
    expect(await directory.find("ngo-hayat", "u-hayat-former")).toMatchObject({ active: false });
    expect(await directory.find("mmcc-kilis", "u-hayat-supervisor")).toBeUndefined();
    expect(await directory.find("ngo-hayat", "nobody")).toBeUndefined();
  });

  it("answers 404 for an organisation it does not know and 400 for a role that does not exist", async () => {
    await expect(directory.list("ngo-nowhere")).rejects.toMatchObject({ status: 404, error: "not_found" });
    const token = await service.token(IDENTITY_AUDIENCE);
    const response = await fetch(`${h.issuer}/staff-directory/organisations/ngo-hayat/staff?role=root`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(400);
  });

  it("refuses staff, partner systems, tokens for another API and calls without a token", async () => {
    const staff = await passwordLogin({
      issuer: h.issuer,
      clientId: CLI_CLIENT,
      username: "ayse.caseworker",
      password: h.password("ayse.caseworker"),
      audiences: [IDENTITY_AUDIENCE],
    });
    const asStaff = new StaffDirectory({ issuer: h.issuer, tokens: staff });
    await expect(asStaff.list("ngo-hayat")).rejects.toMatchObject({
      status: 403,
      error: "insufficient_scope",
    });

    const partner = clientCredentials({
      issuer: h.issuer,
      clientId: "partner-hayat",
      clientSecret: h.secret("partner-hayat"),
    });
    const asPartner = new StaffDirectory({ issuer: h.issuer, tokens: partner });
    await expect(asPartner.find("ngo-hayat", "u-caseworker")).rejects.toBeInstanceOf(StaffDirectoryError);
    await expect(asPartner.find("ngo-hayat", "u-caseworker")).rejects.toMatchObject({ status: 403 });

    // A service's token for another API is not one for this API.
    const intakeToken = await service.token("urn:kopru:intake");
    const wrongAudience = new StaffDirectory({
      issuer: h.issuer,
      tokens: { token: async () => intakeToken },
    });
    await expect(wrongAudience.list("ngo-hayat")).rejects.toMatchObject({
      status: 401,
      error: "invalid_token",
    });

    const bare = await fetch(`${h.issuer}/staff-directory/organisations/ngo-hayat/staff`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
  });

  it("keeps a deactivated account out of logins", async () => {
    await expect(
      passwordLogin({
        issuer: h.issuer,
        clientId: CLI_CLIENT,
        username: "hayat.former",
        password: h.password("hayat.former"),
        audiences: ["urn:kopru:intake"],
      }),
    ).rejects.toBeInstanceOf(LoginFailedError);
  });

  it("caches an organisation's staff when asked to", async () => {
    let now = 0;
    let calls = 0;
    const counting: TokenSource = {
      token: (audience) => {
        calls += 1;
        return service.token(audience);
      },
    };
    const cached = new StaffDirectory({
      issuer: h.issuer,
      tokens: counting,
      cacheMs: 30_000,
      now: () => now,
    });
    await cached.list("ngo-hayat");
    await cached.list("ngo-hayat", { role: "caseworker" });
    expect(await cached.find("ngo-hayat", "u-caseworker")).toMatchObject({ id: "u-caseworker" });
    expect(calls).toBe(1);
    now = 31_000;
    await cached.list("ngo-hayat");
    expect(calls).toBe(2);
  });

  it("asks for a member missing from the cached list: someone provisioned since it was taken", async () => {
    const cached = new StaffDirectory({ issuer: h.issuer, tokens: service, cacheMs: 30_000, now: () => 0 });
    expect((await cached.list("ngo-hayat")).map((member) => member.id)).not.toContain("u-hayat-new");
    await provisionIdentities(h.db, {
      users: [
        {
          id: "u-hayat-new",
          organisationId: "ngo-hayat",
          username: "hayat.new",
          displayName: "New caseworker (synthetic)",
          password: h.password("hayat.new"),
          roles: ["caseworker"],
          email: "new@hayat.example.org",
        },
      ],
    });
    expect(await cached.find("ngo-hayat", "u-hayat-new")).toMatchObject({ email: "new@hayat.example.org" });
    expect(await cached.find("ngo-hayat", "u-nobody")).toBeUndefined();
  });
});
