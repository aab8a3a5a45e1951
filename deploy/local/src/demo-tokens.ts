import { SERVICE_NAMES } from "@kopru/cli";
import { passwordLogin, type UserTokenSource } from "@kopru/identity-client";
import { type ClientCaller, serviceAudience, type TokenSource } from "@kopru/service-kit";
import type { DemoLogin } from "./identities.js";

export class NoDemoLoginError extends Error {
  override readonly name = "NoDemoLoginError";
}

/**
 * Tokens for whoever the demo seed plays: each caller (an organisation and a role) is one of the
 * demo logins, logged in once through the identity service's own login (authorization code with
 * PKCE), then a token per service from its refresh token. The seed proves nothing the CLI could not.
 */
export function demoTokens(options: {
  issuer: string;
  ca: Buffer;
  clientId: string;
  logins: readonly DemoLogin[];
}): TokenSource {
  const sessions = new Map<string, Promise<UserTokenSource>>();
  const audiences = SERVICE_NAMES.map(serviceAudience);
  const loginFor = (caller: ClientCaller): DemoLogin => {
    const role = caller.role ?? caller.roles?.[0] ?? "caseworker";
    const ofOrganisation = options.logins.filter((l) => l.organisationId === caller.organisationId);
    const login = ofOrganisation.find((l) => l.roles.includes(role)) ?? ofOrganisation[0];
    if (!login)
      throw new NoDemoLoginError(`no demo login for ${caller.organisationId ?? "(no organisation)"}`);
    return login;
  };
  return async (caller, audience) => {
    const login = loginFor(caller);
    let session = sessions.get(login.username);
    if (!session) {
      session = passwordLogin({
        issuer: options.issuer,
        ca: options.ca,
        clientId: options.clientId,
        username: login.username,
        password: login.password,
        audiences,
      });
      sessions.set(login.username, session);
      session.catch(() => sessions.delete(login.username));
    }
    return (await session).token(audience);
  };
}
