// The staff console's speed budget, measured in Debian's Chromium on the running seeded demo
// (`pnpm start`), each figure beside a raw bound taken in the same run from the same page:
//
//   (a) the JavaScript the inbox route loads, gzipped (budget ≤ 250 KB);
//   (b) an inbox holding 500 referrals interactive: navigation start → first rows shown, then a
//       filter change → the filtered rows shown (budget < 1 s for both together); raw bound: the
//       same ListInbox call posted through the backend-for-frontend by the page itself;
//   (c) the coordinator's dashboard interactive: navigation start → figures and chart shown
//       (budget < 1.5 s); raw bound: the same GetReferralFigures call posted by the page itself.
//
// Before measuring, it makes sure the MMCC's inbox holds at least 500 referrals, sending the rest
// through the partner API's batch endpoint as the NGO's system.
//
//   pnpm start                 # in another terminal, until it prints the console's address
//   pnpm bench:console         # DATA_DIR / KOPRU_GATEWAY_HTTP_ADDR / KOPRU_IDENTITY_ADDR as for the demo
//   knobs: BENCH_RUNS (9) BENCH_MMCC (mmcc-kilis) BENCH_NGO (ngo-hayat)

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { gzipSync } from "node:zlib";
import type { paths } from "@kopru/contracts/openapi/partner-api";
import { clientCredentials, PARTNER_API_AUDIENCE, PARTNER_API_SCOPES } from "@kopru/identity-client";
import { partnerClientId } from "@kopru/local";
import createClient from "openapi-fetch";
import type { BrowserContext, Page } from "playwright-core";
import { label, t } from "../support/console.js";
import { connectToDemo } from "../support/demo.js";
import { trustingFetch } from "../support/partner-api.js";
import { consentBody, PERSON_BODY, SCREENING_BODY } from "../support/partner-network.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const MMCC = process.env.BENCH_MMCC ?? "mmcc-kilis";
const NGO = process.env.BENCH_NGO ?? "ngo-hayat";
const INBOX_SIZE = 500;
const lang = "en";

const demo = await connectToDemo();
const officer = `caseworker@${MMCC}`;

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
const ms = (value: number) => `${Math.round(value)} ms`;
const stats = (values: readonly number[]) => ({
  median: percentile(values, 50),
  p90: percentile(values, 90),
});

/** Posts `body` to a console RPC from inside the page (the session cookie and CSRF token of the page). */
async function timedRpc(page: Page, path: string, body: string): Promise<number> {
  return page.evaluate(
    `(async () => {
      const session = await (await fetch("/console/api/session")).json();
      const started = performance.now();
      const response = await fetch(${JSON.stringify(path)}, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: ${JSON.stringify(body)},
      });
      await response.text();
      if (!response.ok) throw new Error("HTTP " + response.status);
      return performance.now() - started;
    })()`,
  );
}

/** Loads a small static file of the console from the page: the network and TLS floor. */
async function timedStatic(page: Page): Promise<number> {
  return page.evaluate(`(async () => {
    const started = performance.now();
    await (await fetch("/console/index.html", { cache: "no-store" })).text();
    return performance.now() - started;
  })()`);
}

const nextFrame = (page: Page) =>
  page.evaluate<number>("new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())))");

/** A page with the browser cache off: every run loads the console as a first visit would. */
async function coldPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  return page;
}

async function ensureInbox(): Promise<number> {
  const { context, page } = await demo.session(officer, lang);
  const count = async () =>
    page.evaluate<number>(`(async () => {
      const session = await (await fetch("/console/api/session")).json();
      const answer = await (await fetch("/console/api/rpc/inbox/ListInbox", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": session.csrfToken },
        body: JSON.stringify({ organisationId: session.organisationId, page: { pageSize: ${INBOX_SIZE} } }),
      })).json();
      return (answer.referrals ?? []).length;
    })()`);
  const held = await count();
  if (held < INBOX_SIZE) {
    const tokens = clientCredentials({
      issuer: demo.issuer,
      ca: readFileSync(demo.caFile),
      clientId: partnerClientId(NGO),
      clientSecret: demo.clientSecrets.partners[partnerClientId(NGO)] as string,
      scopes: PARTNER_API_SCOPES,
    });
    const api = createClient<paths>({ baseUrl: demo.url, fetch: trustingFetch(demo.caFile) });
    api.use({
      async onRequest({ request }) {
        request.headers.set("authorization", `Bearer ${await tokens.token(PARTNER_API_AUDIENCE)}`);
        request.headers.set("idempotency-key", randomUUID());
        return request;
      },
    });
    const registered = await api.POST("/v1/beneficiaries", { body: PERSON_BODY as never });
    const beneficiaryId = registered.data?.beneficiary?.beneficiaryId as string;
    if (!beneficiaryId) throw new Error(`register: ${JSON.stringify(registered.error)}`);
    const consent = await api.POST("/v1/beneficiaries/{beneficiaryId}/consents", {
      params: { path: { beneficiaryId } },
      body: consentBody(beneficiaryId) as never,
    });
    const consentId = consent.data?.consent?.consentId as string;
    if (!consentId) throw new Error(`consent: ${JSON.stringify(consent.error)}`);
    await api.POST("/v1/beneficiaries/{beneficiaryId}/screenings", {
      params: { path: { beneficiaryId } },
      body: SCREENING_BODY as never,
    });
    let missing = INBOX_SIZE - held;
    while (missing > 0) {
      const rows = Array.from({ length: missing }, (_, i) => ({
        clientReference: `bench-${i}`,
        referral: {
          beneficiaryId,
          consentId,
          serviceType: "SERVICE_TYPE_MMCC_COUNSELLING" as const,
          priority: "PRIORITY_NORMAL" as const,
          purpose: "PURPOSE_SERVICE_PROVISION" as const,
          reasonForReferral: "Needs counselling on services (synthetic, benchmark).",
          explicitTarget: { organisationId: MMCC },
        },
      }));
      const batch = await api.POST("/v1/referrals:batch", { body: { referrals: rows } });
      const created = (batch.data?.results ?? []).filter((result) => result.status === 201).length;
      if (created === 0) throw new Error(`batch: ${JSON.stringify(batch.error ?? batch.data?.results?.[0])}`);
      missing -= created;
    }
    // The MMCC's inbox fills from the referral events.
    for (let waited = 0; (await count()) < INBOX_SIZE; waited++) {
      if (waited > 120) throw new Error(`the inbox of ${MMCC} never reached ${INBOX_SIZE}`);
      await page.waitForTimeout(1000);
    }
  }
  const now = await count();
  await context.close();
  return now;
}

async function inboxJs(context: BrowserContext): Promise<{ files: number; raw: number; gzipped: number }> {
  const page = await coldPage(context);
  const scripts: Promise<Buffer>[] = [];
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") scripts.push(response.body());
  });
  await page.goto("/console/inbox");
  await page.locator("tbody tr").first().waitFor();
  await page.waitForLoadState("networkidle");
  const bodies = await Promise.all(scripts);
  await page.close();
  return {
    files: bodies.length,
    raw: bodies.reduce((sum, body) => sum + body.length, 0),
    gzipped: bodies.reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0),
  };
}

async function inboxRun(context: BrowserContext) {
  const page = await coldPage(context);
  let listBody = "";
  page.on("request", (request) => {
    if (!listBody && request.url().endsWith("/console/api/rpc/inbox/ListInbox"))
      listBody = request.postData() ?? "";
  });
  await page.goto("/console/inbox");
  await page.locator("tbody tr").first().waitFor();
  const rows = await nextFrame(page);
  const status = page.getByRole("combobox", { name: t(lang, "inbox:filter.status") }).first();
  const before = await page.evaluate<number>("performance.now()");
  await status.selectOption("REFERRAL_STATUS_RECEIVED");
  // Filtered: every row shown is a received referral (and there is one).
  const check = `(() => {
    const statuses = [...document.querySelectorAll("tbody tr .status")].map((cell) => cell.textContent.trim());
    return statuses.length > 0 && statuses.every((text) => text === ${JSON.stringify(label(lang, "REFERRAL_STATUS_RECEIVED"))});
  })()`;
  // Polled from here: the console's CSP (no eval) refuses Playwright's in-page polling of a string.
  for (let tries = 0; !(await page.evaluate<boolean>(check)); tries++)
    if (tries > 20_000) throw new Error("the inbox never showed the filtered rows");
  const filtered = (await nextFrame(page)) - before;
  const rpc = await timedRpc(page, "/console/api/rpc/inbox/ListInbox", listBody);
  const file = await timedStatic(page);
  await page.close();
  return { rows, filtered, interactive: rows + filtered, rpc, file };
}

async function dashboardRun(context: BrowserContext) {
  const page = await coldPage(context);
  let figuresBody = "";
  page.on("request", (request) => {
    if (!figuresBody && request.url().endsWith("/console/api/rpc/coordination/GetReferralFigures"))
      figuresBody = request.postData() ?? "";
  });
  await page.goto("/console/dashboard");
  await page.locator(".headline-cards").first().waitFor();
  await page.locator(".chart canvas, .chart svg").first().waitFor();
  const shown = await nextFrame(page);
  const rpc = await timedRpc(page, "/console/api/rpc/coordination/GetReferralFigures", figuresBody);
  const file = await timedStatic(page);
  await page.close();
  return { shown, rpc, file };
}

try {
  const held = await ensureInbox();
  const officerSession = await demo.session(officer, lang);
  const js = await inboxJs(officerSession.context);
  const inbox = [];
  for (let i = 0; i < RUNS + 1; i++) inbox.push(await inboxRun(officerSession.context));
  inbox.shift(); // the first warms the services' caches and connections
  await officerSession.context.close();
  const coordinatorSession = await demo.session("coordinator@coordination", lang);
  const dashboard = [];
  for (let i = 0; i < RUNS + 1; i++) dashboard.push(await dashboardRun(coordinatorSession.context));
  dashboard.shift();
  await coordinatorSession.context.close();

  const row = (name: string, values: number[], bound: number[], budget: string) => {
    const value = stats(values);
    const raw = stats(bound);
    return `| ${name} | ${ms(value.median)} | ${ms(value.p90)} | ${ms(raw.median)} | ${(value.median / raw.median).toFixed(1)}× | ${budget} |`;
  };
  const lines = [
    `Staff console, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        " ",
      )}; ${RUNS} runs each (median, p90), cache off; inbox of ${MMCC}: ${held} referrals (the inbox shows 100 rows a page).`,
    "",
    `Inbox route JavaScript: ${js.files} files, ${(js.raw / 1024).toFixed(0)} KB, **${(js.gzipped / 1024).toFixed(0)} KB gzipped** (budget ≤ 250 KB).`,
    "",
    "| measure | median | p90 | raw bound (median) | ratio | budget |",
    "|---|---|---|---|---|---|",
    row(
      "inbox: navigation → first rows",
      inbox.map((r) => r.rows),
      inbox.map((r) => r.rpc),
      "—",
    ),
    row(
      "inbox: filter change → filtered rows",
      inbox.map((r) => r.filtered),
      inbox.map((r) => r.rpc),
      "—",
    ),
    row(
      "inbox interactive (both)",
      inbox.map((r) => r.interactive),
      inbox.map((r) => r.rpc),
      "< 1 s",
    ),
    row(
      "dashboard: navigation → figures and chart",
      dashboard.map((r) => r.shown),
      dashboard.map((r) => r.rpc),
      "< 1.5 s",
    ),
    "",
    `Raw bounds: the page's own POST of the same RPC through the backend-for-frontend (inbox ListInbox median ${ms(stats(inbox.map((r) => r.rpc)).median)}, dashboard GetReferralFigures median ${ms(stats(dashboard.map((r) => r.rpc)).median)}); a static file (index.html) from the gateway: median ${ms(stats(inbox.map((r) => r.file)).median)}.`,
  ];
  console.log(lines.join("\n"));
} finally {
  await demo.close();
}
