import { randomBytes } from "node:crypto";
import {
  approveDeviceLogin,
  clientCredentials,
  deviceLogin,
  LoginFailedError,
  passwordLogin,
  RateLimitedError,
  TokenRequestError,
} from "@kopru/identity-client";
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  jwtVerify,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionIdentities } from "../src/application/provision.js";
import { CLI_CLIENT, type Harness, startHarness } from "./harness.js";

const INTAKE = "urn:kopru:intake";
const PROTECTION = "urn:kopru:protection";
const GATEWAY = "urn:kopru:gateway";

async function verify(h: Harness, token: string, audience: string) {
  const jwks = createRemoteJWKSet(new URL(`${h.issuer}/jwks`));
  const result = await jwtVerify(token, jwks, {
    issuer: h.issuer,
    audience,
    typ: "at+jwt",
    algorithms: ["ES256", "RS256", "PS256", "EdDSA"],
  });
  return result.payload;
}

function expectContractShape(payload: JWTPayload) {
  expect(payload.jti).toEqual(expect.any(String));
  expect(payload.iat).toEqual(expect.any(Number));
  expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(600);
  expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeGreaterThan(0);
}

describe.each(["postgres", "pglite"] as const)("tokens from the identity service (%s)", (storage) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ storage });
  });
  afterAll(() => h?.close());

  it("gives a partner system a token per resource that verifies against the JWKS, with the contract's claims", async () => {
    const source = clientCredentials({
      issuer: h.issuer,
      clientId: "partner-hayat",
      clientSecret: h.secret("partner-hayat"),
    });
    const intakeToken = await source.token(INTAKE);
    const header = decodeProtectedHeader(intakeToken);
    expect(header.typ).toBe("at+jwt");
    expect(header.kid).toEqual(expect.any(String));
    const payload = await verify(h, intakeToken, INTAKE);
    expectContractShape(payload);
    expect(payload).toMatchObject({
      iss: h.issuer,
      aud: INTAKE,
      sub: "partner-hayat",
      client_id: "partner-hayat",
      kopru_kind: "partner-system",
      kopru_org: "ngo-hayat",
      roles: [],
    });
    expect(payload.kopru_service).toBeUndefined();
    // One token per audience, and the cached one until it nears expiry.
    const protectionToken = await source.token(PROTECTION);
    expect((await verify(h, protectionToken, PROTECTION)).aud).toBe(PROTECTION);
    await expect(verify(h, protectionToken, INTAKE)).rejects.toThrow(/aud/);
    expect(await source.token(INTAKE)).toBe(intakeToken);
  });

  it("gives a service client kopru_kind=service, its service name and no organisation", async () => {
    const source = clientCredentials({
      issuer: h.issuer,
      clientId: "service-intake",
      clientSecret: h.secret("service-intake"),
      authMethod: "client_secret_basic",
    });
    const payload = await verify(h, await source.token(PROTECTION), PROTECTION);
    expect(payload).toMatchObject({
      kopru_kind: "service",
      kopru_service: "intake",
      sub: "service-intake",
      client_id: "service-intake",
      roles: [],
    });
    expect(payload.kopru_org).toBeUndefined();
  });

  it("puts a partner system's registered partner API scopes on its gateway token, and no other", async () => {
    const clientId = `partner-scoped-${storage}`;
    const clientSecret = randomBytes(24).toString("hex");
    await provisionIdentities(h.db, {
      organisations: [{ id: "ngo-scoped", name: "Scoped NGO" }],
      clients: [
        {
          clientId,
          kind: "partner-system",
          organisationId: "ngo-scoped",
          clientSecret,
          scopes: ["referrals:read", "referrals:write"],
        },
      ],
    });
    const scoped = clientCredentials({
      issuer: h.issuer,
      clientId,
      clientSecret,
      scopes: ["referrals:read", "referrals:write"],
    });
    const gateway = await verify(h, await scoped.token(GATEWAY), GATEWAY);
    expect(String(gateway.scope).split(" ").sort()).toEqual(["referrals:read", "referrals:write"]);
    // Other APIs know no partner scopes: the same request yields none there.
    expect((await verify(h, await scoped.token(INTAKE), INTAKE)).scope).toBeUndefined();
    const greedy = clientCredentials({ issuer: h.issuer, clientId, clientSecret, scopes: ["inbox:write"] });
    await expect(greedy.token(GATEWAY)).rejects.toMatchObject({ error: "invalid_scope" });
    // A service client may not ask for partner scopes at all.
    const service = clientCredentials({
      issuer: h.issuer,
      clientId: "service-intake",
      clientSecret: h.secret("service-intake"),
      scopes: ["referrals:write"],
    });
    await expect(service.token(GATEWAY)).rejects.toMatchObject({ error: "invalid_scope" });
  });

  it("refuses a wrong client secret and an audience that is not a Köprü API", async () => {
    const wrong = clientCredentials({
      issuer: h.issuer,
      clientId: "partner-hayat",
      clientSecret: "x".repeat(40),
    });
    await expect(wrong.token(INTAKE)).rejects.toMatchObject({
      name: "TokenRequestError",
      error: "invalid_client",
    });
    const right = clientCredentials({
      issuer: h.issuer,
      clientId: "partner-hayat",
      clientSecret: h.secret("partner-hayat"),
    });
    await expect(right.token("urn:kopru:elsewhere")).rejects.toBeInstanceOf(TokenRequestError);
    await expect(right.token("urn:kopru:elsewhere")).rejects.toMatchObject({ error: "invalid_target" });
  });

  it("authenticates a partner system by private_key_jwt, holding only its public key", async () => {
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: "partner-umut-1", alg: "ES256", use: "sig" };
    await provisionIdentities(h.db, {
      organisations: [{ id: "ngo-umut", name: "Umut (synthetic)" }],
      clients: [
        {
          clientId: "partner-umut",
          kind: "partner-system",
          organisationId: "ngo-umut",
          authMethod: "private_key_jwt",
          jwks: { keys: [publicJwk] },
        },
      ],
    });
    const source = clientCredentials({
      issuer: h.issuer,
      clientId: "partner-umut",
      privateKeyJwk: { ...(await exportJWK(privateKey)), kid: "partner-umut-1", alg: "ES256" },
    });
    const payload = await verify(h, await source.token(INTAKE), INTAKE);
    expect(payload).toMatchObject({
      kopru_kind: "partner-system",
      kopru_org: "ngo-umut",
      client_id: "partner-umut",
    });
  });

  it("logs a staff user in through the login form and gives a token per audience with the user's organisation and roles", async () => {
    const session = await passwordLogin({
      issuer: h.issuer,
      clientId: CLI_CLIENT,
      username: "ayse.caseworker",
      password: h.password("ayse.caseworker"),
      audiences: [INTAKE, PROTECTION],
    });
    expect(session.subject).toBe("u-caseworker");
    for (const audience of [INTAKE, PROTECTION]) {
      const payload = await verify(h, await session.token(audience), audience);
      expectContractShape(payload);
      expect(payload).toMatchObject({
        iss: h.issuer,
        aud: audience,
        sub: "u-caseworker",
        client_id: CLI_CLIENT,
        kopru_kind: "staff",
        kopru_org: "ngo-hayat",
        roles: ["caseworker", "supervisor"],
      });
    }
    // The refresh token reaches only the APIs the login asked for.
    await expect(session.token("urn:kopru:coordination")).rejects.toMatchObject({ error: "invalid_target" });
  });
});

describe("logins, limits and logs", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ storage: "postgres", config: { TOKEN_RATE_LIMIT: 40 } });
  });
  afterAll(() => h?.close());

  const login = (username: string, password: string) =>
    passwordLogin({ issuer: h.issuer, clientId: CLI_CLIENT, username, password, audiences: [INTAKE] });

  it("locks an account after five wrong passwords; the right one then fails with the same answer", async () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      await expect(login("lockout.target", `wrong-password-${attempt}`)).rejects.toBeInstanceOf(
        LoginFailedError,
      );
    }
    await expect(login("lockout.target", h.password("lockout.target"))).rejects.toBeInstanceOf(
      LoginFailedError,
    );
    // The same page for an unknown user: the form does not tell which usernames exist.
    await expect(login("nobody.here", "whatever-password")).rejects.toBeInstanceOf(LoginFailedError);
    const { rows } = await h.db.query<{ locked_until: Date }>(
      "SELECT locked_until FROM staff_users WHERE id = 'u-locked'",
    );
    const lockedFor = new Date(rows[0]?.locked_until ?? 0).getTime() - Date.now();
    expect(lockedFor).toBeGreaterThan(14 * 60_000);
    expect(lockedFor).toBeLessThanOrEqual(15 * 60_000);

    // Once the lockout has passed, the right password works and the count starts again.
    await h.db.query(
      "UPDATE staff_users SET locked_until = now() - interval '1 second' WHERE id = 'u-locked'",
    );
    const session = await login("lockout.target", h.password("lockout.target"));
    expect((await verify(h, await session.token(INTAKE), INTAKE)).kopru_org).toBe("mmcc-kilis");
  });

  it("completes the device flow when the person logs in at the verification page", async () => {
    let approval: Promise<void> | undefined;
    const session = await deviceLogin({
      issuer: h.issuer,
      clientId: CLI_CLIENT,
      audiences: [INTAKE, PROTECTION],
      onPrompt(prompt) {
        expect(prompt.verificationUri).toBe(`${h.issuer}/device`);
        approval = approveDeviceLogin({
          issuer: h.issuer,
          verificationUri: prompt.verificationUri,
          userCode: prompt.userCode,
          username: "ayse.caseworker",
          password: h.password("ayse.caseworker"),
        });
      },
    });
    await approval;
    const payload = await verify(h, await session.token(PROTECTION), PROTECTION);
    expect(payload).toMatchObject({ kopru_kind: "staff", sub: "u-caseworker", kopru_org: "ngo-hayat" });
  });

  it("never logs a username, a password, a client secret or a token", async () => {
    const canaryUser = `canary.${randomBytes(6).toString("hex")}`;
    const canaryPassword = `canary-password-${randomBytes(12).toString("hex")}`;
    await provisionIdentities(h.db, {
      users: [
        {
          id: "u-canary",
          organisationId: "ngo-hayat",
          username: canaryUser,
          displayName: "Canary (synthetic)",
          password: canaryPassword,
          roles: ["caseworker"],
        },
      ],
    });
    await expect(login(canaryUser, `${canaryPassword}-wrong`)).rejects.toBeInstanceOf(LoginFailedError);
    // The password typed into the username field, as people do.
    await expect(login(canaryPassword, canaryPassword)).rejects.toBeInstanceOf(LoginFailedError);
    const session = await login(canaryUser, canaryPassword);
    const token = await session.token(INTAKE);
    const logs = h.logs.join("");
    expect(logs).toContain("staff login");
    expect(logs).toContain("login_failed");
    for (const secret of [canaryUser, canaryPassword, token, h.secret("partner-hayat")]) {
      expect(logs).not.toContain(secret);
    }
  });

  it("answers 429 with Retry-After once an address has asked the token endpoint too often", async () => {
    const basic = Buffer.from(`partner-hayat:${h.secret("partner-hayat")}`).toString("base64");
    const ask = () =>
      fetch(`${h.issuer}/token`, {
        method: "POST",
        headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "client_credentials", resource: INTAKE }),
      });
    let limited: Response | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      const response = await ask();
      if (response.status === 429) limited = response;
      else expect(response.status).toBe(200);
      await response.body?.cancel();
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    const source = clientCredentials({
      issuer: h.issuer,
      clientId: "partner-hayat",
      clientSecret: h.secret("partner-hayat"),
    });
    await expect(source.token(PROTECTION)).rejects.toBeInstanceOf(RateLimitedError);
  });
});

describe("the login form's rate limit", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ storage: "pglite", config: { LOGIN_RATE_LIMIT: 3 } });
  });
  afterAll(() => h?.close());

  it("answers 429 to the fourth login attempt from one address within a minute", async () => {
    const attempt = () =>
      passwordLogin({
        issuer: h.issuer,
        clientId: CLI_CLIENT,
        username: "nobody.here",
        password: "not-a-password",
        audiences: [INTAKE],
      });
    for (let i = 0; i < 3; i++) await expect(attempt()).rejects.toBeInstanceOf(LoginFailedError);
    const limited = await attempt().catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
  });
});
