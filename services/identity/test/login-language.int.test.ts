import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MESSAGES } from "../src/adapters/http/messages.js";
import { CLI_CLIENT, type Harness, REDIRECT_URI, startHarness } from "./harness.js";

/** Just enough of a browser: one cookie jar for the issuer's host, redirects followed by hand. */
class Visitor {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async go(path: string, init: { form?: Record<string, string> } = {}): Promise<Response> {
    const response = await fetch(new URL(path, this.base), {
      method: init.form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "),
        ...(init.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form) } : {}),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }

  /** Starts an authorization request and answers the path of its login page. */
  async authorize(uiLocales?: string): Promise<string> {
    const verifier = randomBytes(32).toString("base64url");
    const query = new URLSearchParams({
      client_id: CLI_CLIENT,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: "openid api",
      state: randomBytes(8).toString("hex"),
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
      resource: "urn:kopru:intake",
      ...(uiLocales ? { ui_locales: uiLocales } : {}),
    });
    const response = await this.go(`/auth?${query}`);
    expect(response.status).toBe(303);
    const location = response.headers.get("location") ?? "";
    expect(location).toMatch(/^\/interaction\/[\w-]+$/);
    return location;
  }
}

const htmlOf = async (response: Response) => {
  const html = await response.text();
  return { html, lang: /<html lang="(\w+)" dir="(\w+)">/.exec(html)?.slice(1) };
};

describe("the login page's language", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ storage: "pglite" });
  });
  afterAll(() => h?.close());

  it("follows ui_locales, switches by link within the interaction, and keeps the language on a refusal", async () => {
    const visitor = new Visitor(h.issuer);
    const login = await visitor.authorize("ar-SY en");
    const page = await visitor.go(login);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(/^default-src 'none'; style-src 'sha256-/);
    const arabic = await htmlOf(page);
    expect(arabic.lang).toEqual(["ar", "rtl"]);
    expect(arabic.html).toContain(MESSAGES.ar.login.title);
    expect(arabic.html).toContain(`href="${login}?lang=tr"`);

    // The switch is a plain link to the same interaction.
    const turkish = await htmlOf(await visitor.go(`${login}?lang=tr`));
    expect(turkish.lang).toEqual(["tr", "ltr"]);
    expect(turkish.html).toContain(MESSAGES.tr.login.submit);

    // A refusal answers in the language the form was in, however it failed.
    const refused = await visitor.go(`${login}/login`, {
      form: { lang: "tr", username: "ayse.caseworker", password: "not-the-password" },
    });
    expect(refused.status).toBe(401);
    const refusal = await htmlOf(refused);
    expect(refusal.lang).toEqual(["tr", "ltr"]);
    expect(refusal.html).toContain(MESSAGES.tr.login.failed);
    // A form without its language (an older page) falls back to ui_locales.
    const unknown = await htmlOf(
      await visitor.go(`${login}/login`, { form: { username: "nobody.here", password: "whatever" } }),
    );
    expect(unknown.lang).toEqual(["ar", "rtl"]);
    expect(unknown.html).toContain(MESSAGES.ar.login.failed);

    // The right password goes on to the client's redirect URI with a code.
    let response = await visitor.go(`${login}/login`, {
      form: { lang: "ar", username: "ayse.caseworker", password: h.password("ayse.caseworker") },
    });
    for (let hops = 0; hops < 5 && response.status === 303; hops++) {
      const location = response.headers.get("location") ?? "";
      if (location.startsWith(REDIRECT_URI)) break;
      response = await visitor.go(location);
    }
    const callback = new URL(response.headers.get("location") ?? "", h.issuer);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("code")).toEqual(expect.any(String));
  });

  it("is English without ui_locales or with only unsupported languages", async () => {
    for (const uiLocales of [undefined, "fr de-AT"]) {
      const visitor = new Visitor(h.issuer);
      const page = await htmlOf(await visitor.go(await visitor.authorize(uiLocales)));
      expect(page.lang).toEqual(["en", "ltr"]);
      expect(page.html).toContain(MESSAGES.en.login.title);
    }
  });

  it("translates the error page of a request that cannot go on", async () => {
    const visitor = new Visitor(h.issuer);
    const response = await visitor.go("/auth?client_id=nobody-here&response_type=code&ui_locales=tr");
    expect(response.status).toBe(400);
    expect(response.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
    const page = await htmlOf(response);
    expect(page.lang).toEqual(["tr", "ltr"]);
    expect(page.html).toContain(MESSAGES.tr.error.title);
    expect(page.html).toContain('<code dir="ltr">invalid_client</code>');
  });

  it("translates the device code page, carries the choice to its form, and drops the stock script", async () => {
    const visitor = new Visitor(h.issuer);
    const english = await visitor.go("/device");
    expect(english.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
    expect((await htmlOf(english)).lang).toEqual(["en", "ltr"]);
    const arabic = await htmlOf(await visitor.go("/device?lang=ar"));
    expect(arabic.lang).toEqual(["ar", "rtl"]);
    expect(arabic.html).toContain(`<label for="user_code">${MESSAGES.ar.device.code}</label>`);
    expect(arabic.html).toContain(`action="${h.issuer}/device?lang=ar"`);
    expect(arabic.html).not.toMatch(/\sonfocus=|placeholder=|<script/);
    // A wrong code: the confirmation step answers with the input page again, in Arabic.
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(arabic.html)?.[1] ?? "";
    const wrong = await htmlOf(
      await visitor.go("/device?lang=ar", { form: { xsrf, user_code: "BCDF-GHJK" } }),
    );
    expect(wrong.lang).toEqual(["ar", "rtl"]);
    expect(wrong.html).toContain(MESSAGES.ar.device.invalid);
  });
});
