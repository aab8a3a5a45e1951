import type * as oauth from "oauth4webapi";

/** Gives an access token for an API audience (`urn:kopru:<service>`), fresh enough to use now. */
export interface TokenSource {
  token(audience: string): Promise<string>;
}

/** Renew this long before expiry, so a token handed out still has time to reach the API. */
const RENEW_BEFORE_MS = 30_000;

interface Cached {
  token: string;
  renewAt: number;
}

/**
 * Caches one token per audience until shortly before it expires, and asks for a new one at most once
 * at a time per audience, however many callers wait.
 */
export function cachingTokenSource(
  fetchToken: (audience: string) => Promise<oauth.TokenEndpointResponse>,
  now: () => number = Date.now,
): TokenSource & { remember(audience: string, response: oauth.TokenEndpointResponse): void } {
  const cache = new Map<string, Cached>();
  const inFlight = new Map<string, Promise<string>>();
  const remember = (audience: string, response: oauth.TokenEndpointResponse) => {
    const lifetimeMs = (response.expires_in ?? 60) * 1000;
    const renewAt = now() + Math.max(lifetimeMs - RENEW_BEFORE_MS, lifetimeMs / 2);
    cache.set(audience, { token: response.access_token, renewAt });
  };
  return {
    remember,
    token(audience) {
      const cached = cache.get(audience);
      if (cached && cached.renewAt > now()) return Promise.resolve(cached.token);
      let pending = inFlight.get(audience);
      if (!pending) {
        pending = fetchToken(audience)
          .then((response) => {
            remember(audience, response);
            return response.access_token;
          })
          .finally(() => inFlight.delete(audience));
        inFlight.set(audience, pending);
      }
      return pending;
    },
  };
}
