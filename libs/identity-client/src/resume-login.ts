import type * as oauth from "oauth4webapi";
import { discover, type IssuerOptions } from "./http.js";
import { type UserTokenSource, userTokenSource } from "./user-session.js";

export interface ResumeLoginOptions extends IssuerOptions {
  clientId: string;
  /** The refresh token a tool kept from an earlier login (`UserTokenSource.refreshToken()`). */
  refreshToken: string;
  subject: string;
  /** Told of every new refresh token (the provider rotates it at each use), so it can be kept. */
  onRefreshToken?: (refreshToken: string) => void;
}

/**
 * A staff login kept between runs of a tool (the CLI): every access token comes from the stored
 * refresh token, which the provider rotates at each use; a revoked or expired one fails the first
 * call with `TokenRequestError`, and the tool asks its user to log in again.
 */
export async function resumeLogin(options: ResumeLoginOptions): Promise<UserTokenSource> {
  const context = await discover(options);
  const client: oauth.Client = { client_id: options.clientId, id_token_signed_response_alg: "ES256" };
  return userTokenSource(context, client, {
    refreshToken: options.refreshToken,
    subject: options.subject,
    ...(options.onRefreshToken ? { onRefreshToken: options.onRefreshToken } : {}),
  });
}
