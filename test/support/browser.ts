import { createHash, X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { NetworkPki } from "@kopru/local";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

// A real browser for the end-to-end tests of Köprü's pages: Debian's Chromium (installed by
// `.ci/run`), driven by playwright-core, which downloads nothing. Never `playwright install`.

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Quiet and self-contained: no sandbox (tests run as root), no GPU, no calls home. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/** The accessibility bar every page of Köprü meets: WCAG 2.2 AA. */
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] as const;

export interface LaunchBrowserOptions {
  /**
   * PEM certificate files of the HTTPS servers the browser is to trust; for the test network,
   * `webCertificates(network.pki)`. Chromium has no per-profile trust store to add the test CA to
   * (short of NSS tools and a home of its own), but it accepts a chain presented with one of these
   * exact public keys: trusting those servers and nothing else, where ignoring certificate errors
   * would accept anyone. The CA's own key does not do: the servers present their certificate alone.
   */
  trust?: readonly string[];
}

/** One browser per test file: launching costs a fraction of a second, a context is per scenario. */
export async function launchBrowser(options: LaunchBrowserOptions = {}): Promise<Browser> {
  const pins = (options.trust ?? []).map(spkiHash);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      ...CHROMIUM_FLAGS,
      ...(pins.length > 0 ? [`--ignore-certificate-errors-spki-list=${pins.join(",")}`] : []),
    ],
  });
}

/** The certificates of the test network's web servers: the gateway's and the identity service's. */
export function webCertificates(pki: NetworkPki): string[] {
  return [pki.serviceTls.gateway.certFile, pki.identityTls.certFile];
}

/** The base64 SHA-256 of a certificate's SubjectPublicKeyInfo, as Chromium's SPKI list wants it. */
export function spkiHash(pemFile: string): string {
  const spki = new X509Certificate(readFileSync(pemFile)).publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("base64");
}

export interface ConsoleContextOptions {
  locale: "tr" | "ar" | "en";
  /** Relative `page.goto()` paths resolve against it (the gateway's public URL). */
  baseURL?: string;
  /**
   * Accept any HTTPS certificate in this context. Only for a server whose certificate does not come
   * from a CA given to `launchBrowser({ trust })`; default false.
   */
  ignoreHTTPSErrors?: boolean;
}

/**
 * A fresh browser profile as a staff member's: the language sent in Accept-Language and seen by
 * `navigator.language`, a desktop viewport, Istanbul time. Close it at the end of the scenario.
 */
export async function newConsoleContext(
  browser: Browser,
  { locale, baseURL, ignoreHTTPSErrors = false }: ConsoleContextOptions,
): Promise<BrowserContext> {
  return browser.newContext({
    locale,
    timezoneId: "Europe/Istanbul",
    viewport: { width: 1280, height: 800 },
    ignoreHTTPSErrors,
    ...(baseURL ? { baseURL } : {}),
  });
}

/**
 * Runs axe on the page as it is now against WCAG 2.2 AA and fails with every violation: its id,
 * impact, help text and the first few elements it found, so the message alone says what to fix.
 * The page must come from a context (`newConsoleContext`): axe's runner refuses `browser.newPage()`.
 */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags([...WCAG_TAGS]).analyze();
  if (results.violations.length === 0) return;
  const lines = results.violations.map((violation) => {
    const targets = violation.nodes
      .slice(0, 3)
      .map((node) => node.target.map(String).join(" "))
      .join(" | ");
    const more = violation.nodes.length > 3 ? ` (+${violation.nodes.length - 3} more)` : "";
    return `- ${violation.id} [${violation.impact ?? "unknown"}] ${violation.help}: ${targets}${more}`;
  });
  throw new Error(
    `axe found ${results.violations.length} WCAG 2.2 AA violation(s) on ${label} (${page.url()}):\n${lines.join("\n")}`,
  );
}

/** A full-page PNG at `path` (folders made as needed), for a person to look at. */
export async function screenshot(page: Page, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
}
