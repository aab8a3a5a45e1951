import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { provisionIdentities } from "@kopru/identity";
import { CLI_CLIENT_ID, preparePki } from "@kopru/local";
import { openDatabase } from "@kopru/storage";
import { freePort } from "@kopru/testing";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectNoAxeViolations,
  launchBrowser,
  newConsoleContext,
  screenshot,
  webCertificates,
} from "../support/browser.js";
import { type IdentityUnderTest, startIdentity } from "../support/identity.js";
import { trustingFetch } from "../support/partner-api.js";

// The identity service's login page as a person meets it: the real service (its own process, HTTPS
// from the test CA) in Debian's Chromium, reached by an authorization request that asks for Arabic.
// Just the identity service and one browser: nothing else of the network is needed. Set
// E2E_SCREENSHOTS_DIR to keep the pages' screenshots (otherwise they go with the temporary folder).

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const CLIENT_ID = "browser-login-test";
const USERNAME = "leyla.browser";
const PASSWORD = randomBytes(18).toString("base64url");

let dataDir: string;
let identity: IdentityUnderTest;
let browser: Browser;
let context: BrowserContext;
let callback: { server: Server; uri: string };
let screenshots: string;
/** Plain HTTPS calls to the identity service (the device's side), trusting the test CA. */
let trusting: (request: Request) => Promise<Response>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "kopru-e2e-login-"));
  screenshots = process.env.E2E_SCREENSHOTS_DIR ?? join(dataDir, "screenshots");
  const pki = await preparePki(join(dataDir, "pki"));
  trusting = trustingFetch(pki.caFile);
  // The client's redirect URI: a plain page on a port of its own, so the browser really lands there.
  const port = await freePort();
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end('<!doctype html><html lang="en"><title>Signed in</title><main><h1>Signed in</h1></main>');
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  callback = { server, uri: `http://127.0.0.1:${port}/callback` };

  const [started, launched] = await Promise.all([
    startIdentity({
      repoRoot,
      tls: { caFile: pki.caFile, ...pki.identityTls },
      dataDir: join(dataDir, "identity"),
    }),
    launchBrowser({ trust: webCertificates(pki) }),
  ]);
  identity = started;
  browser = launched;
  const db = await openDatabase({ service: "identity", url: identity.databaseUrl });
  try {
    await provisionIdentities(db, {
      organisations: [{ id: "ngo-hayat-browser", name: "Hayat (synthetic)" }],
      users: [
        {
          id: "u-leyla-browser",
          organisationId: "ngo-hayat-browser",
          username: USERNAME,
          displayName: "Leyla (synthetic)",
          password: PASSWORD,
          roles: ["caseworker"],
        },
      ],
      clients: [{ clientId: CLIENT_ID, kind: "first-party", redirectUris: [callback.uri] }],
    });
  } finally {
    await db.close();
  }
  context = await newConsoleContext(browser, { locale: "ar" });
}, 120_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await identity?.close();
  callback?.server.close();
  if (dataDir && !process.env.E2E_SCREENSHOTS_DIR) rmSync(dataDir, { recursive: true, force: true });
});

function authorizationUrl(uiLocales: string): { url: string; state: string } {
  const state = randomBytes(12).toString("base64url");
  const verifier = randomBytes(32).toString("base64url");
  const url = new URL("/auth", identity.issuer);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: "code",
    redirect_uri: callback.uri,
    scope: "openid api",
    state,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    resource: "urn:kopru:intake",
    ui_locales: uiLocales,
  }).toString();
  return { url: url.href, state };
}

async function expectLanguage(page: Page, lang: string, dir: "ltr" | "rtl") {
  const html = page.locator("html");
  await expect.poll(() => html.getAttribute("lang")).toBe(lang);
  expect(await html.getAttribute("dir")).toBe(dir);
}

describe("the identity login page in a browser", () => {
  it("opens in Arabic from ui_locales, passes axe in all three languages, refuses a wrong password in Arabic and signs in", async () => {
    const page = await context.newPage();
    const { url, state } = authorizationUrl("ar");
    // The identity service's certificate is trusted (by its key): no interstitial, no ignored errors.
    const opened = await page.goto(url);
    expect(opened?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toMatch(/^\/interaction\/[\w-]+$/);
    const loginPath = new URL(page.url()).pathname;

    await expectLanguage(page, "ar", "rtl");
    await expect
      .poll(() => page.getByRole("heading", { level: 1 }).textContent())
      .toBe("تسجيل الدخول إلى Köprü");
    // The form's own direction follows the page's: the label sits on the right of an RTL page.
    expect(await page.evaluate("getComputedStyle(document.querySelector('form')).direction")).toBe("rtl");
    expect(await page.getByLabel("اسم المستخدم").count()).toBe(1);
    expect(await page.getByLabel("كلمة المرور").count()).toBe(1);
    await expectNoAxeViolations(page, "the login page (ar)");
    await screenshot(page, join(screenshots, "login-ar.png"));

    // The switch keeps the interaction: the same path, another language.
    await page.getByRole("link", { name: "Türkçe" }).click();
    await expectLanguage(page, "tr", "ltr");
    expect(new URL(page.url()).pathname).toBe(loginPath);
    expect(await page.getByRole("button").textContent()).toBe("Giriş yap");
    await expectNoAxeViolations(page, "the login page (tr)");
    await screenshot(page, join(screenshots, "login-tr.png"));

    await page.getByRole("link", { name: "English" }).click();
    await expectLanguage(page, "en", "ltr");
    expect(await page.getByRole("button").textContent()).toBe("Sign in");
    await expectNoAxeViolations(page, "the login page (en)");
    await screenshot(page, join(screenshots, "login-en.png"));

    // Back to Arabic, then a wrong password: the one refusal message, in Arabic, tied to the fields.
    await page.getByRole("link", { name: "العربية" }).click();
    await expectLanguage(page, "ar", "rtl");
    await page.getByLabel("اسم المستخدم").fill(USERNAME);
    await page.getByLabel("كلمة المرور").fill(`${PASSWORD}-wrong`);
    await page.getByRole("button", { name: "تسجيل الدخول" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("اسم المستخدم أو كلمة المرور غير صحيحة");
    await expectLanguage(page, "ar", "rtl");
    expect(await page.getByLabel("اسم المستخدم").inputValue()).toBe(USERNAME);
    expect(await page.getByLabel("كلمة المرور").getAttribute("aria-describedby")).toBe("login-error");
    await expectNoAxeViolations(page, "the refused login (ar)");
    await screenshot(page, join(screenshots, "login-ar-refused.png"));

    // The right password: the browser follows the redirects to the client with a code.
    await page.getByLabel("كلمة المرور").fill(PASSWORD);
    await Promise.all([
      page.waitForURL((landed) => landed.href.startsWith(callback.uri)),
      page.getByRole("button", { name: "تسجيل الدخول" }).click(),
    ]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get("code")).toMatch(/^[\w-]{20,}$/);
    expect(landed.searchParams.get("state")).toBe(state);
    expect(landed.searchParams.get("iss")).toBe(identity.issuer);
    await page.close();
  });
  it("walks the device flow in Arabic: code, confirmation, login and the connected page", async () => {
    const request = new Request(new URL("/device/auth", identity.issuer), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: CLI_CLIENT_ID,
        scope: "openid api",
        resource: "urn:kopru:intake",
        ui_locales: "ar",
      }),
    });
    const authorization = await trusting(request);
    expect(authorization.status).toBe(200);
    const device = (await authorization.json()) as {
      device_code: string;
      user_code: string;
      verification_uri: string;
    };

    // A profile of its own: the first scenario's session would skip the login.
    const deviceContext = await newConsoleContext(browser, { locale: "ar" });
    const page = await deviceContext.newPage();
    await page.goto(`${device.verification_uri}?lang=ar`);
    await expectLanguage(page, "ar", "rtl");
    await expectNoAxeViolations(page, "the device code page (ar)");
    await page.getByLabel("الرمز").fill(device.user_code);
    await page.getByRole("button", { name: "متابعة" }).click();

    await expectLanguage(page, "ar", "rtl");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("تأكيد الجهاز");
    expect(await page.locator("main").textContent()).toContain(device.user_code);
    await expectNoAxeViolations(page, "the device confirmation page (ar)");
    await screenshot(page, join(screenshots, "device-confirm-ar.png"));
    await page.getByRole("button", { name: "متابعة" }).click();

    // The login page follows the device's ui_locales.
    await page.getByLabel("اسم المستخدم").fill(USERNAME);
    await page.getByLabel("كلمة المرور").fill(PASSWORD);
    await page.getByRole("button", { name: "تسجيل الدخول" }).click();
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("تم ربط الجهاز");
    await expectLanguage(page, "ar", "rtl");
    await expectNoAxeViolations(page, "the device connected page (ar)");
    await deviceContext.close();

    const token = await trusting(
      new Request(new URL("/token", identity.issuer), {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          device_code: device.device_code,
          client_id: CLI_CLIENT_ID,
          resource: "urn:kopru:intake",
        }),
      }),
    );
    expect(token.status).toBe(200);
    expect(((await token.json()) as { access_token?: string }).access_token).toEqual(expect.any(String));
  });

  it("shows the device code page and the error page accessibly in each language", async () => {
    const page = await context.newPage();
    for (const [lang, dir] of [
      ["ar", "rtl"],
      ["tr", "ltr"],
      ["en", "ltr"],
    ] as const) {
      await page.goto(new URL(`/device?lang=${lang}`, identity.issuer).href);
      await expectLanguage(page, lang, dir);
      await expectNoAxeViolations(page, `the device code page (${lang})`);
      const error = await page.goto(
        new URL(`/auth?client_id=nobody-here&response_type=code&ui_locales=${lang}`, identity.issuer).href,
      );
      expect(error?.status()).toBe(400);
      await expectLanguage(page, lang, dir);
      await expectNoAxeViolations(page, `the error page (${lang})`);
    }
    await screenshot(page, join(screenshots, "error-en.png"));
    await page.close();
  });
});
