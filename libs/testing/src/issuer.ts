import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

// A token issuer for the tests of one service: a real key pair, a real discovery document and
// JWKS over HTTP, so the service's verifier works exactly as in production (fetches the keys,
// checks signature, `typ`, `iss`, `aud`, lifetime). The identity service itself is tested against
// its own tests and end to end; here tokens are minted for whichever caller a test plays.

/** Whom to mint a token for; the same shape as `ClientCaller` in `@kopru/service-kit`. */
export interface TestCaller {
  organisationId?: string;
  actorId?: string;
  role?: string;
  roles?: readonly string[];
}

export interface MintOptions {
  /** Overrides or additions to the claims; `undefined` values remove a claim. */
  claims?: Record<string, unknown>;
  /** Lifetime in seconds (default 300). */
  lifetimeSeconds?: number;
  /** Seconds to move `iat`/`nbf`/`exp` by (negative: in the past). */
  shiftSeconds?: number;
  /** Header `typ` (default `at+jwt`). */
  typ?: string;
}

export interface TestIssuer {
  /** The issuer URL (`iss`), serving `/.well-known/openid-configuration` and `/jwks`. */
  issuer: string;
  jwksUri: string;
  /** The public key set it publishes. */
  jwks: { keys: JWK[] };
  /** A token for `caller` and `audience`: staff when an actor id is given, else a partner system. */
  mint(caller: TestCaller, audience: string, options?: MintOptions): Promise<string>;
  /** A token source for `GrpcClient` (`tokens`): mints for each caller and audience. */
  tokens: (caller: TestCaller, audience: string) => Promise<string | undefined>;
  /**
   * A service identity's token (`kopru_kind: service`). The issuer's token endpoint gives the same to
   * the client `service-<name>` (client credentials, any secret), for a service that calls another.
   */
  mintService(service: string, audience: string): Promise<string>;
  /** The environment a service needs to trust this issuer (and, in these tests, plaintext gRPC). */
  serviceEnv(): Record<string, string>;
  close(): Promise<void>;
}

function callerClaims(caller: TestCaller): Record<string, unknown> {
  const roles = caller.roles ?? (caller.role ? [caller.role] : []);
  if (caller.actorId) {
    return { sub: caller.actorId, client_id: "kopru-test-console", kopru_kind: "staff", roles };
  }
  const clientId = `partner-${caller.organisationId ?? "none"}`;
  return { sub: clientId, client_id: clientId, kopru_kind: "partner-system", roles: [] };
}

export async function startTestIssuer(): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const jwks = { keys: [jwk] };
  let issuer = "";
  let mintServiceToken: (service: string, audience: string) => Promise<string> = async () => {
    throw new Error("the issuer is not listening yet");
  };
  const server: Server = createServer((request, response) => {
    const send = (body: unknown) => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(body));
    };
    if (request.url === "/.well-known/openid-configuration")
      return send({ issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token` });
    if (request.url === "/jwks") return send(jwks);
    // Client credentials for a service's own client (`service-<name>`, any secret): a service under
    // test that calls another gets its token here, as it would from the identity service.
    if (request.url === "/token" && request.method === "POST") {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      request.on("end", () => {
        const form = new URLSearchParams(body);
        const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? "")?.[1];
        const clientId = basic
          ? decodeURIComponent(Buffer.from(basic, "base64").toString("utf8").split(":")[0] ?? "")
          : (form.get("client_id") ?? "");
        const service = /^service-(.+)$/.exec(clientId)?.[1];
        const resource = form.get("resource");
        if (form.get("grant_type") !== "client_credentials" || !service || !resource) {
          response.writeHead(400, { "content-type": "application/json" });
          response.end(JSON.stringify({ error: "invalid_request" }));
          return;
        }
        void mintServiceToken(service, resource).then((token) =>
          send({ access_token: token, token_type: "Bearer", expires_in: 300 }),
        );
      });
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign = async (claims: Record<string, unknown>, audience: string, options: MintOptions = {}) => {
    const now = Math.floor(Date.now() / 1000) + (options.shiftSeconds ?? 0);
    const payload: JWTPayload = {
      iss: issuer,
      aud: audience,
      iat: now,
      nbf: now,
      exp: now + (options.lifetimeSeconds ?? 300),
      jti: randomUUID(),
      ...claims,
      ...options.claims,
    };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload)
      .setProtectedHeader({ alg: "ES256", kid, typ: options.typ ?? "at+jwt" })
      .sign(privateKey);
  };

  const mint = (caller: TestCaller, audience: string, options?: MintOptions) => {
    const claims = callerClaims(caller);
    if (caller.organisationId) claims.kopru_org = caller.organisationId;
    return sign(claims, audience, options);
  };

  mintServiceToken = (service: string, audience: string) =>
    sign(
      {
        sub: `service-${service}`,
        client_id: `service-${service}`,
        kopru_kind: "service",
        kopru_service: service,
        roles: [],
      },
      audience,
    );

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    jwks,
    mint,
    tokens: (caller, audience) => mint(caller, audience),
    mintService: (service, audience) => mintServiceToken(service, audience),
    serviceEnv: () => ({ AUTH_ISSUER: issuer, GRPC_PLAINTEXT: "development" }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
