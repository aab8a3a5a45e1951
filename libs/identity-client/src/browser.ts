import { CookieJar } from "./cookie-jar.js";
import { LoginFailedError, LoginFlowError } from "./errors.js";
import { type Fetch, throwIfRateLimited } from "./http.js";

export interface Page {
  url: URL;
  status: number;
  html: string;
}

const MAX_HOPS = 20;

/**
 * Walks the provider's own pages the way a person's browser would: cookies, redirects, forms. It is
 * not a way around the login: every password goes through the real form, with its lockout and
 * rate limits.
 */
export class Browser {
  readonly #jar = new CookieJar();

  constructor(private readonly fetchFn: Fetch) {}

  /**
   * Requests `url` and follows redirects until a page is reached, or until a redirect leaves for a
   * URL `stopAt` accepts (an OAuth redirect_uri), which is returned without being requested.
   */
  async go(url: URL, init: { method?: string; form?: URLSearchParams } = {}, stopAt?: (url: URL) => boolean) {
    let target = url;
    let method = init.method ?? "GET";
    let body: URLSearchParams | undefined = init.form;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const headers: Record<string, string> = { accept: "text/html" };
      const cookie = this.#jar.header(target);
      if (cookie) headers.cookie = cookie;
      if (body) headers["content-type"] = "application/x-www-form-urlencoded";
      const response = await this.fetchFn(target.href, {
        method,
        headers,
        redirect: "manual",
        ...(body ? { body: body.toString() } : {}),
      });
      this.#jar.store(response, target);
      throwIfRateLimited(response, "login");
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        const next = new URL(location, target);
        if (stopAt?.(next)) return { redirectedTo: next } as const;
        target = next;
        method = "GET";
        body = undefined;
        continue;
      }
      return { page: { url: target, status: response.status, html: await response.text() } } as const;
    }
    throw new LoginFlowError(`more than ${MAX_HOPS} redirects from ${url.origin}`);
  }

  /** Submits the page's first form with its hidden fields, `fields` filled in. */
  submit(page: Page, fields: Record<string, string>, stopAt?: (url: URL) => boolean) {
    const form = parseForm(page.html);
    if (!form) throw new LoginFlowError(`expected a form at ${page.url.pathname} (status ${page.status})`);
    const data = new URLSearchParams({ ...form.fields, ...fields });
    return this.go(new URL(form.action, page.url), { method: "POST", form: data }, stopAt);
  }

  /**
   * On a login page: posts the username and password. A refusal (wrong, unknown or locked: the page
   * does not say which) becomes `LoginFailedError`.
   */
  async logIn(page: Page, username: string, password: string, stopAt?: (url: URL) => boolean) {
    const result = await this.submit(page, { username, password }, stopAt);
    if (result.page?.status === 401) throw new LoginFailedError("the login was refused");
    return result;
  }
}

export function isLoginPage(page: Page): boolean {
  return /<input[^>]*name="password"/.test(page.html);
}

const ATTRIBUTE = (name: string) => new RegExp(`\\b${name}="([^"]*)"`);

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export function parseForm(html: string): { action: string; fields: Record<string, string> } | undefined {
  const match = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!match) return undefined;
  const action = ATTRIBUTE("action").exec(match[1] ?? "")?.[1];
  if (action === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const input of (match[2] ?? "").matchAll(/<input\b([^>]*)>/gi)) {
    const name = ATTRIBUTE("name").exec(input[1] ?? "")?.[1];
    if (!name) continue;
    fields[decodeEntities(name)] = decodeEntities(ATTRIBUTE("value").exec(input[1] ?? "")?.[1] ?? "");
  }
  return { action: decodeEntities(action), fields };
}
