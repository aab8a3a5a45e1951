import * as oauth from "oauth4webapi";
import { tokenError } from "./client-credentials.js";
import { TokenRequestError } from "./errors.js";
import { type IssuerContext, throwIfRateLimited } from "./http.js";
import { cachingTokenSource, type TokenSource } from "./token-source.js";

/** The scopes a staff login asks for: the ID token, and the one API scope every Köprü API accepts. */
export const USER_SCOPE = "openid api";

export interface UserTokenSource extends TokenSource {
  /** The staff user's id (`sub`). */
  readonly subject: string;
  /** The latest refresh token (it changes at each use), for a tool that keeps the login between runs. */
  refreshToken(): string | undefined;
}

/**
 * A staff login's tokens: the first from the login itself, every other audience (and every renewal)
 * from the refresh token. The provider rotates a public client's refresh token on each use, so
 * refreshes run one at a time and always with the latest one.
 */
export function userTokenSource(
  context: IssuerContext,
  client: oauth.Client,
  first:
    | { audience: string; response: oauth.TokenEndpointResponse }
    | { refreshToken: string; subject: string; onRefreshToken?: (refreshToken: string) => void },
): UserTokenSource {
  let refreshToken = "response" in first ? first.response.refresh_token : first.refreshToken;
  const onRefreshToken = "response" in first ? undefined : first.onRefreshToken;
  const subject =
    "response" in first ? String(oauth.getValidatedIdTokenClaims(first.response)?.sub ?? "") : first.subject;
  let queue: Promise<unknown> = Promise.resolve();
  const source = cachingTokenSource((audience) => {
    const run = queue.then(async () => {
      if (!refreshToken) throw new TokenRequestError("the login gave no refresh token; log in again");
      const response = await oauth.refreshTokenGrantRequest(context.as, client, oauth.None(), refreshToken, {
        ...context.requestOptions,
        additionalParameters: { resource: audience },
      });
      throwIfRateLimited(response, "refresh");
      let result: oauth.TokenEndpointResponse;
      try {
        result = await oauth.processRefreshTokenResponse(context.as, client, response);
      } catch (error) {
        throw tokenError(error, `no token for ${audience}`);
      }
      if (result.refresh_token) {
        refreshToken = result.refresh_token;
        onRefreshToken?.(refreshToken);
      }
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  });
  if ("response" in first) source.remember(first.audience, first.response);
  return { subject, token: (audience) => source.token(audience), refreshToken: () => refreshToken };
}
