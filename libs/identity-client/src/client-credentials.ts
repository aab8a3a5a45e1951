import { importJWK, type JWK } from "jose";
import * as oauth from "oauth4webapi";
import { TokenRequestError } from "./errors.js";
import { discover, type IssuerOptions, throwIfRateLimited } from "./http.js";
import { cachingTokenSource, type TokenSource } from "./token-source.js";

export type ClientCredentialsOptions = IssuerOptions & {
  clientId: string;
  /**
   * Scopes asked for with every token (the partner API's, `PARTNER_API_SCOPES`). The issuer keeps
   * those the audience knows and the client is registered for; one it is not registered for is
   * refused (`invalid_scope`).
   */
  scopes?: readonly string[];
} & (
    | {
        clientSecret: string;
        /** How the secret travels; the client's registration decides. Default `client_secret_basic`. */
        authMethod?: "client_secret_basic" | "client_secret_post";
        privateKeyJwk?: undefined;
      }
    | {
        /** A private JWK (with `kid` and `alg`) whose public half the client registered (private_key_jwt). */
        privateKeyJwk: JWK;
        clientSecret?: undefined;
      }
  );

async function clientAuthentication(options: ClientCredentialsOptions): Promise<oauth.ClientAuth> {
  if (options.privateKeyJwk) {
    const jwk = options.privateKeyJwk;
    if (!jwk.alg) throw new TypeError("privateKeyJwk needs an alg");
    const key = await importJWK(jwk, jwk.alg);
    if (!(key instanceof CryptoKey)) throw new TypeError("privateKeyJwk must be an asymmetric private key");
    return oauth.PrivateKeyJwt(jwk.kid ? { key, kid: jwk.kid } : { key });
  }
  return options.authMethod === "client_secret_post"
    ? oauth.ClientSecretPost(options.clientSecret)
    : oauth.ClientSecretBasic(options.clientSecret);
}

/**
 * A partner system's or a service's own tokens (OAuth client credentials, RFC 8707 `resource` per
 * audience), each cached until shortly before it expires.
 */
export function clientCredentials(options: ClientCredentialsOptions): TokenSource {
  const client: oauth.Client = { client_id: options.clientId };
  const auth = clientAuthentication(options);
  return cachingTokenSource(async (audience) => {
    const { as, requestOptions } = await discover(options);
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      await auth,
      {
        resource: audience,
        ...(options.scopes && options.scopes.length > 0 ? { scope: options.scopes.join(" ") } : {}),
      },
      requestOptions,
    );
    throwIfRateLimited(response, "client credentials");
    try {
      return await oauth.processClientCredentialsResponse(as, client, response);
    } catch (error) {
      throw tokenError(error, `client ${options.clientId} could not get a token for ${audience}`);
    }
  });
}

export function tokenError(error: unknown, message: string): Error {
  if (error instanceof oauth.ResponseBodyError) {
    return new TokenRequestError(`${message}: ${error.error}`, error.error, { cause: error });
  }
  // A 401 (invalid_client) arrives as a WWW-Authenticate challenge rather than a body.
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const code = error.cause.map((challenge) => challenge.parameters.error).find(Boolean);
    return new TokenRequestError(`${message}: ${code ?? `status ${error.status}`}`, code, { cause: error });
  }
  return new TokenRequestError(message, undefined, { cause: error });
}
