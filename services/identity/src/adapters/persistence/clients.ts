import type { Sql } from "@kopru/storage";
import type { ClientKind } from "../../domain/token-claims.js";

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
}

export async function findClient(sql: Sql, clientId: string): Promise<OAuthClient | undefined> {
  const { rows } = await sql.query<ClientRow>(
    `SELECT client_id, organisation_id, kind, service_name, auth_method, client_secret, jwks, grant_types,
            redirect_uris
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
  };
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
    // Loopback redirect URIs on any port (RFC 8252) for the CLI; the console uses its own URIs.
    application_type: client.kind === "first-party" && client.authMethod === "none" ? "native" : "web",
    id_token_signed_response_alg: "ES256",
    kopru_kind: client.kind,
    ...(client.organisationId ? { kopru_org: client.organisationId } : {}),
    ...(client.serviceName ? { kopru_service: client.serviceName } : {}),
  };
}
