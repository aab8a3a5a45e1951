import * as oauth from "oauth4webapi";
import { Browser, isLoginPage } from "./browser.js";
import { tokenError } from "./client-credentials.js";
import { LoginFlowError } from "./errors.js";
import { discover, type IssuerOptions, throwIfRateLimited } from "./http.js";
import { USER_SCOPE, type UserTokenSource, userTokenSource } from "./user-session.js";

export interface PasswordLoginOptions extends IssuerOptions {
  /** A first-party public client (the CLI's), registered with `redirectUri`. */
  clientId: string;
  username: string;
  password: string;
  /** Every API the session will call; the first one's token comes with the login. */
  audiences: readonly string[];
  /** Default `http://127.0.0.1/callback` (a loopback URI: never listened on, only read). */
  redirectUri?: string;
}

/**
 * Logs a staff user in non-interactively: authorization code with PKCE (S256), walking the provider's
 * own login form over HTTP (so lockout and rate limits apply as to anyone), then the code exchange.
 * Returns a token source that gets each audience's token with the refresh token.
 */
export async function passwordLogin(options: PasswordLoginOptions): Promise<UserTokenSource> {
  const [firstAudience] = options.audiences;
  if (!firstAudience) throw new TypeError("passwordLogin needs at least one audience");
  const context = await discover(options);
  const { as, requestOptions } = context;
  const client: oauth.Client = { client_id: options.clientId, id_token_signed_response_alg: "ES256" };
  const redirectUri = options.redirectUri ?? "http://127.0.0.1/callback";
  if (!as.authorization_endpoint) throw new LoginFlowError("the issuer has no authorization endpoint");

  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const authorize = new URL(as.authorization_endpoint);
  authorize.searchParams.set("client_id", options.clientId);
  authorize.searchParams.set("response_type", "code");
  authorize.searchParams.set("redirect_uri", redirectUri);
  authorize.searchParams.set("scope", USER_SCOPE);
  authorize.searchParams.set("state", state);
  authorize.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
  authorize.searchParams.set("code_challenge_method", "S256");
  for (const audience of options.audiences) authorize.searchParams.append("resource", audience);

  const toRedirectUri = (url: URL) => url.href.startsWith(redirectUri);
  const browser = new Browser(context.fetch);
  let step = await browser.go(authorize, {}, toRedirectUri);
  if (step.page) {
    if (!isLoginPage(step.page)) {
      throw new LoginFlowError(
        `expected the login form, got status ${step.page.status} at ${step.page.url.pathname}`,
      );
    }
    step = await browser.logIn(step.page, options.username, options.password, toRedirectUri);
  }
  if (!step.redirectedTo) {
    throw new LoginFlowError(`the login ended at ${step.page?.url.pathname} (status ${step.page?.status})`);
  }

  let callback: URLSearchParams;
  try {
    callback = oauth.validateAuthResponse(as, client, step.redirectedTo, state);
  } catch (error) {
    throw tokenError(error, "the authorization was refused");
  }
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    callback,
    redirectUri,
    verifier,
    {
      ...requestOptions,
      additionalParameters: { resource: firstAudience },
    },
  );
  throwIfRateLimited(response, "code exchange");
  let tokens: oauth.TokenEndpointResponse;
  try {
    tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
  } catch (error) {
    throw tokenError(error, "the code exchange failed");
  }
  return userTokenSource(context, client, { audience: firstAudience, response: tokens });
}
