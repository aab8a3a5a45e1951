import { createHash } from "node:crypto";
import { LOCALES, type Locale, messages } from "./messages.js";

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char,
  );
}

// Logical properties only (inline/block, start/end), so the Arabic pages mirror by `dir` alone.
const STYLE = `
body { font-family: system-ui, sans-serif; max-inline-size: 28rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1b1b1b; background: #fff; }
nav ul { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; margin: 0; padding: 0; justify-content: flex-end; }
a { color: #1a4d8f; }
a[aria-current] { font-weight: 700; text-decoration: none; }
label { display: block; margin-block-start: 1rem; font-weight: 600; }
input { display: block; inline-size: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
button { display: block; margin-block-start: 1.5rem; padding: .6rem 1.2rem; font-size: 1rem; }
.error { border-inline-start: .3rem solid #b00020; padding-inline-start: .6rem; color: #7a0016; }
:focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
`;

/**
 * The Content-Security-Policy of every page this service renders: nothing but its one inline style
 * block (by hash), no script at all, never framed. No `form-action`: Chromium applies it to the
 * redirects that follow a form post, and the login's redirect goes on to each client's own URI.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The headers every page of this service is sent with. */
export const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": PAGE_CSP,
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
} as const;

export interface PageOptions {
  locale: Locale;
  title: string;
  /** The page's HTML inside `<main>`, after its heading. */
  body: string;
  /**
   * Where each language's version of this same page is (plain links: the page stays script-free);
   * without it the page has no language switch.
   */
  languageHref?: (locale: Locale) => string;
}

/** A complete page: language and direction on `<html>`, one `<main>` with one `<h1>`. */
export function htmlPage({ locale, title, body, languageHref }: PageOptions): string {
  const m = messages(locale);
  const switcher = languageHref
    ? `<nav aria-label="${escapeHtml(m.language)}"><ul>
${LOCALES.map((other) => {
  const current = other === locale ? ' aria-current="true"' : "";
  return `<li><a href="${escapeHtml(languageHref(other))}" lang="${other}" hreflang="${other}"${current}>${escapeHtml(messages(other).name)}</a></li>`;
}).join("\n")}
</ul></nav>
`
    : "";
  return `<!doctype html>
<html lang="${locale}" dir="${m.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${switcher}<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

/** What the provider shows when a request cannot go on; its own description stays in English. */
export function errorPage(locale: Locale, error: string, description: string): string {
  const m = messages(locale).error;
  const detail =
    description && description !== error
      ? `<p>${escapeHtml(m.details)} <span lang="en" dir="ltr">${escapeHtml(description)}</span></p>\n`
      : "";
  return htmlPage({
    locale,
    title: m.title,
    body: `<p role="alert">${escapeHtml(m.intro)}</p>
${detail}<p>${escapeHtml(m.code)} <code dir="ltr">${escapeHtml(error)}</code></p>`,
  });
}
