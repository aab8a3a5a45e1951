import { PARTNER_API_AUDIENCE, PARTNER_API_SCOPES } from "@kopru/identity-client";
import type { Logger } from "@kopru/observability";
import type { Database } from "@kopru/storage";
import Provider, { type Configuration, errors } from "oidc-provider";
import { SIGNING_ALG, type SigningKey } from "../../application/signing-keys.js";
import {
  API_SCOPE,
  isAudience,
  kopruClaims,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
} from "../../domain/token-claims.js";
import { findClient } from "../persistence/clients.js";
import { PostgresAdapter } from "../persistence/oidc-adapter.js";
import { findUserById } from "../persistence/users.js";

export interface ProviderOptions {
  issuer: string;
  db: Database;
  logger: Logger;
  cookieKeys: string[];
  accessTokenTtlSeconds: number;
  /** Published keys, the signing (`current`) one first. */
  keys: readonly SigningKey[];
}

const STAFF_SESSION_SECONDS = 12 * 3600;

/**
 * Builds the provider for one set of signing keys. Everything it remembers lives in the database
 * adapter and the signed cookies, so a provider rebuilt with other keys takes over mid-login.
 */
export function buildProvider(options: ProviderOptions): Provider {
  const { db, logger } = options;
  const current = options.keys.find((key) => key.state === "current");
  if (!current) throw new Error("buildProvider needs a current signing key");
  const ttl = Math.min(options.accessTokenTtlSeconds, MAX_ACCESS_TOKEN_TTL_SECONDS);

  const configuration: Configuration = {
    adapter: (model: string) => new PostgresAdapter(db, model),
    jwks: { keys: options.keys.map((key) => key.privateJwk as never) },
    cookies: { keys: options.cookieKeys },
    clientDefaults: { id_token_signed_response_alg: SIGNING_ALG, grant_types: [], response_types: [] },
    extraClientMetadata: { properties: ["kopru_kind", "kopru_org", "kopru_service"] },
    // Authorization code only: no implicit or hybrid flows, which put tokens in browser URLs.
    responseTypes: ["code"],
    scopes: ["openid", "offline_access", API_SCOPE, ...PARTNER_API_SCOPES],
    claims: { openid: ["sub"], profile: ["name"] },
    async findAccount(_ctx, sub) {
      const user = await findUserById(db, sub);
      if (!user?.active) return undefined;
      return { accountId: user.id, claims: () => ({ sub: user.id, name: user.displayName }) };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      deviceFlow: {
        enabled: true,
        // The provider's stock pages load web fonts; these are plain and self-contained.
        async userCodeInputSource(ctx, form, _out, error) {
          ctx.body = page(
            "Connect a device to Köprü",
            `${error ? '<p role="alert">That code is not valid or has expired. Check it and try again.</p>' : ""}
<p>Type the code shown on your device.</p>
${form.replace("<input\n", '<label for="user_code">Code</label><input id="user_code"\n')}
<button type="submit" form="op.deviceInputForm">Continue</button>`,
          );
        },
        async userCodeConfirmSource(ctx, form, client, _deviceInfo, userCode) {
          ctx.body = page(
            "Confirm the device",
            `<p>Check that your device shows the code <strong><code>${escapeHtml(userCode)}</code></strong>,
then continue to sign in for <code>${escapeHtml(client.clientId)}</code>.</p>
${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>`,
          );
        },
        async successSource(ctx) {
          ctx.body = page(
            "Device connected",
            "<p>You are signed in on your device. You can close this page.</p>",
          );
        },
      },
      revocation: { enabled: true },
      // Verifiers check JWTs themselves against the JWKS; nobody needs to ask the provider.
      introspection: { enabled: false },
      registration: { enabled: false },
      resourceIndicators: {
        enabled: true,
        // A token is always for one API: a request naming none is refused rather than guessed.
        defaultResource: (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: () => false,
        getResourceServerInfo(_ctx, resourceIndicator) {
          if (!isAudience(resourceIndicator)) throw new errors.InvalidTarget();
          return {
            // The partner API's scopes exist only on its own tokens (ADR 0019).
            scope:
              resourceIndicator === PARTNER_API_AUDIENCE
                ? [API_SCOPE, ...PARTNER_API_SCOPES].join(" ")
                : API_SCOPE,
            audience: resourceIndicator,
            accessTokenTTL: ttl,
            accessTokenFormat: "jwt",
            // Pinned to the current key: the staged and retired ones are published, never used to sign.
            jwt: { sign: { alg: SIGNING_ALG, kid: current.kid } },
          };
        },
      },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      IdToken: ttl,
      AuthorizationCode: 60,
      DeviceCode: 600,
      Interaction: 3600,
      Session: STAFF_SESSION_SECONDS,
      Grant: STAFF_SESSION_SECONDS,
      // Absolute: a working day from the login, however often it is used.
      RefreshToken: (_ctx, token) =>
        Math.max(1, (token.iat ?? Math.floor(Date.now() / 1000)) + STAFF_SESSION_SECONDS - nowSeconds()),
    },
    // First-party public clients (CLI, console) get a refresh token without asking for
    // offline_access: it is how one login yields a token for each API.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    async extraTokenClaims(_ctx, token) {
      if (token.kind === "ClientCredentials") {
        const client = token.clientId ? await findClient(db, token.clientId) : undefined;
        if (client?.kind === "partner-system" && client.organisationId) {
          return { ...kopruClaims({ kind: "partner-system", organisationId: client.organisationId }) };
        }
        if (client?.kind === "service" && client.serviceName) {
          return { ...kopruClaims({ kind: "service", serviceName: client.serviceName }) };
        }
        throw new errors.UnauthorizedClient("this client may not use client credentials");
      }
      if (!token.accountId) return undefined;
      const user = await findUserById(db, token.accountId);
      if (!user) throw new errors.InvalidGrant("the account no longer exists");
      if (!user.active) throw new errors.InvalidGrant("the account is deactivated");
      return { ...kopruClaims({ kind: "staff", organisationId: user.organisationId, roles: user.roles }) };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = errorPage(String(out.error), String(out.error_description ?? ""));
    },
  };

  const provider = new Provider(options.issuer, configuration);
  provider.on("server_error", (_ctx, error) => logger.error({ err: error }, "identity provider error"));
  return provider;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body { font-family: system-ui, sans-serif; max-inline-size: 28rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; }
label, input, button { display: block; margin-block-start: 1rem; font-size: 1rem; }</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
${body}</main></body></html>`;
}

function errorPage(error: string, description: string): string {
  return page(
    "Sign-in could not continue",
    `<p role="alert">${escapeHtml(description || error)}</p>
<p>Error code: <code>${escapeHtml(error)}</code></p>`,
  );
}
