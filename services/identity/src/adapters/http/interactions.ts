import type { Logger } from "@kopru/observability";
import type { Database } from "@kopru/storage";
import type { FastifyInstance } from "fastify";
import type Provider from "oidc-provider";
import { authenticate } from "../../application/authenticate.js";
import { loginPage } from "./login-page.js";
import { pickLocale } from "./messages.js";
import { PAGE_HEADERS } from "./pages.js";

export interface InteractionRoutesOptions {
  db: Database;
  logger: Logger;
  provider: () => Provider;
  /** Login form submissions per client IP per minute. */
  loginRateLimit: number;
}

/**
 * The provider's interactions as Fastify routes: the login form, and consent, which only
 * first-party clients (the CLI, the console) are granted, automatically.
 */
export async function interactionRoutes(app: FastifyInstance, options: InteractionRoutesOptions) {
  const { db, logger } = options;

  // The page's language: one picked with the page's language switch, else the first supported tag
  // of the authorization request's `ui_locales`, else English.
  app.get<{ Params: { uid: string }; Querystring: { lang?: unknown } }>(
    "/interaction/:uid",
    async (request, reply) => {
      const provider = options.provider();
      const details = await provider.interactionDetails(request.raw, reply.raw);
      if (details.prompt.name === "login") {
        const locale = pickLocale(request.query.lang, details.params.ui_locales);
        return reply.headers(PAGE_HEADERS).send(loginPage({ uid: details.uid, locale }));
      }
      if (details.prompt.name !== "consent") {
        return reply.code(400).send({ error: "unsupported_interaction" });
      }
      const clientId = String(details.params.client_id);
      const client = await provider.Client.find(clientId);
      const accountId = details.session?.accountId;
      if (client?.kopru_kind !== "first-party" || !accountId) {
        const to = await provider.interactionResult(request.raw, reply.raw, {
          error: "access_denied",
          error_description: "only first-party clients act for staff",
        });
        return reply.redirect(to, 303);
      }
      const grant = details.grantId
        ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
        : new provider.Grant({ accountId, clientId });
      const missing = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(" "));
      }
      const grantId = await grant.save();
      const to = await provider.interactionResult(
        request.raw,
        reply.raw,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
      return reply.redirect(to, 303);
    },
  );

  app.post<{ Params: { uid: string }; Body: { username?: unknown; password?: unknown; lang?: unknown } }>(
    "/interaction/:uid/login",
    { config: { rateLimit: { max: options.loginRateLimit, timeWindow: 60_000 } } },
    async (request, reply) => {
      const provider = options.provider();
      const details = await provider.interactionDetails(request.raw, reply.raw);
      if (details.prompt.name !== "login") return reply.code(400).send({ error: "not_a_login" });
      const username = typeof request.body?.username === "string" ? request.body.username.trim() : "";
      const password = typeof request.body?.password === "string" ? request.body.password : "";
      const result =
        username && password
          ? await authenticate(db, username, password)
          : { ok: false as const, reason: "invalid" };
      if (!result.ok) {
        // The reason, never the username or password: a username typed into the password field
        // would otherwise end up in the log.
        logger.info({ event: "login_failed", reason: result.reason }, "staff login refused");
        const locale = pickLocale(request.body?.lang, details.params.ui_locales);
        return reply
          .code(401)
          .headers(PAGE_HEADERS)
          .send(loginPage({ uid: details.uid, locale, failed: true, username }));
      }
      logger.info({ event: "login", user_id: result.userId }, "staff login");
      const to = await provider.interactionResult(
        request.raw,
        reply.raw,
        { login: { accountId: result.userId } },
        { mergeWithLastSubmission: false },
      );
      return reply.redirect(to, 303);
    },
  );
}
