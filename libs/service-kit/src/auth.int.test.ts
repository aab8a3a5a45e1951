import { type ServiceError, status } from "@grpc/grpc-js";
import { PartnerKind } from "@kopru/contracts/common/v1/vocabulary";
import {
  CoordinationServiceClient,
  CoordinationServiceService,
  type ListOrganisationsRequest,
  type ListOrganisationsResponse,
} from "@kopru/contracts/coordination/v1/coordination_service";
import { startTestIssuer, type TestIssuer } from "@kopru/testing";
import { base64url, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ON_BEHALF_OF_HEADER, TokenVerifier } from "./auth.js";
import type { CallContext } from "./caller.js";
import { authorizationMetadata, callUnary } from "./client.js";
import { type HostedGrpcServer, startGrpcServer, unary } from "./grpc.js";
import { channelCredentials, serverCredentials } from "./tls.js";

// Forged identities as a caller would try them, against a real gRPC server whose verifier fetches
// the issuer's keys over HTTP: each is refused with UNAUTHENTICATED before the handler runs, and
// the only identity a handler ever sees is the one the token's claims give.

const AUDIENCE = "urn:kopru:coordination";
const listing: ListOrganisationsRequest = { partnerKinds: [], provinceCodes: [], includeInactive: false };

let issuer: TestIssuer;
let otherIssuer: TestIssuer;
let server: HostedGrpcServer;
let client: CoordinationServiceClient;
const seen: CallContext[] = [];

beforeAll(async () => {
  issuer = await startTestIssuer();
  otherIssuer = await startTestIssuer();
  server = await startGrpcServer(
    [
      {
        name: "kopru.coordination.v1.CoordinationService",
        definition: CoordinationServiceService,
        implementation: {
          listOrganisations: unary(async (_request: ListOrganisationsRequest, caller: CallContext) => {
            seen.push(caller);
            return {
              organisations: [
                {
                  organisationId: caller.organisationId ?? "",
                  name: caller.subject,
                  partnerKind: PartnerKind.PARTNER_KIND_NATIONAL_NGO,
                  locations: [],
                  active: true,
                },
              ],
            } satisfies ListOrganisationsResponse;
          }),
        },
      },
    ],
    {
      host: "127.0.0.1",
      port: 0,
      credentials: serverCredentials("plaintext"),
      verifier: new TokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE }),
    },
  );
  client = new CoordinationServiceClient(server.address, channelCredentials("plaintext"));
});

afterAll(async () => {
  client?.close();
  await server?.shutdown(100);
  await issuer?.close();
  await otherIssuer?.close();
});

const kilisCaseworker = { organisationId: "mmcc-kilis", actorId: "user-kilis-1", role: "caseworker" };

function list(token: string | undefined, extra: Record<string, string> = {}) {
  const metadata = authorizationMetadata(token);
  for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
  return callUnary(client, client.listOrganisations, listing, metadata);
}

async function refusal(token: string | undefined, extra: Record<string, string> = {}) {
  const before = seen.length;
  const error = (await list(token, extra).then(
    () => undefined,
    (e: ServiceError) => e,
  )) as ServiceError | undefined;
  expect(error, "the call was answered").toBeDefined();
  expect(seen.length, "the handler ran").toBe(before);
  return { code: status[(error as ServiceError).code], details: (error as ServiceError).details };
}

function split(token: string): [string, string, string] {
  return token.split(".") as [string, string, string];
}

function encode(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

describe("a forged identity is refused", () => {
  it("no token", async () => {
    expect(await refusal(undefined)).toEqual({
      code: "UNAUTHENTICATED",
      details: "an access token is required (authorization: Bearer …)",
    });
  });

  it("alg none", async () => {
    const [, payload] = split(await issuer.mint(kilisCaseworker, AUDIENCE));
    const unsigned = `${encode({ alg: "none", typ: "at+jwt" })}.${payload}.`;
    expect((await refusal(unsigned)).code).toBe("UNAUTHENTICATED");
  });

  it("HS256 signed with the issuer's public key as the secret", async () => {
    const publicJwk = issuer.jwks.keys[0];
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({
      iss: issuer.issuer,
      aud: AUDIENCE,
      sub: "user-x",
      client_id: "c",
      kopru_kind: "staff",
      kopru_org: "mmcc-kilis",
      roles: ["coordinator"],
      iat: now,
      exp: now + 60,
    })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: publicJwk?.kid })
      .sign(secret);
    expect(await refusal(forged)).toEqual({
      code: "UNAUTHENTICATED",
      details: "the access token's algorithm is not accepted",
    });
  });

  it("expired", async () => {
    const expired = await issuer.mint(kilisCaseworker, AUDIENCE, {
      shiftSeconds: -400,
      lifetimeSeconds: 300,
    });
    expect(await refusal(expired)).toEqual({
      code: "UNAUTHENTICATED",
      details: "the access token has expired",
    });
  });

  it("not yet valid", async () => {
    const early = await issuer.mint(kilisCaseworker, AUDIENCE, { shiftSeconds: 300 });
    expect(await refusal(early)).toEqual({
      code: "UNAUTHENTICATED",
      details: "the access token is not valid yet",
    });
  });

  it("wrong issuer", async () => {
    const token = await issuer.mint(kilisCaseworker, AUDIENCE, { claims: { iss: "https://issuer.example" } });
    expect(await refusal(token)).toEqual({
      code: "UNAUTHENTICATED",
      details: "the access token's iss claim is not accepted",
    });
  });

  it("wrong audience (a token for another service)", async () => {
    const token = await issuer.mint(kilisCaseworker, "urn:kopru:protection");
    expect(await refusal(token)).toEqual({
      code: "UNAUTHENTICATED",
      details: "the access token's aud claim is not accepted",
    });
  });

  it("tampered payload (organisation changed after signing)", async () => {
    const [header, payload, signature] = split(await issuer.mint(kilisCaseworker, AUDIENCE));
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
    const tampered = `${header}.${encode({ ...claims, kopru_org: "protection-org" })}.${signature}`;
    expect(await refusal(tampered)).toEqual({
      code: "UNAUTHENTICATED",
      details: "the access token's signature does not verify",
    });
  });

  it("signed by another issuer's key, even naming this issuer and a known kid", async () => {
    const token = await otherIssuer.mint(kilisCaseworker, AUDIENCE, { claims: { iss: issuer.issuer } });
    const [, payload, signature] = split(token);
    const header = encode({ alg: "ES256", typ: "at+jwt", kid: issuer.jwks.keys[0]?.kid });
    expect(await refusal(`${header}.${payload}.${signature}`)).toEqual({
      code: "UNAUTHENTICATED",
      details: "the access token's signature does not verify",
    });
    expect((await refusal(token)).details).toBe("the access token was not signed by a known key");
  });

  it("an ID token or other JWT presented as an access token (typ)", async () => {
    const token = await issuer.mint(kilisCaseworker, AUDIENCE, { typ: "JWT" });
    expect((await refusal(token)).code).toBe("UNAUTHENTICATED");
  });

  it("a token claiming a lifetime longer than ten minutes", async () => {
    const token = await issuer.mint(kilisCaseworker, AUDIENCE, { lifetimeSeconds: 3600 });
    expect((await refusal(token)).code).toBe("UNAUTHENTICATED");
  });

  it("a key from a fresh key pair with a made-up kid", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ iss: issuer.issuer, aud: AUDIENCE, sub: "s", iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "made-up" })
      .sign(privateKey);
    expect((await refusal(token)).details).toBe("the access token was not signed by a known key");
  });
});

describe("identity comes from the token alone", () => {
  it("ignores kopru-organisation-id, kopru-actor-id and kopru-role metadata naming someone else", async () => {
    const token = await issuer.mint(kilisCaseworker, AUDIENCE);
    const answer = await list(token, {
      "kopru-organisation-id": "protection-org",
      "kopru-actor-id": "someone-else",
      "kopru-role": "coordinator",
    });
    expect(answer.organisations[0]?.organisationId).toBe("mmcc-kilis");
    const caller = seen.at(-1) as CallContext;
    expect(caller).toMatchObject({
      organisationId: "mmcc-kilis",
      actorId: "user-kilis-1",
      roles: ["caseworker"],
      kind: "staff",
      subject: "user-kilis-1",
      clientId: "kopru-test-console",
      via: undefined,
    });
  });

  it("a service relays a user's own verified token; the user's rights apply and the service is named", async () => {
    const service = await issuer.mintService("gateway", AUDIENCE);
    const user = await issuer.mint(kilisCaseworker, AUDIENCE);
    await list(service, { [ON_BEHALF_OF_HEADER]: user });
    expect(seen.at(-1)).toMatchObject({
      organisationId: "mmcc-kilis",
      subject: "user-kilis-1",
      via: "service-gateway",
    });
  });

  it("only a service may relay, and only a verified user token (no confused deputy)", async () => {
    const partner = await issuer.mint({ organisationId: "ngo-hayat" }, AUDIENCE);
    const user = await issuer.mint(kilisCaseworker, AUDIENCE);
    expect((await refusal(partner, { [ON_BEHALF_OF_HEADER]: user })).code).toBe("PERMISSION_DENIED");

    const service = await issuer.mintService("gateway", AUDIENCE);
    const forgedUser = await otherIssuer.mint(kilisCaseworker, AUDIENCE, { claims: { iss: issuer.issuer } });
    expect((await refusal(service, { [ON_BEHALF_OF_HEADER]: forgedUser })).code).toBe("UNAUTHENTICATED");
    const anotherService = await issuer.mintService("intake", AUDIENCE);
    expect((await refusal(service, { [ON_BEHALF_OF_HEADER]: anotherService })).code).toBe(
      "PERMISSION_DENIED",
    );
  });

  it("a relayed token may be the one the user gave the relaying service, never another API's", async () => {
    const gateway = await issuer.mintService("gateway", AUDIENCE);
    const forGateway = await issuer.mint(kilisCaseworker, "urn:kopru:gateway");
    await list(gateway, { [ON_BEHALF_OF_HEADER]: forGateway });
    expect(seen.at(-1)).toMatchObject({ subject: "user-kilis-1", via: "service-gateway" });
    // Accepted through the relay, it is still not this API's own bearer token.
    expect((await refusal(forGateway)).code).toBe("UNAUTHENTICATED");
    // Another service's audience is refused, whoever relays it.
    const forProtection = await issuer.mint(kilisCaseworker, "urn:kopru:protection");
    expect((await refusal(gateway, { [ON_BEHALF_OF_HEADER]: forProtection })).code).toBe("UNAUTHENTICATED");
    const intake = await issuer.mintService("intake", AUDIENCE);
    expect((await refusal(intake, { [ON_BEHALF_OF_HEADER]: forGateway })).code).toBe("UNAUTHENTICATED");
  });

  it("a service's own token names no organisation", async () => {
    await list(await issuer.mintService("gateway", AUDIENCE));
    expect(seen.at(-1)).toMatchObject({ kind: "service", organisationId: undefined, actorId: undefined });
  });
});

describe("a token already verified", () => {
  it("is answered from memory while it lives, and refused once it has expired", async () => {
    let now = Date.now();
    const verifier = new TokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE, now: () => now });
    const token = await issuer.mint(kilisCaseworker, AUDIENCE, { lifetimeSeconds: 60 });
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first);
    now += 60_000 + 28_000;
    expect((await verifier.verify(token)).subject).toBe("user-kilis-1");
    // Seconds past exp + skew, whatever part of a second the token was minted in.
    now += 4_000;
    await expect(verifier.verify(token)).rejects.toThrow("the access token has expired");
    // Not remembered as good any more: a fresh verifier at that time refuses it too, by signature check.
    const fresh = new TokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE, now: () => now });
    await expect(fresh.verify(token)).rejects.toThrow("the access token has expired");
  });

  it("remembers nothing of a refused token", async () => {
    const verifier = new TokenVerifier({ issuer: issuer.issuer, audience: AUDIENCE });
    const wrongAudience = await issuer.mint(kilisCaseworker, "urn:kopru:protection");
    await expect(verifier.verify(wrongAudience)).rejects.toThrow("aud");
    await expect(verifier.verify(wrongAudience)).rejects.toThrow("aud");
  });
});
