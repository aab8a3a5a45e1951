import type { PartnerApiScope } from "@kopru/identity-client";
import { DiscoveryError, type TokenVerifier, type VerifiedIdentity } from "@kopru/service-kit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { gatewayProblem } from "./problems.js";

/** Who calls the partner API: the verified token, kept whole to relay to the services. */
export interface PartnerCaller {
  identity: VerifiedIdentity;
  organisationId: string;
  /** The access token as the caller sent it, relayed to the services (`kopru-on-behalf-of`). */
  token: string;
}

declare module "fastify" {
  interface FastifyRequest {
    caller: PartnerCaller | undefined;
  }
  interface FastifyContextConfig {
    /** The scope a partner system's token needs for this route. */
    scope?: PartnerApiScope;
    /** Served without a token (health, the OpenAPI document, the docs page, problem types). */
    public?: boolean;
    /** A staff console route: its own cookie session (console/), never a partner's bearer token. */
    console?: boolean;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** The verified caller of a route that needs one (every non-public route has one). */
export function callerOf(request: FastifyRequest): PartnerCaller {
  if (!request.caller) throw gatewayProblem("unauthenticated", "an access token is required");
  return request.caller;
}

/**
 * Every route but the public ones needs `Authorization: Bearer <token>`: an access token for the
 * partner API (`urn:kopru:gateway`) that verifies locally against the issuer's keys (ADR 0012).
 * A partner system's token must carry the route's scope; a staff member's token (a first-party
 * login) carries none, and the staff member's roles decide at the services, as for every call.
 * Services' own tokens are refused: the gateway is the partners' door, not the services'.
 */
export const authentication = fp<{ verifier: TokenVerifier }>(
  async (app: FastifyInstance, { verifier }) => {
    app.decorateRequest("caller", undefined);
    app.addHook("onRequest", async (request) => {
      const config = request.routeOptions.config;
      if (config.public || config.console || request.routeOptions.url === undefined) return;
      const header = request.headers.authorization;
      const challenge = { "www-authenticate": 'Bearer realm="kopru", error="invalid_token"' };
      if (header === undefined) {
        throw gatewayProblem("unauthenticated", "an access token is required (Authorization: Bearer …)", {
          headers: { "www-authenticate": 'Bearer realm="kopru"' },
        });
      }
      const match = BEARER.exec(header);
      if (!match?.[1])
        throw gatewayProblem("unauthenticated", 'the Authorization header must be "Bearer <access token>"', {
          headers: challenge,
        });
      let identity: VerifiedIdentity;
      try {
        identity = await verifier.verify(match[1]);
      } catch (error) {
        if (error instanceof DiscoveryError)
          throw gatewayProblem("service_unavailable", "the token issuer cannot be reached; try again");
        throw gatewayProblem("unauthenticated", (error as Error).message, { headers: challenge });
      }
      if (identity.kind === "service" || !identity.organisationId) {
        throw gatewayProblem("permission_denied", "the partner API serves organisations' systems and staff");
      }
      const scope = config.scope;
      if (scope && identity.kind === "partner-system" && !identity.scopes.includes(scope)) {
        throw gatewayProblem("insufficient_scope", `this request needs the ${scope} scope`, {
          headers: {
            "www-authenticate": `Bearer realm="kopru", error="insufficient_scope", scope="${scope}"`,
          },
        });
      }
      request.caller = { identity, organisationId: identity.organisationId, token: match[1] };
    });
  },
  { name: "kopru-authentication" },
);
