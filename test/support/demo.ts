import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DemoLogin } from "@kopru/local";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser, newConsoleContext } from "./browser.js";
import { type ConsoleLanguage, type ConsoleLogin, logIn } from "./console.js";

// The running demo (`pnpm start`) as the console's screenshot and benchmark scripts reach it: its
// data folder (DATA_DIR, default `.data`), its gateway (KOPRU_GATEWAY_HTTP_ADDR, default
// 127.0.0.1:8443), the demo logins and the certificates its web servers present.

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export interface Demo {
  dataDir: string;
  /** The gateway's public URL: the console is at `/console/`, the partner API at `/v1/`. */
  url: string;
  /** The identity service's issuer URL (KOPRU_IDENTITY_ADDR, default 127.0.0.1:7443). */
  issuer: string;
  caFile: string;
  logins: DemoLogin[];
  clientSecrets: { partners: Record<string, string> };
  browser: Browser;
  /** A demo login by username (`caseworker@mmcc-gaziantep`), for `logIn`. */
  login(username: string): ConsoleLogin;
  /** A fresh profile in `language`, logged in as `username`, on the page the console opens with. */
  session(username: string, language: ConsoleLanguage): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export async function connectToDemo(env: NodeJS.ProcessEnv = process.env): Promise<Demo> {
  const dataDir = resolve(repoRoot, env.DATA_DIR?.trim() || ".data");
  const secrets = JSON.parse(readFileSync(join(dataDir, "trust", "secrets.json"), "utf8")) as {
    logins: DemoLogin[];
    clientSecrets: { partners: Record<string, string> };
  };
  const pki = join(dataDir, "trust", "pki");
  const url = `https://${env.KOPRU_GATEWAY_HTTP_ADDR?.trim() || "127.0.0.1:8443"}`;
  const issuer = `https://${env.KOPRU_IDENTITY_ADDR?.trim() || "127.0.0.1:7443"}`;
  const browser = await launchBrowser({ trust: [join(pki, "gateway.crt"), join(pki, "identity.crt")] });
  const login = (username: string): ConsoleLogin => {
    const found = secrets.logins.find((candidate) => candidate.username === username);
    if (!found) throw new Error(`no demo login ${username} in ${dataDir}/trust/secrets.json`);
    return {
      who: username,
      organisationId: found.organisationId,
      actorId: username,
      roles: found.roles,
      staffId: username,
      username,
      password: found.password,
    };
  };
  return {
    dataDir,
    url,
    issuer,
    caFile: join(pki, "ca.crt"),
    logins: secrets.logins,
    clientSecrets: secrets.clientSecrets,
    browser,
    login,
    async session(username, language) {
      const context = await newConsoleContext(browser, { locale: language, baseURL: url });
      const page = await context.newPage();
      await logIn(page, login(username), language);
      return { context, page };
    },
    close: () => browser.close(),
  };
}
