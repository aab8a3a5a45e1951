import type { Sql } from "@kopru/storage";
import { API_SCOPE, type ClientKind } from "../../domain/token-claims.js";

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "none";

export interface OAuthClient {
  clientId: string;
  organisationId: string | null;
  kind: ClientKind;
  serviceName: string | null;
  authMethod: ClientAuthMethod;
  clientSecret: string | null;
  jwks: { keys: object[] } | null;
  grantTypes: string[];
  redirectUris: string[];
  /** Partner API scopes a partner system may ask for; empty for every other client. */
  scopes: string[];
}

interface ClientRow {
  client_id: string;
  organisation_id: string | null;
  kind: ClientKind;
  service_name: string | null;
  auth_method: ClientAuthMethod;
  client_secret: string | null;
  jwks: { keys: object[] } | null;
  grant_types: string[];
  redirect_uris: string[];
  scopes: string[];
}

export async function findClient(sql: Sql, clientId: string): Promise<OAuthClient | undefined> {
  const { rows } = await sql.query<ClientRow>(
    `SELECT client_id, organisation_id, kind, service_name, auth_method, client_secret, jwks, grant_types,
            redirect_uris, scopes
       FROM oauth_clients WHERE client_id = $1`,
    [clientId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    clientId: row.client_id,
    organisationId: row.organisation_id,
    kind: row.kind,
    serviceName: row.service_name,
    authMethod: row.auth_method,
    clientSecret: row.client_secret,
    jwks: row.jwks,
    grantTypes: row.grant_types,
    redirectUris: row.redirect_uris,
    scopes: row.scopes,
  };
}

function isHttpLoopback(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === "http:" && ["127.0.0.1", "[::1]", "localhost"].includes(url.hostname);
  } catch {
    return false;
  }
}

/** The client as oidc-provider's `Client` model reads it (RFC 7591 metadata plus Köprü's own). */
export function clientMetadata(client: OAuthClient): Record<string, unknown> {
  const usesCode = client.grantTypes.includes("authorization_code");
  return {
    client_id: client.clientId,
    ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
    ...(client.jwks ? { jwks: client.jwks } : {}),
    token_endpoint_auth_method: client.authMethod,
    grant_types: client.grantTypes,
    response_types: usesCode ? ["code"] : [],
    redirect_uris: client.redirectUris,
    // Native (RFC 8252: loopback redirects on any port) only for a client whose every redirect is an
    // http loopback URI, as the CLI's are; the console's https callback at the gateway is a web
    // redirect, which the provider refuses for a native client on 127.0.0.1.
    application_type:
      client.kind === "first-party" &&
      client.authMethod === "none" &&
      client.redirectUris.every(isHttpLoopback)
        ? "native"
        : "web",
    id_token_signed_response_alg: "ES256",
    // What the client may ask for: a partner system its partner API scopes, services the one API
    // scope, staff logins that and their ID token. A scope not listed is refused (invalid_scope).
    scope: [
      ...(client.kind === "first-party" ? ["openid", "offline_access"] : []),
      API_SCOPE,
      ...client.scopes,
    ].join(" "),
    kopru_kind: client.kind,
    ...(client.organisationId ? { kopru_org: client.organisationId } : {}),
    ...(client.serviceName ? { kopru_service: client.serviceName } : {}),
  };
}
