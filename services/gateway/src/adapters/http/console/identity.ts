import { resumeLogin, type UserTokenSource } from "@kopru/identity-client";
import * as oauth from "oauth4webapi";

// The console's side of the staff login: authorization code with PKCE (S256) at the identity
// service, as the first-party public client `kopru-console`; one refresh token per session, from
// which every service's access token comes (RFC 8707 resource indicators), rotated at each use.

/** The scopes a staff login asks for (as the CLI's): the ID token and the one API scope. */
const USER_SCOPE = "openid api";

export interface ConsoleIdentityOptions {
  issuer: string;
  clientId: string;
  /** `<public URL>/console/auth/callback`. */
  redirectUri: string;
  /** Every API the console calls; the first one's token comes with the code exchange. */
  audiences: readonly string[];
}

interface Issuer {
  as: oauth.AuthorizationServer;
  options: { [oauth.allowInsecureRequests]: boolean };
}

/** The identity service as the console's login needs it; discovery is read once (retried on failure). */
export class ConsoleIdentity {
  readonly #options: ConsoleIdentityOptions;
  readonly #client: oauth.Client;
  #issuer: Promise<Issuer> | undefined;

  constructor(options: ConsoleIdentityOptions) {
    this.#options = options;
    this.#client = { client_id: options.clientId, id_token_signed_response_alg: "ES256" };
  }

  get audiences(): readonly string[] {
    return this.#options.audiences;
  }

  #discover(): Promise<Issuer> {
    if (!this.#issuer) {
      const url = new URL(this.#options.issuer);
      const options = { [oauth.allowInsecureRequests]: url.protocol === "http:" };
      this.#issuer = oauth
        .discoveryRequest(url, { ...options, algorithm: "oidc" })
        .then((response) => oauth.processDiscoveryResponse(url, response))
        .then((as) => ({ as, options }));
      this.#issuer.catch(() => {
        this.#issuer = undefined;
      });
    }
    return this.#issuer;
  }

  /** Where the browser goes to log in: the authorization request with PKCE, state and every audience. */
  async authorizationUrl(login: { state: string; verifier: string; lang: string }): Promise<URL> {
    const { as } = await this.#discover();
    if (!as.authorization_endpoint) throw new Error("the issuer has no authorization endpoint");
    const url = new URL(as.authorization_endpoint);
    url.searchParams.set("client_id", this.#options.clientId);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("redirect_uri", this.#options.redirectUri);
    url.searchParams.set("scope", USER_SCOPE);
    url.searchParams.set("state", login.state);
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(login.verifier));
    url.searchParams.set("code_challenge_method", "S256");
    url.searchParams.set("ui_locales", login.lang);
    for (const audience of this.#options.audiences) url.searchParams.append("resource", audience);
    return url;
  }

  /** The code exchange: the first audience's access token and the session's refresh token. */
  async exchange(
    callback: URL,
    login: { state: string; verifier: string },
  ): Promise<{ accessToken: string; refreshToken: string }> {
    const { as, options } = await this.#discover();
    const params = oauth.validateAuthResponse(as, this.#client, callback, login.state);
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      this.#client,
      oauth.None(),
      params,
      this.#options.redirectUri,
      login.verifier,
      { ...options, additionalParameters: { resource: this.#options.audiences[0] as string } },
    );
    const tokens = await oauth.processAuthorizationCodeResponse(as, this.#client, response);
    if (!tokens.refresh_token) throw new Error("the identity service gave no refresh token");
    return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
  }

  /**
   * A session's access tokens, one per audience, cached until shortly before they expire; refreshes
   * of one session run one at a time with the latest refresh token, which `onRotate` keeps.
   */
  tokens(
    refreshToken: string,
    subject: string,
    onRotate: (refreshToken: string) => void,
  ): Promise<UserTokenSource> {
    return resumeLogin({
      issuer: this.#options.issuer,
      clientId: this.#options.clientId,
      refreshToken,
      subject,
      onRefreshToken: onRotate,
    });
  }

  /** Revokes a session's refresh token (and with it the tokens it would give). Best effort. */
  async revoke(refreshToken: string): Promise<void> {
    const { as, options } = await this.#discover();
    const response = await oauth.revocationRequest(as, this.#client, oauth.None(), refreshToken, {
      ...options,
      additionalParameters: { token_type_hint: "refresh_token" },
    });
    await oauth.processRevocationResponse(response);
  }
}
