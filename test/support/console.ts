import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureConsoleBuilt } from "@kopru/local";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { RawApi } from "./access.js";
import { launchBrowser, newConsoleContext, webCertificates } from "./browser.js";
import { TestNetwork } from "./network.js";
import { startPartnerNetwork } from "./partner-network.js";

// What the staff console's end-to-end tests start from: the network with every service the console
// reaches behind the gateway, the directory seeded, the console built once (never per test), one
// browser trusting the test network's web servers, and staff of each kind the console serves with
// the username and password they type at the identity service's login form.

export type ConsoleLanguage = "tr" | "ar" | "en";
export const CONSOLE_LANGUAGES: readonly ConsoleLanguage[] = ["tr", "ar", "en"];

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const CONSOLE_DIR = join(repoRoot, "services/gateway/console");
const LOCALES_DIR = join(CONSOLE_DIR, "src/i18n/locales");

/** A staff member as the console's tests play them. */
export interface ConsoleLogin {
  /** Which of the network's staff: `officer`, `otherOfficer`, … */
  who: string;
  organisationId: string;
  actorId: string;
  roles: string[];
  /** Their id in the staff directory (the token subject). */
  staffId: string;
  username: string;
  password: string;
}

export interface ConsoleNetwork {
  network: TestNetwork;
  /** Raw gRPC calls to every service, as any caller: for what a test checks behind the screen. */
  api: RawApi;
  /** The gateway's public URL, `https://127.0.0.1:<port>`: the console is at `/console/`. */
  url: string;
  browser: Browser;
  logins: {
    /** A caseworker of the Gaziantep MMCC (the municipality's inbox). */
    officer: ConsoleLogin;
    /** A caseworker of the Kilis MMCC: the same service, another organisation. */
    otherOfficer: ConsoleLogin;
    /** A caseworker of the NGO that refers people (intake). */
    referrer: ConsoleLogin;
    /** The network's coordinator. */
    coordinator: ConsoleLogin;
    /** A protection partner's caseworker who may read the restricted sections. */
    restricted: ConsoleLogin;
  };
  /** A fresh browser profile in `language`, its relative paths resolved against the gateway. */
  context(language: ConsoleLanguage): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Every service the console's backend calls, then the gateway, the directory seeded. */
export async function startConsoleNetwork(): Promise<ConsoleNetwork> {
  // Built before anything starts: the gateway serves what is in dist/ when it starts (always a
  // production build, whatever NODE_ENV vitest set).
  ensureConsoleBuilt((line) => process.stderr.write(`${line}\n`));
  // Seven services, the identity service and a gateway start at once, each compiling its sources on
  // start: on a shared two-core machine one of them can take more than the default minute and a half.
  const network = await TestNetwork.create(undefined, {}, { startTimeoutMs: 240_000 });
  const [browser] = await Promise.all([
    launchBrowser({ trust: webCertificates(network.pki) }),
    startPartnerNetwork({
      network,
      services: ["intake", "municipality", "ecm", "protection", "community-centre", "notifications"],
    }),
  ]);
  const o = network.orgs;
  const login = async (who: string, organisationId: string, actorId: string, roles: string[]) => {
    const credentials = await network.identity.staffLogin({ organisationId, actorId, roles });
    return { who, organisationId, actorId, roles, ...credentials } satisfies ConsoleLogin;
  };
  const [officer, otherOfficer, referrer, coordinator, restricted] = await Promise.all([
    login("officer", o.mmccGaziantep, "mmcc-officer", ["caseworker"]),
    login("otherOfficer", o.mmccKilis, "kilis-officer", ["caseworker"]),
    login("referrer", o.ngo, "ngo-referrer", ["caseworker"]),
    login("coordinator", "iom-coordination", "coordinator-1", ["coordinator"]),
    login("restricted", o.protection, "prot-restricted", ["caseworker", "protection-restricted"]),
  ]);
  const api = new RawApi(network);
  const url = network.gatewayUrl();
  return {
    network,
    api,
    url,
    browser,
    logins: { officer, otherOfficer, referrer, coordinator, restricted },
    context: (language) => newConsoleContext(browser, { locale: language, baseURL: url }),
    async close() {
      api.close();
      await browser.close().catch(() => {});
      await network.close();
    },
  };
}

/** The identity service's login form, as it labels its fields in each language. */
const LOGIN_FORM: Record<ConsoleLanguage, { username: string; password: string; submit: string }> = {
  en: { username: "Username", password: "Password", submit: "Sign in" },
  tr: { username: "Kullanıcı adı", password: "Parola", submit: "Giriş yap" },
  ar: { username: "اسم المستخدم", password: "كلمة المرور", submit: "تسجيل الدخول" },
};

/**
 * Logs `login` in as a person does: opens /console/, is sent to the identity service's form (in
 * `language`, which the context's browser language makes the console's), fills it in and lands back
 * in the console, its navigation shown in that language.
 */
export async function logIn(page: Page, login: ConsoleLogin, language: ConsoleLanguage): Promise<void> {
  await page.goto("/console/");
  // The console finds no session and sends the browser to the login, which redirects to identity.
  await page
    .waitForURL((url) => url.pathname.startsWith("/interaction/"))
    .catch(async (error: unknown) => {
      throw new Error(`no login form at ${page.url()}: ${await page.locator("body").textContent()}`, {
        cause: error,
      });
    });
  await page.locator(`html[lang="${language}"]`).waitFor({ state: "attached" });
  const form = LOGIN_FORM[language];
  await page.getByLabel(form.username).fill(login.username);
  await page.getByLabel(form.password).fill(login.password);
  await page.getByRole("button", { name: form.submit }).click();
  await page.waitForURL(
    (url) => url.pathname.startsWith("/console/") && !url.pathname.startsWith("/console/auth"),
  );
  await page.getByRole("navigation", { name: t(language, "nav.label") }).waitFor();
  await page.locator(`html[lang="${language}"]`).waitFor({ state: "attached" });
}

// The console's catalogues, read from its sources: a test in Arabic looks for the Arabic words.
const catalogues = new Map<string, Record<string, unknown>>();
function catalogue(language: ConsoleLanguage, namespace: string): Record<string, unknown> {
  const key = `${language}/${namespace}`;
  let entries = catalogues.get(key);
  if (!entries) {
    entries = JSON.parse(readFileSync(join(LOCALES_DIR, language, `${namespace}.json`), "utf8")) as Record<
      string,
      unknown
    >;
    catalogues.set(key, entries);
  }
  return entries;
}

/** The namespaces the console has now (pages add theirs). */
export function namespaces(): string[] {
  return readdirSync(join(LOCALES_DIR, "en")).map((file) => file.replace(/\.json$/, ""));
}

/**
 * The console's text for `key` (`"nav.inbox"`, or `"inbox:filters.status"` for another namespace)
 * in `language`, with `{{name}}` filled from `values` and the plural form `count` picks. Throws
 * when the key is missing, so a renamed key fails the test that relies on it, loudly.
 */
export function t(
  language: ConsoleLanguage,
  key: string,
  values: Record<string, string | number> = {},
): string {
  const [namespace, path] = key.includes(":") ? (key.split(":", 2) as [string, string]) : ["common", key];
  const parts = path.split(".");
  const leaf = parts.pop() as string;
  let node: unknown = catalogue(language, namespace);
  for (const part of parts) node = (node as Record<string, unknown> | undefined)?.[part];
  const entries = (node ?? {}) as Record<string, unknown>;
  let text = entries[leaf];
  if (typeof text !== "string" && typeof values.count === "number") {
    const form = new Intl.PluralRules(language).select(values.count);
    text = entries[`${leaf}_${form}`] ?? entries[`${leaf}_other`];
  }
  if (typeof text !== "string") throw new Error(`no text ${key} in ${language}`);
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    const value = values[name];
    // As i18next interpolates: numbers as they are (a page formats them itself when it wants).
    return value === undefined ? `{{${name}}}` : String(value);
  });
}

/** The enum label the console shows for a proto enum value name (`REFERRAL_STATUS_NEW`). */
export function label(language: ConsoleLanguage, valueName: string): string {
  const entries = catalogue(language, "vocabulary");
  const found = findLabel(entries, valueName);
  if (found === undefined) throw new Error(`no label for ${valueName} in ${language}`);
  return found;
}

function findLabel(node: Record<string, unknown>, valueName: string): string | undefined {
  const direct = node[valueName];
  if (typeof direct === "string") return direct;
  for (const value of Object.values(node)) {
    if (value && typeof value === "object") {
      const found = findLabel(value as Record<string, unknown>, valueName);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** A file the console had the browser download: its name and bytes. */
export interface Downloaded {
  fileName: string;
  bytes: Buffer;
}

/** Clicks `button` once and waits for the file it makes the browser download. */
export async function downloadFrom(page: Page, button: Locator): Promise<Downloaded> {
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 60_000 }), button.click()]);
  const stream = await download.createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return { fileName: download.suggestedFilename(), bytes: Buffer.concat(chunks) };
}

/**
 * The rows of a CSV file as a spreadsheet program reads them (RFC 4180 quoting), after checking
 * it starts with the UTF-8 byte-order mark that makes those programs read it as UTF-8.
 */
export function csvRows(file: Downloaded): string[][] {
  if (file.bytes.subarray(0, 3).toString("hex") !== "efbbbf")
    throw new Error(`${file.fileName} has no UTF-8 byte-order mark`);
  const text = file.bytes.subarray(3).toString("utf8");
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(cell);
      cell = "";
    } else if (char === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += char;
  }
  row.push(cell);
  rows.push(row);
  return rows;
}

/** What the tests use of exceljs (its types are the console's, not the tests'). */
interface ExcelJs {
  Workbook: new () => {
    xlsx: { load(data: Buffer): Promise<unknown> };
    worksheets: {
      views: { rightToLeft?: boolean }[];
      eachRow(each: (row: { values: unknown }) => void): void;
    }[];
  };
}

/**
 * The rows of an XLSX file's first sheet and whether it is laid out right to left, read with
 * exceljs: the console's own dependency (the tests have none of their own for spreadsheets).
 */
export async function xlsxRows(file: Downloaded): Promise<{ rows: string[][]; rightToLeft: boolean }> {
  const exceljs = createRequire(join(CONSOLE_DIR, "package.json"))("exceljs") as ExcelJs;
  const workbook = new exceljs.Workbook();
  await workbook.xlsx.load(file.bytes);
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new Error(`${file.fileName} has no sheet`);
  const rows: string[][] = [];
  sheet.eachRow((row) => {
    rows.push((row.values as unknown[]).slice(1).map((value) => (value === undefined ? "" : String(value))));
  });
  return { rows, rightToLeft: sheet.views[0]?.rightToLeft === true };
}
