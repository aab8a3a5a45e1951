import type { Metadata } from "@grpc/grpc-js";
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from "jose";
import { PermissionDeniedError } from "./errors.js";

// Who is calling is what a verified access token says, and nothing else: the kit never reads an
// identity the caller sets itself. Tokens follow RFC 9068 (`typ: at+jwt`) with Köprü's claims
// (ADR 0012): `kopru_kind`, `kopru_org`, `roles`, `kopru_service`, `client_id`.

export type CallerKind = "staff" | "partner-system" | "service";

/** What one verified access token says about its holder. */
export interface VerifiedIdentity {
  /** `sub`: the staff user's id, or the client id for a client-credentials token. */
  subject: string;
  clientId: string;
  kind: CallerKind;
  organisationId: string | undefined;
  roles: readonly string[];
  /** The service's name, for a service identity. */
  service: string | undefined;
  tokenId: string | undefined;
  /** `exp`, seconds since the epoch. */
  expiresAt: number;
  /** OAuth scopes the token grants (`scope`, space-separated; `scp` as an array for external issuers). */
  scopes: readonly string[];
}

/** No token, or one that does not verify: gRPC UNAUTHENTICATED, HTTP 401. */
export class UnauthenticatedError extends Error {
  override readonly name = "UnauthenticatedError";
  readonly code = "unauthenticated";
}

/** How an issuer's claims map onto Köprü's, so an external issuer (Keycloak, Entra ID) can be used. */
export interface ClaimMapping {
  /** Claim holding the organisation id (dotted path allowed). Default `kopru_org`. */
  organisation: string;
  /** Claim holding the roles array (dotted path, e.g. `realm_access.roles`). Default `roles`. */
  roles: string;
  /** Claim holding the caller kind. Default `kopru_kind`; absent → staff unless `sub` is the client. */
  kind: string;
}

export const DEFAULT_CLAIMS: ClaimMapping = { organisation: "kopru_org", roles: "roles", kind: "kopru_kind" };

/** Asymmetric algorithms only: an HS256 token "signed" with a public key must never verify. */
export const DEFAULT_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"] as const;

/** Longest lifetime an access token may claim (`exp` − `iat`), plus the clock skew allowed. */
export const MAX_TOKEN_LIFETIME_SECONDS = 600;

export interface TokenVerifierOptions {
  issuer: string;
  /** The audience this API accepts, e.g. `urn:kopru:intake`. */
  audience: string;
  /** Where the signing keys are; default: `jwks_uri` from the issuer's discovery document. */
  jwksUri?: string | undefined;
  algorithms?: readonly string[];
  clockToleranceSeconds?: number;
  claims?: Partial<ClaimMapping>;
  /**
   * Accepted `typ` headers. Default only `at+jwt` (RFC 9068), so an ID token cannot pass for an
   * access token; an external issuer that writes `JWT` (Keycloak, Entra ID) is allowed explicitly.
   */
  tokenTypes?: readonly string[];
  /** A key set held in memory instead of a remote JWKS (a test issuer's). */
  keys?: JWTVerifyGetKey;
  /** Milliseconds since the epoch; the system clock when not given (tests move it). */
  now?: () => number;
}

/** How many verified tokens are remembered at once (a caller reuses its token for minutes). */
const VERIFIED_CACHE_SIZE = 10_000;

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** `application/at+jwt` and `at+jwt` are the same type (RFC 8725 §3.11), in any case. */
function mediaType(typ: string): string {
  return typ.toLowerCase().replace(/^application\//, "");
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === "string") return payload.scope.split(" ").filter((s) => s !== "");
  if (Array.isArray(payload.scp)) return payload.scp.filter((s): s is string => typeof s === "string");
  return [];
}

const KINDS: readonly CallerKind[] = ["staff", "partner-system", "service"];

/** Why a token was refused, in words safe to send back (never the token or its claims). */
function refusal(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "the access token has expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "nbf" || error.claim === "iat") return "the access token is not valid yet";
    return `the access token's ${error.claim} claim is not accepted`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "the access token's algorithm is not accepted";
  if (error instanceof joseErrors.JWKSNoMatchingKey) return "the access token was not signed by a known key";
  if (error instanceof joseErrors.JWSSignatureVerificationFailed)
    return "the access token's signature does not verify";
  if (error instanceof UnauthenticatedError) return error.message;
  return "the access token is malformed or cannot be verified";
}

/**
 * Verifies access tokens for one API: signature against the issuer's JWKS (cached by jose and
 * fetched again when a token names a key it has not seen, which is how a rotated key is picked
 * up), `typ`, `iss`, `aud`, `exp`/`nbf` with a small clock skew, a bounded lifetime and an
 * algorithm allow-list.
 */
export class TokenVerifier {
  readonly #options: TokenVerifierOptions;
  readonly #claims: ClaimMapping;
  #keys: Promise<JWTVerifyGetKey> | undefined;
  /**
   * Tokens already verified, by their exact text: a caller sends the same token on every call until
   * it renews it, and checking its signature again proves nothing new. Only time can change the
   * answer, so a remembered token is still refused once it expires (`exp` plus the skew).
   */
  readonly #verified = new Map<string, VerifiedIdentity>();

  constructor(options: TokenVerifierOptions) {
    this.#options = options;
    this.#claims = { ...DEFAULT_CLAIMS, ...options.claims };
    if (options.keys) this.#keys = Promise.resolve(options.keys);
  }

  get audience(): string {
    return this.#options.audience;
  }

  /**
   * Verifies a token for this API. `alsoAudience` admits one more audience: a user's token relayed
   * by a service may be the one the user gave that service (`urn:kopru:<relaying service>`), since
   * the user sent it there to act for them (ADR 0019). A token is remembered per accepted audience
   * set, so one accepted through a relay is never accepted later as this API's own bearer token.
   */
  async verify(token: string, alsoAudience?: string): Promise<VerifiedIdentity> {
    const options = this.#options;
    const now = options.now?.() ?? Date.now();
    const skew = options.clockToleranceSeconds ?? 30;
    const audiences =
      alsoAudience === undefined || alsoAudience === options.audience
        ? options.audience
        : [options.audience, alsoAudience];
    const cacheKey = typeof audiences === "string" ? token : `${alsoAudience}\n${token}`;
    const known = this.#verified.get(cacheKey);
    if (known) {
      if (known.expiresAt + skew > now / 1000) return known;
      this.#verified.delete(cacheKey);
      throw new UnauthenticatedError("the access token has expired");
    }
    let payload: JWTPayload;
    try {
      const keys = await this.#keySet();
      let protectedHeader: { typ?: string | undefined };
      ({ payload, protectedHeader } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: audiences,
        algorithms: [...(options.algorithms ?? DEFAULT_ALGORITHMS)],
        clockTolerance: skew,
        currentDate: new Date(now),
        requiredClaims: ["exp", "iat", "sub"],
        maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS + (options.clockToleranceSeconds ?? 30),
      }));
      const accepted = (options.tokenTypes ?? ["at+jwt"]).map(mediaType);
      if (!accepted.includes(mediaType(protectedHeader.typ ?? "")))
        throw new UnauthenticatedError("the token is not an access token (typ)");
      if (typeof payload.exp === "number" && typeof payload.iat === "number") {
        if (payload.exp - payload.iat > MAX_TOKEN_LIFETIME_SECONDS)
          throw new UnauthenticatedError("the access token lives longer than this network accepts");
      }
    } catch (error) {
      if (error instanceof DiscoveryError) throw error;
      throw new UnauthenticatedError(refusal(error));
    }
    const identity = this.#identity(payload);
    // Oldest first out: a Map keeps insertion order.
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.#verified.keys().next().value;
      if (oldest !== undefined) this.#verified.delete(oldest);
    }
    this.#verified.set(cacheKey, identity);
    return identity;
  }

  #identity(payload: JWTPayload): VerifiedIdentity {
    const subject = payload.sub as string;
    const clientId = text(payload.client_id) ?? text(payload.azp) ?? subject;
    const claimedKind = text(claimAt(payload, this.#claims.kind));
    let kind: CallerKind;
    if (claimedKind === undefined) kind = subject === clientId ? "partner-system" : "staff";
    else if ((KINDS as readonly string[]).includes(claimedKind)) kind = claimedKind as CallerKind;
    else throw new UnauthenticatedError(`the access token's caller kind ${claimedKind} is not known`);
    const roles = claimAt(payload, this.#claims.roles);
    return {
      subject,
      clientId,
      kind,
      organisationId: text(claimAt(payload, this.#claims.organisation)),
      roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [],
      service: kind === "service" ? text(payload.kopru_service) : undefined,
      tokenId: text(payload.jti),
      expiresAt: payload.exp as number,
      scopes: scopesOf(payload),
    };
  }

  #keySet(): Promise<JWTVerifyGetKey> {
    this.#keys ??= this.#remoteKeySet().catch((error: unknown) => {
      // A discovery that failed (issuer not up yet) is tried again on the next call.
      this.#keys = undefined;
      throw error;
    });
    return this.#keys;
  }

  async #remoteKeySet(): Promise<JWTVerifyGetKey> {
    const jwksUri = this.#options.jwksUri ?? (await discoverJwksUri(this.#options.issuer));
    // Refetch on an unknown kid at most every 5 s: a rotation is seen at once, a flood of tokens
    // naming made-up kids cannot turn into a flood of requests to the issuer.
    return createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: 5_000, cacheMaxAge: 10 * 60_000 });
  }
}

/** The issuer's discovery document could not be read: the service cannot verify anything yet. */
export class DiscoveryError extends Error {
  override readonly name = "DiscoveryError";
  readonly code = "unavailable";
}

export async function discoverJwksUri(issuer: string): Promise<string> {
  const where = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let document: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const response = await fetch(where, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    document = (await response.json()) as typeof document;
  } catch (error) {
    throw new DiscoveryError(
      `cannot read the issuer's discovery document at ${where}: ${(error as Error).message}`,
    );
  }
  if (document.issuer !== issuer) {
    throw new DiscoveryError(`the discovery document at ${where} names issuer ${String(document.issuer)}`);
  }
  if (typeof document.jwks_uri !== "string") throw new DiscoveryError(`no jwks_uri in ${where}`);
  return document.jwks_uri;
}

/** The identity a call runs as, and who relayed it when a service acts for a user. */
export interface AuthenticatedCall {
  /** Whose rights apply: the bearer, or the user a service acts for. */
  identity: VerifiedIdentity;
  /** The bearer's client when it relayed another identity (`kopru-on-behalf-of`). */
  via: VerifiedIdentity | undefined;
}

/** `urn:kopru:<service>`, the audience of a Köprü service's API (as `serviceAudience` of the client). */
function serviceAudienceOf(service: string): string {
  return `urn:kopru:${service}`;
}

export const AUTHORIZATION_HEADER = "authorization";
export const ON_BEHALF_OF_HEADER = "kopru-on-behalf-of";

function bearer(metadata: Metadata, key: string, scheme: boolean): string | undefined {
  const values = metadata.get(key);
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new UnauthenticatedError(`only one ${key} value is accepted`);
  const value = values[0];
  if (typeof value !== "string") throw new UnauthenticatedError(`${key} must be text`);
  if (!scheme) return value;
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(value);
  if (!match) throw new UnauthenticatedError(`${key} must be "Bearer <access token>"`);
  return match[1];
}

/**
 * The identity of one call: the bearer token, and — only when the bearer is a service — the user
 * it acts for, whose own token travels beside it and is verified just the same, so a service
 * cannot be talked into using its rights for someone else (no confused deputy).
 */
export async function authenticateCall(
  verifier: TokenVerifier,
  metadata: Metadata,
): Promise<AuthenticatedCall> {
  const token = bearer(metadata, AUTHORIZATION_HEADER, true);
  if (token === undefined)
    throw new UnauthenticatedError("an access token is required (authorization: Bearer …)");
  const identity = await verifier.verify(token);
  const relayed = bearer(metadata, ON_BEHALF_OF_HEADER, false);
  if (relayed === undefined) return { identity, via: undefined };
  if (identity.kind !== "service")
    throw new PermissionDeniedError("only a service may act on behalf of another caller");
  // The user's token may be for this API or for the relaying service's own (ADR 0019).
  const user = await verifier.verify(
    relayed,
    identity.service === undefined ? undefined : serviceAudienceOf(identity.service),
  );
  if (user.kind === "service")
    throw new PermissionDeniedError("a service cannot act on behalf of another service");
  return { identity: user, via: identity };
}
