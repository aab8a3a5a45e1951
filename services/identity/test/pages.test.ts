import { describe, expect, it } from "vitest";
import { loginPage } from "../src/adapters/http/login-page.js";
import { LOCALES, MESSAGES, pickLocale } from "../src/adapters/http/messages.js";
import { errorPage, PAGE_CSP } from "../src/adapters/http/pages.js";

describe("the pages' language", () => {
  it("takes the first supported tag of ui_locales, a region or script subtag aside", () => {
    expect(pickLocale(undefined, "ar")).toBe("ar");
    expect(pickLocale(undefined, "de-DE ar-SY tr")).toBe("ar");
    expect(pickLocale(undefined, "TR-tr en")).toBe("tr");
    expect(pickLocale(undefined, "  fr   en-GB ")).toBe("en");
  });

  it("prefers a language picked on the page, and falls back to English", () => {
    expect(pickLocale("tr", "ar")).toBe("tr");
    expect(pickLocale("xx", "ar")).toBe("ar");
    expect(pickLocale(["tr", "ar"], undefined)).toBe("en");
    expect(pickLocale(undefined, undefined)).toBe("en");
    expect(pickLocale("", "fr de")).toBe("en");
  });
});

describe("the login page", () => {
  it("is Arabic and right-to-left for ar, with every word translated", () => {
    const html = loginPage({ uid: "abc", locale: "ar" });
    expect(html).toContain('<html lang="ar" dir="rtl">');
    for (const text of [MESSAGES.ar.login.title, MESSAGES.ar.login.username, MESSAGES.ar.login.password]) {
      expect(html).toContain(text);
    }
    // Nothing of the English page is left but the languages' own names.
    for (const text of Object.values(MESSAGES.en.login)) expect(html).not.toContain(text);
    expect(html).toContain('<input type="hidden" name="lang" value="ar">');
  });

  it.each(LOCALES)("links to the same interaction in each language (%s)", (locale) => {
    const html = loginPage({ uid: "u/1", locale });
    expect(html).toContain(`<html lang="${locale}" dir="${locale === "ar" ? "rtl" : "ltr"}">`);
    for (const other of LOCALES) {
      expect(html).toContain(`href="/interaction/u%2F1?lang=${other}" lang="${other}" hreflang="${other}"`);
    }
    expect(html).toMatch(new RegExp(`hreflang="${locale}" aria-current="true">`));
    expect(html).toContain('action="/interaction/u%2F1/login"');
    // The first form is the login form: tools that read the page post the first form they find.
    expect(html.match(/<form\b/g)).toHaveLength(1);
    expect(html).not.toMatch(/<script|\son\w+=|https?:\/\//i);
  });

  it("shows one translated message for every failure, tied to the fields, and keeps the username", () => {
    const html = loginPage({ uid: "abc", locale: "tr", failed: true, username: '<b>"x"</b>' });
    expect(html).toContain(`<p id="login-error" role="alert" class="error">${MESSAGES.tr.login.failed}</p>`);
    expect(html.match(/aria-describedby="login-error" aria-invalid="true"/g)).toHaveLength(2);
    expect(html).toContain('value="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"');
  });
});

describe("the error page", () => {
  it("is translated, keeping the provider's own description in English, marked as such", () => {
    const html = errorPage("ar", "invalid_request", "missing required parameter 'client_id'");
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain(MESSAGES.ar.error.title);
    expect(html).toContain('<span lang="en" dir="ltr">missing required parameter &#39;client_id&#39;</span>');
  });
});

it("allows no script and no other origin", () => {
  expect(PAGE_CSP).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; /);
  expect(PAGE_CSP).not.toContain("unsafe");
});
