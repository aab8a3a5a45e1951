import { type Locale, messages } from "./messages.js";
import { escapeHtml, htmlPage } from "./pages.js";

export interface LoginPageOptions {
  uid: string;
  locale: Locale;
  /** The previous attempt failed: one message for every reason (wrong, unknown, locked). */
  failed?: boolean;
  username?: string;
}

/**
 * A plain form: no script, no external assets, labels tied to inputs, the error announced. The
 * language travels with the form (`lang`), and the switch links back to this same interaction.
 */
export function loginPage({ uid, locale, failed = false, username = "" }: LoginPageOptions): string {
  const m = messages(locale).login;
  const path = `/interaction/${encodeURIComponent(uid)}`;
  const alert = failed ? `<p id="login-error" role="alert" class="error">${escapeHtml(m.failed)}</p>\n` : "";
  const described = failed ? ' aria-describedby="login-error" aria-invalid="true"' : "";
  return htmlPage({
    locale,
    title: m.title,
    languageHref: (other) => `${path}?lang=${other}`,
    body: `${alert}<form method="post" action="${escapeHtml(`${path}/login`)}">
<input type="hidden" name="lang" value="${locale}">
<label for="username">${escapeHtml(m.username)}</label>
<input id="username" name="username" type="text" dir="auto" autocomplete="username" required value="${escapeHtml(username)}"${described}>
<label for="password">${escapeHtml(m.password)}</label>
<input id="password" name="password" type="password" dir="auto" autocomplete="current-password" required${described}>
<button type="submit">${escapeHtml(m.submit)}</button>
</form>`,
  });
}
