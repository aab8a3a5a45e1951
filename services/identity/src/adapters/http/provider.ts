import { PARTNER_API_AUDIENCE, PARTNER_API_SCOPES } from "@kopru/identity-client";
import type { Logger } from "@kopru/observability";
import type { Database } from "@kopru/storage";
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from "oidc-provider";
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
import { isLocale, type Locale, messages, pickLocale } from "./messages.js";
import { errorPage, escapeHtml, htmlPage, PAGE_HEADERS } from "./pages.js";

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
        // The provider's stock pages load web fonts and carry inline script; these are plain,
        // self-contained and in the person's language (see `devicePageLocale`).
        async userCodeInputSource(ctx, form, _out, error) {
          const locale = devicePageLocale(ctx);
          const m = messages(locale).device;
          const chosen = isLocale(ctx.query.lang) ? ctx.query.lang : undefined;
          const input = form
            // A script handler and an English placeholder: the label says what to type.
            .replace(/\s(?:onfocus|placeholder)="[^"]*"/g, "")
            // The language picked here carries on to the confirmation page.
            .replace(/\baction="([^"]*)"/, (_all, action: string) =>
              chosen ? `action="${action}?lang=${chosen}"` : `action="${action}"`,
            )
            .replace(
              "<input\n",
              `<label for="user_code">${escapeHtml(m.code)}</label><input id="user_code" dir="ltr"\n`,
            );
          sendPage(
            ctx,
            htmlPage({
              locale,
              title: m.title,
              languageHref: (other) => `${ctx.path}?lang=${other}`,
              body: `${error ? `<p role="alert" class="error">${escapeHtml(m.invalid)}</p>\n` : ""}<p>${escapeHtml(m.intro)}</p>
${input}
<button type="submit" form="op.deviceInputForm">${escapeHtml(m.continue)}</button>`,
            }),
          );
        },
        async userCodeConfirmSource(ctx, form, client, _deviceInfo, userCode) {
          const locale = devicePageLocale(ctx);
          const m = messages(locale).device;
          const code = `<strong><code dir="ltr">${escapeHtml(userCode)}</code></strong>`;
          const clientId = `<code dir="ltr">${escapeHtml(client.clientId)}</code>`;
          sendPage(
            ctx,
            htmlPage({
              locale,
              title: m.confirmTitle,
              body: `<p>${m.confirm(code, clientId)}</p>
${form}
<button type="submit" form="op.deviceConfirmForm">${escapeHtml(m.continue)}</button>`,
            }),
          );
        },
        async successSource(ctx) {
          const locale = devicePageLocale(ctx);
          const m = messages(locale).device;
          sendPage(ctx, htmlPage({ locale, title: m.doneTitle, body: `<p>${escapeHtml(m.done)}</p>` }));
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
      const locale = pickLocale(ctx.query.lang, ctx.oidc?.params?.ui_locales);
      sendPage(ctx, errorPage(locale, String(out.error), String(out.error_description ?? "")));
    },
  };

  const provider = new Provider(options.issuer, configuration);
  provider.on("server_error", (_ctx, error) => logger.error({ err: error }, "identity provider error"));
  return provider;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * The device pages' language: one picked on the code page (`?lang=`, carried to the confirmation),
 * else the `ui_locales` the device asked with, else English.
 */
function devicePageLocale(ctx: KoaContextWithOIDC): Locale {
  const deviceCode = ctx.oidc?.entities.DeviceCode as { params?: Record<string, unknown> } | undefined;
  return pickLocale(ctx.query.lang, ctx.oidc?.params?.ui_locales, deviceCode?.params?.ui_locales);
}

function sendPage(ctx: KoaContextWithOIDC, html: string): void {
  ctx.set(PAGE_HEADERS);
  ctx.body = html;
}
