import { randomUUID } from "node:crypto";
import { GbvIncidentType, RiskLevel } from "@kopru/contracts/common/v1/needs";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { presentDataCategories } from "@kopru/referral/domain";
import { publishReferral } from "@kopru/referral/testkit";
import { connectNats, waitFor } from "@kopru/testing";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { C, canary, coordinator, I, N, staff, waitForInbox } from "../support/access.js";
import { expectNoAxeViolations } from "../support/browser.js";
import {
  CONSOLE_LANGUAGES,
  type ConsoleLanguage,
  type ConsoleLogin,
  type ConsoleNetwork,
  csvRows,
  downloadFrom,
  label,
  logIn,
  startConsoleNetwork,
  t,
  xlsxRows,
} from "../support/console.js";
import { type PartnerApi, partnerApi } from "../support/partner-api.js";
import { PERSON_BODY, registerPerson } from "../support/partner-network.js";

// The staff console in Debian's Chromium against the real network (every service its own process,
// the real identity service, NATS and PostgreSQL), one network for the whole file: an MMCC officer
// works a referral from the inbox to completion and the referrer and the coordinator see it; another
// MMCC cannot open it; restricted sections never reach a municipality's screen; the wizard survives
// going offline and sends exactly once; every page passes axe in Turkish, Arabic and English; a flow
// is done by keyboard alone; and nothing personal reaches an address, a title or browser storage.

let net: ConsoleNetwork;
let ngo: PartnerApi;
/** The synthetic person every referral of the file is about: never in a URL, a title or storage. */
const PERSON = { givenName: "Şirinnaz", familyName: PERSON_BODY.familyName, phone: PERSON_BODY.phoneNumber };
/** The synthetic person whose erasure the coordinator follows. */
const ERASED_PERSON = { givenName: "Gülbahar" };
let person: { beneficiaryId: string; consentId: string };
/** Referrals the NGO's system sent to the Gaziantep MMCC before anyone logs in. */
let referralIds: string[] = [];
/** Every address and title a page of the file showed. */
const seen: { url: string; title: string }[] = [];
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  net = await startConsoleNetwork();
  ngo = partnerApi(net.network, net.network.orgs.ngo);
  person = await registerPerson(ngo, { givenName: PERSON.givenName });
  // Five, so the coordinator's figures for them are above the small-cell threshold.
  const { data, error } = await ngo.POST("/v1/referrals:batch", {
    headers: { "idempotency-key": randomUUID() },
    body: {
      referrals: Array.from({ length: 5 }, (_, i) => ({
        clientReference: `console-${i}`,
        referral: {
          beneficiaryId: person.beneficiaryId,
          consentId: person.consentId,
          serviceType: "SERVICE_TYPE_MMCC_COUNSELLING" as const,
          priority: "PRIORITY_NORMAL" as const,
          purpose: "PURPOSE_SERVICE_PROVISION" as const,
          reasonForReferral: "Needs counselling on services (synthetic).",
          explicitTarget: { organisationId: net.network.orgs.mmccGaziantep },
        },
      })),
    },
  });
  if (error) throw new Error(`batch: ${JSON.stringify(error)}`);
  referralIds = (data?.results ?? []).map((result) => result.referralId as string);
  expect(referralIds).toHaveLength(5);
  const officer = net.logins.officer;
  for (const referralId of referralIds)
    await waitForInbox(
      net.api,
      "municipality",
      referralId,
      staff(officer.organisationId, officer.actorId, ...officer.roles),
    );
  // The network's start waits up to four minutes for a service on a loaded machine (see startConsoleNetwork).
}, 420_000);

afterEach(async (test) => {
  // A failed test says what its pages showed; every test's browser profiles close with it.
  const failed = test.task.result?.state === "fail";
  for (const context of contexts.splice(0)) {
    if (failed)
      for (const page of context.pages()) {
        const text = await page
          .locator("main")
          .textContent({ timeout: 2_000 })
          .catch(() => "(none)");
        console.error(`[${page.url()}] ${text?.slice(0, 1500)}`);
      }
    await context.close().catch(() => {});
  }
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await net?.close();
});

/** A fresh profile in `language`, every page of it watched for what its address and title show. */
async function open(language: ConsoleLanguage): Promise<{ context: BrowserContext; page: Page }> {
  const context = await net.context(language);
  contexts.push(context);
  const page = await context.newPage();
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) seen.push({ url: frame.url(), title: "" });
  });
  return { context, page };
}

async function session(login: ConsoleLogin, language: ConsoleLanguage) {
  const opened = await open(language);
  await logIn(opened.page, login, language);
  return opened;
}

/** Waits for the page whose h1 is `heading`, and notes its address and title. */
async function expectPage(page: Page, heading: string): Promise<void> {
  await expect
    .poll(() => page.getByRole("heading", { level: 1 }).textContent(), { timeout: 15_000 })
    .toBe(heading);
  await expect.poll(() => page.title(), WAIT).toContain(heading);
  seen.push({ url: page.url(), title: await page.title() });
}

/** Waits until `locator` shows, reloading the page while it does not (state that arrives by events). */
async function untilVisible(page: Page, locator: Locator, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      if (await locator.isVisible()) return true;
      await page.reload();
      return locator
        .waitFor({ state: "visible", timeout: 3_000 })
        .then(() => true)
        .catch(() => false);
    },
    { timeoutMs, message: `${locator} to show` },
  );
}

/** The text of the description next to a `<dt>` in the page's facts. */
function fact(page: Page, term: string): Locator {
  return page.locator("dt", { hasText: term }).first().locator("xpath=following-sibling::dd[1]");
}

/**
 * Presses Tab until the focused element is the one `isTarget` (a function's source, run on
 * `document.activeElement`) recognises: keyboard only, as a person without a mouse would.
 */
async function tabTo(page: Page, isTarget: string, max = 80): Promise<void> {
  const path: string[] = [];
  for (let i = 0; i < max; i++) {
    if (await page.evaluate(`(${isTarget})(document.activeElement)`)) return;
    await page.keyboard.press("Tab");
    path.push(
      await page.evaluate(
        "(() => { const e = document.activeElement; return e ? e.tagName + ':' + (e.getAttribute('aria-label') || e.textContent || '').slice(0, 30) : '-' })()",
      ),
    );
  }
  throw new Error(`${isTarget} never took the focus within ${max} Tab presses: ${path.join(" → ")}`);
}

const linkTo = (path: string) => `(element) => element?.getAttribute("href") === ${JSON.stringify(path)}`;
const buttonNamed = (name: string) =>
  `(element) => element?.tagName === "BUTTON" && element.textContent.trim() === ${JSON.stringify(name)}`;

/** How long a state may take to show on a loaded machine (the CI runs with both cores busy). */
const WAIT = { timeout: 20_000 };

const short = (referralId: string) => `…${referralId.slice(-8)}`;
const referralLink = (page: Page, referralId: string) =>
  page.getByRole("link").and(page.locator(`a[href="/console/referrals/${referralId}"]`));

describe("the staff console", () => {
  it("lets an MMCC officer see a new referral's notice, decline it, work the inbox, and accept, counsel and complete another; the referrer sees both answers and the coordinator's figures count them", {
    timeout: 480_000,
  }, async () => {
    const lang = "tr";
    const referralId = referralIds[0] as string;
    const officer = net.logins.officer;
    const officerCaller = staff(officer.organisationId, officer.actorId, ...officer.roles);

    // The coordinator's dashboard before anything is answered: the batch counted, nothing completed.
    const before = await figures(
      (total) => total.requested >= referralIds.length,
      "coordination to count the batch's referrals",
    );
    const en = "en";
    const coordinatorPage = (await session(net.logins.coordinator, en)).page;
    await expectPage(coordinatorPage, t(en, "nav.dashboard"));
    const card = (measure: string) =>
      coordinatorPage
        .getByRole("main")
        .getByRole("listitem")
        .filter({ hasText: t(en, `dashboard:measure.${measure}`) })
        .first();
    await expect.poll(() => card("requested").textContent(), WAIT).toContain(String(before.requested));
    const completionBefore = (await card("completionRate").textContent()) ?? "";
    // Another dimension: the chart's table twin follows it, its rows the groups of that dimension.
    const twin = (dimension: string) =>
      coordinatorPage.getByRole("table", {
        name: t(en, "dashboard:table.caption", { dimension: label(en, dimension) }),
      });
    await twin("FIGURE_DIMENSION_PROVINCE").waitFor(WAIT);
    await coordinatorPage
      .getByRole("combobox", { name: t(en, "dashboard:breakdown.dimension") })
      .selectOption("FIGURE_DIMENSION_SERVICE_TYPE");
    await twin("FIGURE_DIMENSION_SERVICE_TYPE")
      .getByRole("row")
      .filter({ hasText: label(en, "SERVICE_TYPE_MMCC_COUNSELLING") })
      .first()
      .waitFor(WAIT);
    await expect.poll(() => twin("FIGURE_DIMENSION_PROVINCE").count(), WAIT).toBe(0);

    // The officer's unread badge counts the batch's notices; a new referral adds its own.
    const { page } = await session(officer, lang);
    await expectPage(page, t(lang, "inbox:title"));
    const unreadBefore = await unreadNotices(officerCaller, referralIds);
    await untilBadge(page, lang, unreadBefore);
    const created = await ngo.POST("/v1/referrals", {
      headers: { "idempotency-key": randomUUID() },
      body: {
        beneficiaryId: person.beneficiaryId,
        consentId: person.consentId,
        serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
        priority: "PRIORITY_NORMAL",
        purpose: "PURPOSE_SERVICE_PROVISION",
        reasonForReferral: "Needs counselling on services (synthetic).",
        explicitTarget: { organisationId: net.network.orgs.mmccGaziantep },
      },
    });
    if (created.error) throw new Error(`referral: ${JSON.stringify(created.error)}`);
    const declined = created.data?.referral?.referralId as string;
    expect(await unreadNotices(officerCaller, [...referralIds, declined])).toBe(unreadBefore + 1);
    await untilBadge(page, lang, unreadBefore + 1);

    // The feed shows the new referral's notice, unread; marked read, the badge goes down by one.
    await page.locator("a.notifications-link").click();
    await expectPage(page, t(lang, "nav.notifications"));
    const notice = page
      .getByRole("list", { name: t(lang, "notifications:feedLabel") })
      .getByRole("listitem")
      .filter({ has: page.locator(`a[href="/console/referrals/${declined}"]`) });
    await notice.waitFor(WAIT);
    expect(await notice.textContent()).toContain(t(lang, "notifications:unreadLabel"));
    await notice.getByRole("button", { name: t(lang, "notifications:markRead") }).click();
    await expect.poll(() => badgeCount(page), WAIT).toBe(unreadBefore);
    // The badge takes the answer's count at once; the feed's entry re-renders when its list is read again.
    await expect.poll(() => notice.textContent(), WAIT).not.toContain(t(lang, "notifications:unreadLabel"));

    // The officer declines it, with a reason code.
    await notice.getByRole("link", { name: t(lang, "notifications:openReferral") }).click();
    await expectPage(page, t(lang, "referral:title"));
    expect(new URL(page.url()).pathname).toBe(`/console/referrals/${declined}`);
    await expect
      .poll(() => fact(page, t(lang, "referral:facts.status")).textContent(), WAIT)
      .toBe(label(lang, "REFERRAL_STATUS_RECEIVED"));
    await page.getByRole("button", { name: t(lang, "referral:action.decline"), exact: true }).click();
    const declineDialog = page.getByRole("dialog", { name: t(lang, "referral:dialog.decline") });
    await declineDialog
      .getByRole("combobox", { name: t(lang, "referral:form.declineReason") })
      .selectOption("DECLINE_REASON_NO_CAPACITY");
    await declineDialog
      .getByRole("button", { name: t(lang, "referral:submit.decline"), exact: true })
      .click();
    await page
      .getByRole("status")
      .filter({ hasText: t(lang, "referral:done.decline") })
      .waitFor();
    await expect
      .poll(() => fact(page, t(lang, "referral:facts.status")).textContent(), WAIT)
      .toBe(label(lang, "REFERRAL_STATUS_DECLINED"));

    // The inbox: the status filter narrows the rows to that status.
    await page
      .getByRole("navigation", { name: t(lang, "nav.label") })
      .getByRole("link", { name: t(lang, "nav.inbox") })
      .click();
    await expectPage(page, t(lang, "inbox:title"));
    const statusFilter = page.getByRole("combobox", { name: t(lang, "inbox:filter.status") });
    const inboxTable = page.getByRole("table", { name: t(lang, "inbox:caption") });
    const rowIds = () =>
      inboxTable
        .locator('tbody a[href^="/console/referrals/"]')
        .evaluateAll((links) => links.map((link) => link.getAttribute("href")?.split("/").pop() ?? ""));
    await statusFilter.selectOption("REFERRAL_STATUS_DECLINED");
    await expect.poll(rowIds, WAIT).toEqual([declined]);
    await statusFilter.selectOption("REFERRAL_STATUS_RECEIVED");
    await expect.poll(async () => (await rowIds()).includes(referralId), WAIT).toBe(true);
    const received = await rowIds();
    expect(received).not.toContain(declined);
    for (const id of referralIds) expect(received).toContain(id);
    for (const text of await inboxTable.locator("tbody tr").allTextContents())
      expect(text).toContain(label(lang, "REFERRAL_STATUS_RECEIVED"));

    // One click exports the filtered list: Turkish headers, one row per referral, their status in Turkish.
    const csv = csvRows(
      await downloadFrom(page, page.getByRole("button", { name: t(lang, "table.exportCsv"), exact: true })),
    );
    expect(csv[0]).toEqual(
      ["referral", "status", "serviceType", "priority", "referrer", "requested", "respondBy", "assignee"].map(
        (column) => t(lang, `inbox:column.${column}`),
      ),
    );
    expect(
      csv
        .slice(1)
        .map((row) => row[0])
        .sort(),
    ).toEqual([...received].sort());
    for (const row of csv.slice(1)) expect(row[1]).toBe(label(lang, "REFERRAL_STATUS_RECEIVED"));

    // Acknowledging two received referrals at once: their receipt is already on record, nothing fails.
    const pair = [referralIds[2], referralIds[3]] as string[];
    for (const id of pair)
      await page.getByRole("checkbox", { name: t(lang, "inbox:select.one", { id: short(id) }) }).check();
    await page.getByRole("button", { name: t(lang, "inbox:bulk.acknowledge") }).click();
    const bulkResults = page.getByRole("region", { name: t(lang, "inbox:bulk.resultsTitle.acknowledge") });
    await bulkResults
      .getByRole("status")
      .filter({
        hasText: t(lang, "inbox:bulk.summary", { count: 2, total: 2, done: 0, skipped: 2, failed: 0 }),
      })
      .waitFor(WAIT);
    for (const id of pair)
      expect(
        await bulkResults
          .getByRole("listitem")
          .filter({ hasText: short(id) })
          .textContent(),
      ).toContain(t(lang, "inbox:bulk.result.already.acknowledge"));
    await statusFilter.selectOption("");

    // The new referral is in the inbox, its status in Turkish.
    // Its link is named by the short number: the end of the id.
    const link = referralLink(page, referralId);
    expect(await link.getAttribute("aria-label")).toBe(
      t(lang, "inbox:openReferral", { id: short(referralId) }),
    );
    await link.click();
    await expectPage(page, t(lang, "referral:title"));
    expect(new URL(page.url()).pathname).toBe(`/console/referrals/${referralId}`);
    // Delivered to the MMCC's inbox, it arrives received; the officer accepts it.
    await expect
      .poll(() => fact(page, t(lang, "referral:facts.status")).textContent(), WAIT)
      .toBe(label(lang, "REFERRAL_STATUS_RECEIVED"));
    await page.getByRole("button", { name: t(lang, "referral:action.accept"), exact: true }).click();
    await expect
      .poll(() => fact(page, t(lang, "referral:facts.status")).textContent(), WAIT)
      .toBe(label(lang, "REFERRAL_STATUS_ACCEPTED"));

    // The case opens on acceptance (an event): the session form shows once it has.
    const sessionForm = page.getByRole("form", { name: t(lang, "casework:municipality.recordSession") });
    await untilVisible(page, sessionForm);
    await expectNoAxeViolations(page, `the accepted referral's case-work form (${lang})`);
    await sessionForm
      .getByLabel(t(lang, "casework:municipality.sessionType"))
      .selectOption("COUNSELLING_SESSION_TYPE_INDIVIDUAL");
    await sessionForm
      .getByLabel(t(lang, "casework:municipality.modality"))
      .selectOption("SESSION_MODALITY_IN_PERSON");
    await sessionForm.getByLabel(t(lang, "casework:municipality.durationMinutes")).fill("45");
    await sessionForm.getByRole("checkbox", { name: label(lang, "COUNSELLING_TOPIC_HOUSING") }).check();
    await sessionForm.getByRole("button", { name: t(lang, "casework:municipality.recordSession") }).click();
    await sessionForm
      .getByRole("status")
      .filter({ hasText: t(lang, "casework:municipality.sessionRecorded") })
      .waitFor();
    const sessions = page.getByRole("table", { name: t(lang, "casework:municipality.sessions") });
    await expect.poll(() => sessions.textContent(), WAIT).toContain(label(lang, "COUNSELLING_TOPIC_HOUSING"));

    await page.getByRole("button", { name: t(lang, "referral:action.start"), exact: true }).click();
    await expect
      .poll(() => fact(page, t(lang, "referral:facts.status")).textContent(), WAIT)
      .toBe(label(lang, "REFERRAL_STATUS_IN_PROGRESS"));
    await page.getByRole("button", { name: t(lang, "referral:action.complete"), exact: true }).click();
    const dialog = page.getByRole("dialog", { name: t(lang, "referral:dialog.complete") });
    await dialog.waitFor();
    await expectNoAxeViolations(page, `the completion dialog (${lang})`);
    await dialog.getByRole("checkbox", { name: label(lang, "OUTCOME_CODE_SERVICE_PROVIDED_FULL") }).check();
    await dialog.getByRole("button", { name: t(lang, "referral:submit.complete"), exact: true }).click();
    await page
      .getByRole("status")
      .filter({ hasText: t(lang, "referral:done.complete") })
      .waitFor();
    await expect
      .poll(() => fact(page, t(lang, "referral:facts.status")).textContent(), WAIT)
      .toBe(label(lang, "REFERRAL_STATUS_COMPLETED"));

    // Fifteen days on by the browser's clock, the batch's two-week answer deadline has passed: a
    // referral still unanswered is highlighted, and says so in words, not by colour alone.
    await page.clock.install({ time: Date.now() + 15 * 86_400_000 });
    await page.goto("/console/inbox");
    await expectPage(page, t(lang, "inbox:title"));
    const late = page.getByRole("row").filter({ has: referralLink(page, referralIds[4] as string) });
    await expect.poll(() => late.textContent(), WAIT).toContain(t(lang, "inbox:deadline.overdue"));
    expect(await late.getAttribute("class")).toContain("overdue");

    // The NGO's referrer, in Arabic, sees the outcome once intake has heard of it, and the decline
    // with its reason.
    const ar = "ar";
    const referrer = await session(net.logins.referrer, ar);
    for (const [id, status, reason] of [
      [referralId, "REFERRAL_STATUS_COMPLETED", "OUTCOME_CODE_SERVICE_PROVIDED_FULL"],
      [declined, "REFERRAL_STATUS_DECLINED", "DECLINE_REASON_NO_CAPACITY"],
    ] as const) {
      await referrer.page.goto(`/console/my-referrals/${id}`);
      await expectPage(referrer.page, t(ar, "myReferrals:one.title"));
      await untilVisible(
        referrer.page,
        fact(referrer.page, t(ar, "myReferrals:column.status")).getByText(label(ar, status)),
      );
      expect(await fact(referrer.page, t(ar, "myReferrals:column.outcome")).textContent()).toContain(
        label(ar, reason),
      );
    }

    // The coordinator's figures count exactly these: one more completed, one more declined, one
    // more requested; the dashboard's completion rate moves with them.
    const after = await figures(
      (total) =>
        total.completed === before.completed + 1 &&
        total.declined === before.declined + 1 &&
        total.requested === before.requested + 1,
      "coordination to count the completion, the decline and the new referral",
    );
    await coordinatorPage.reload();
    await expectPage(coordinatorPage, t(en, "nav.dashboard"));
    await expect.poll(() => card("requested").textContent(), WAIT).toContain(String(after.requested));
    const completionAfter = new Intl.NumberFormat(en, { style: "percent", maximumFractionDigits: 1 }).format(
      after.completionRate ?? Number.NaN,
    );
    await expect.poll(() => card("completionRate").textContent(), WAIT).toContain(completionAfter);
    expect(completionBefore).not.toContain(completionAfter);
  });

  it("answers another MMCC's officer with the not-found page, and never shows a municipality restricted sections", async () => {
    const lang = "ar";
    const { page } = await session(net.logins.otherOfficer, lang);
    await page.goto(`/console/referrals/${referralIds[0]}`);
    await expectPage(page, t(lang, "notFound.title"));
    expect(await page.locator("html").getAttribute("dir")).toBe("rtl");

    // A sender that puts a GBV section into a referral to an MMCC anyway: it never reaches the screen.
    const secret = canary();
    const referralId = randomUUID();
    const o = net.network.orgs;
    const pkg = ReferralPackage.fromPartial({
      referralId,
      rootReferralId: referralId,
      origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
      beneficiaryRef: `ben-${randomUUID()}`,
      referrer: { organisationId: o.ngo, displayName: "Hayat (test)" },
      target: { organisationId: o.mmccGaziantep },
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      consentId: randomUUID(),
      consentExpiresAt: new Date(Date.now() + 365 * 86_400_000),
      consentScope: {
        organisationIds: [],
        partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
        purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
        dataCategories: [
          DataCategory.DATA_CATEGORY_IDENTITY,
          DataCategory.DATA_CATEGORY_PROTECTION,
          DataCategory.DATA_CATEGORY_GBV,
        ],
      },
      requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: o.ngo, actorId: "ngo-caseworker" },
      requestedAt: new Date(),
      reasonForReferral: "A misbehaving sender (synthetic).",
      identity: { givenName: "Hala", familyName: "Synthetic" },
      protection: { riskLevel: RiskLevel.RISK_LEVEL_HIGH, concerns: [], concernsSummary: secret },
      gbv: { incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT, survivorCentredNotes: secret },
    });
    const nats = await connectNats(net.network.natsAs("intake"));
    try {
      await publishReferral(nats, { ...pkg, sharedDataCategories: presentDataCategories(pkg) });
    } finally {
      await nats.close();
    }
    const officer = net.logins.officer;
    await waitForInbox(
      net.api,
      "municipality",
      referralId,
      staff(officer.organisationId, officer.actorId, ...officer.roles),
    );
    const officerPage = (await session(officer, lang)).page;
    await officerPage.goto(`/console/referrals/${referralId}`);
    await expectPage(officerPage, t(lang, "referral:title"));
    await officerPage.getByRole("heading", { name: t(lang, "referral:package.title") }).waitFor();
    await officerPage.getByText("Hala", { exact: false }).first().waitFor();
    expect(await officerPage.content()).not.toContain(secret);
    expect(await officerPage.getByRole("heading", { name: t(lang, "referral:section.gbv") }).count()).toBe(0);
  });

  it("refers to a suggested organisation, showing why it ranks and exactly what it will receive; keeps the referral made offline on the device and sends it exactly once when the connection returns", async () => {
    const lang = "en";
    const w = (key: string, values?: Record<string, string | number>) => t(lang, `wizard:${key}`, values);
    const before = await referralsOfNgo();
    const { context, page } = await session(net.logins.referrer, lang);
    await page
      .getByRole("navigation", { name: t(lang, "nav.label") })
      .getByRole("link", { name: t(lang, "nav.newReferral") })
      .click();
    await expectPage(page, t(lang, "wizard:title"));
    // A consent of 200 days, explained through an interpreter.
    const expiresOn = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
    let targetName = "";
    let shared: string[] = [];
    await fillWizard(page, lang, {
      afterStep: async (step) => {
        if (step === "consent") {
          await page.getByRole("checkbox", { name: w("consent.interpreterUsed") }).check();
          await page.getByRole("textbox", { name: w("consent.expiresOn") }).fill(expiresOn);
        }
        if (step === "referral") {
          // The best-ranked suggestion, with the reasons it ranks there and whether the consent covers it.
          const suggestion = page
            .getByRole("group", { name: w("referral.target") })
            .getByRole("radio", { name: w("referral.rank", { rank: 1 }) })
            .first();
          await suggestion.waitFor(WAIT);
          const reasons = page.locator(`[id="${await suggestion.getAttribute("aria-describedby")}"]`);
          expect(await reasons.getByRole("listitem").count()).toBeGreaterThan(0);
          for (const reason of await reasons.getByRole("listitem").allTextContents())
            expect(reason, "a reason in words, not a code").not.toMatch(/^[A-Z_]+$/);
          expect(await reasons.textContent()).toContain(w("referral.covered"));
          await suggestion.check();
          targetName = (
            (await suggestion.locator("xpath=..").locator("bdi").first().textContent()) ?? ""
          ).trim();
          expect(targetName).not.toBe("");
          // Offline from here: the rest of the wizard needs no connection.
          await context.setOffline(true);
        }
        if (step === "confirm") {
          expect(await fact(page, w("confirm.to")).textContent()).toContain(targetName);
          await page.getByRole("heading", { name: w("confirm.sharedWith", { name: targetName }) }).waitFor();
          // What it will receive: the categories MMCC counselling requires (the data contract intake
          // cuts packages by), whatever the offering's own lists say; nothing shared is also named as
          // not shared.
          shared = await page.locator(".wizard-shared > li > strong").allTextContents();
          expect([...shared].sort()).toEqual(
            [
              "DATA_CATEGORY_IDENTITY",
              "DATA_CATEGORY_CONTACT",
              "DATA_CATEGORY_DEMOGRAPHICS",
              "DATA_CATEGORY_NEEDS",
            ]
              .map((category) => label(lang, category))
              .sort(),
          );
          const notShared = page.getByText(
            w("confirm.notShared", { categories: "|" }).split("|")[0] as string,
          );
          if ((await notShared.count()) > 0) {
            for (const category of shared) expect(await notShared.textContent()).not.toContain(category);
          }
        }
      },
    });
    await page.getByRole("button", { name: t(lang, "wizard:send") }).click();
    await page
      .getByRole("status")
      .filter({ hasText: t(lang, "wizard:sent.queuedOffline") })
      .waitFor();
    await page
      .getByText(t(lang, "outbox:count.waiting", { count: 1 }))
      .first()
      .waitFor();
    expect(await referralsOfNgo()).toEqual(before);

    await context.setOffline(false);
    await page
      .getByRole("status")
      .filter({ hasText: t(lang, "wizard:sent.done") })
      .waitFor({ timeout: 30_000 })
      .catch(async (error: unknown) => {
        throw new Error(`not sent: ${await page.locator("main").textContent()}`, { cause: error });
      });
    const created = (await referralsOfNgo()).filter((id) => !before.includes(id));
    expect(created).toHaveLength(1);
    // Nothing more arrives: the outbox has nothing left to send, and intake still holds one.
    await page
      .getByText(t(lang, "outbox:count.waiting", { count: 1 }))
      .first()
      .waitFor({ state: "detached" });
    expect((await referralsOfNgo()).filter((id) => !before.includes(id))).toEqual(created);

    // The package went to the organisation chosen, with exactly the categories the confirmation
    // listed and the consent's expiry as set.
    const referrer = net.logins.referrer;
    const sent = (await net.api.must(
      "intake",
      I,
      "GetReferral",
      { referralId: created[0] as string },
      staff(referrer.organisationId, referrer.actorId, ...referrer.roles),
    )) as {
      referralPackage?: {
        target?: { displayName?: string };
        sharedDataCategories?: string[];
        consentExpiresAt?: string;
      };
    };
    const pkg = sent.referralPackage ?? {};
    expect((pkg.sharedDataCategories ?? []).map((category) => label(lang, category)).sort()).toEqual(
      [...shared].sort(),
    );
    if (pkg.target?.displayName) expect(pkg.target.displayName).toBe(targetName);
    expect(
      Math.abs(Date.parse(pkg.consentExpiresAt ?? "") - Date.parse(`${expiresOn}T12:00:00Z`)),
    ).toBeLessThan(36 * 3_600_000);

    // Sent: the device keeps no personal data of the submission.
    const stored = await browserStorage(page);
    for (const value of [WIZARD_PERSON.givenName, WIZARD_PERSON.familyName, WIZARD_PERSON.phone])
      expect(stored, `${value} kept in browser storage after sending`).not.toContain(value);
  });

  it("shows the coordinator an erasure request with its 30-day KVKK clock, by its reference only", async () => {
    // A person of the NGO's whose data went nowhere else: the request completes at once, and intake
    // tells coordination (ADR 0023).
    const erased = await registerPerson(ngo, { givenName: ERASED_PERSON.givenName });
    const referrer = net.logins.referrer;
    const requested = await net.api.must(
      "intake",
      I,
      "RequestErasure",
      {
        requestId: randomUUID(),
        beneficiaryId: erased.beneficiaryId,
        reason: "ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST",
      },
      staff(referrer.organisationId, referrer.actorId, ...referrer.roles),
    );
    const erasureRequestId = (requested.erasureRequest as { erasureRequestId: string }).erasureRequestId;
    type Tracked = { erasureRequestId: string; requestedAt: string; kvkkDueBy: string; completedAt?: string };
    const tracked = async (caller: Parameters<typeof net.api.must>[4]) =>
      (
        ((
          await net.api.must(
            "coordination",
            C,
            "ListErasureRequests",
            { includeCompleted: true, page: { pageSize: 500 } },
            caller,
          )
        ).erasureRequests ?? []) as Tracked[]
      ).find((request) => request.erasureRequestId === erasureRequestId);
    const report = await waitFor(async () => tracked(coordinator), {
      timeoutMs: 30_000,
      message: "coordination to track the erasure request",
    });
    expect(report.completedAt).toBeDefined();
    // Staff of another organisation do not see it: coordination answers them their own requests only.
    const officer = net.logins.officer;
    expect(await tracked(staff(officer.organisationId, officer.actorId, ...officer.roles))).toBeUndefined();

    const lang = "tr";
    const { page } = await session(net.logins.coordinator, lang);
    await page
      .getByRole("navigation", { name: t(lang, "nav.label") })
      .getByRole("link", { name: t(lang, "nav.erasures") })
      .click();
    await expectPage(page, t(lang, "nav.erasures"));
    const row = page.getByRole("row").filter({ hasText: short(erasureRequestId) });
    await row.waitFor(WAIT);
    const text = (await row.textContent()) ?? "";
    // Received and due dates are Turkish calendar days, whatever the machine's time zone.
    const day = (iso: string) =>
      new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "Europe/Istanbul" }).format(
        new Date(iso),
      );
    expect(text).toContain(day(report.requestedAt));
    expect(text).toContain(day(report.kvkkDueBy));
    expect(text).toContain(t(lang, "erasures:clock.completed"));
    expect(text).toContain(t(lang, "erasures:status.completed", { date: day(report.completedAt as string) }));
    expect(text).toContain(t(lang, "erasures:holder.none"));
    // Coordination holds nothing of the person, and the page shows nothing: not even the registration's id.
    const main = (await page.locator("main").textContent()) ?? "";
    for (const value of [ERASED_PERSON.givenName, PERSON_BODY.familyName, erased.beneficiaryId])
      expect(main, `${value} on the erasure requests page`).not.toContain(value);
  });

  // Some twenty pages in three languages, each checked by axe: a loaded machine needs more than the
  // project's default (seven minutes were not enough with the load average above 30 on two cores).
  it("passes axe on every page in Turkish, Arabic (right to left) and English", {
    timeout: 900_000,
  }, async () => {
    const officer = (await session(net.logins.officer, "tr")).page;
    const referrer = (await session(net.logins.referrer, "tr")).page;
    const coordinatorPage = (await session(net.logins.coordinator, "tr")).page;
    for (const lang of CONSOLE_LANGUAGES) {
      const check = async (page: Page, path: string, heading: string, name: string) => {
        if (path) await page.goto(path);
        await expectPage(page, heading);
        await expect
          .poll(
            () =>
              page
                .getByRole("status")
                .filter({ hasText: t(lang, "state.loading") })
                .count(),
            WAIT,
          )
          .toBe(0);
        expect(await page.locator("html").getAttribute("lang")).toBe(lang);
        expect(await page.locator("html").getAttribute("dir")).toBe(lang === "ar" ? "rtl" : "ltr");
        await expectNoAxeViolations(page, `${name} (${lang})`);
      };
      for (const page of [officer, referrer, coordinatorPage]) await switchLanguage(page, lang);
      await check(officer, "/console/inbox", t(lang, "inbox:title"), "the inbox");
      await officer.locator("tbody tr").first().waitFor();
      await check(
        officer,
        `/console/referrals/${referralIds[4]}`,
        t(lang, "referral:title"),
        "the referral page",
      );
      await officer.getByRole("heading", { name: t(lang, "referral:timeline.title") }).waitFor();
      await expectNoAxeViolations(officer, `the referral page with its history (${lang})`);
      await check(officer, "/console/my-cases", t(lang, "inbox:myCases.title"), "my cases");
      await check(officer, "/console/follow-ups", t(lang, "inbox:followUps.title"), "follow-ups");
      await check(officer, "/console/no-such-page", t(lang, "notFound.title"), "the not-found page");
      await check(
        officer,
        `/console/referrals/${randomUUID()}`,
        t(lang, "notFound.title"),
        "an unknown referral",
      );

      await check(referrer, "/console/my-referrals", t(lang, "myReferrals:title"), "my referrals");
      await check(
        referrer,
        `/console/my-referrals/${referralIds[0]}`,
        t(lang, "myReferrals:one.title"),
        "one of my referrals",
      );
      await check(
        referrer,
        `/console/my-referrals/${referralIds[0]}/disclosures`,
        t(lang, "disclosures:title"),
        "where the person's data went",
      );
      await check(referrer, "/console/new-referral", t(lang, "wizard:title"), "the wizard");
      await fillWizard(referrer, lang, {
        afterStep: (step) => expectNoAxeViolations(referrer, `the wizard's ${step} step (${lang})`),
      });
      await expectNoAxeViolations(referrer, `the wizard's confirmation (${lang})`);
      await referrer.getByRole("button", { name: t(lang, "wizard:startOver") }).click();

      await check(coordinatorPage, "/console/dashboard", t(lang, "nav.dashboard"), "the dashboard");
      await check(coordinatorPage, "/console/overdue", t(lang, "nav.overdue"), "overdue referrals");
      await check(coordinatorPage, "/console/erasure-requests", t(lang, "nav.erasures"), "erasure requests");
      await check(coordinatorPage, "/console/directory", t(lang, "nav.directory"), "the directory");
      await check(coordinatorPage, "/console/notifications", t(lang, "nav.notifications"), "notifications");
    }
  });

  it("lets an officer open, accept and start a referral and open a dialog with the keyboard alone", async () => {
    const lang = "ar";
    const referralId = referralIds[1] as string;
    const { page } = await session(net.logins.officer, lang);
    await expectPage(page, t(lang, "inbox:title"));
    await tabTo(page, linkTo(`/console/referrals/${referralId}`));
    await page.keyboard.press("Enter");
    await expectPage(page, t(lang, "referral:title"));
    expect(new URL(page.url()).pathname).toBe(`/console/referrals/${referralId}`);
    for (const [action, key] of [
      ["accept", "Enter"],
      ["start", "Space"],
    ] as const) {
      await tabTo(page, buttonNamed(t(lang, `referral:action.${action}`)));
      await page.keyboard.press(key);
      await expect
        .poll(() => fact(page, t(lang, "referral:facts.status")).textContent(), WAIT)
        .toBe(label(lang, action === "accept" ? "REFERRAL_STATUS_ACCEPTED" : "REFERRAL_STATUS_IN_PROGRESS"));
    }
    // A dialog opens from the keyboard, holds the focus, and Escape closes it back onto its button.
    await tabTo(page, buttonNamed(t(lang, "referral:action.complete")));
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: t(lang, "referral:dialog.complete") });
    await dialog.waitFor();
    expect(
      await page.evaluate("document.querySelector('dialog[open]').contains(document.activeElement)"),
    ).toBe(true);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(
      await page.evaluate(`(${buttonNamed(t(lang, "referral:action.complete"))})(document.activeElement)`),
    ).toBe(true);
  });

  it("keeps the session in an HttpOnly, Secure, SameSite=Strict cookie, no token in the browser, a CSP without unsafe-inline", async () => {
    const lang = "en";
    const { context, page } = await open(lang);
    const documents: Record<string, string>[] = [];
    page.on("response", (response) => {
      if (response.request().resourceType() === "document" && response.url().includes("/console/"))
        documents.push(response.headers());
    });
    const apiAnswers: Record<string, string>[] = [];
    page.on("response", (response) => {
      if (response.url().includes("/console/api/")) apiAnswers.push(response.headers());
    });
    await logIn(page, net.logins.officer, lang);
    expect(apiAnswers.length).toBeGreaterThan(0);
    for (const headers of apiAnswers) expect(headers["cache-control"]).toContain("no-store");

    const cookies = await context.cookies(net.url);
    const sessionCookie = cookies.find((cookie) => cookie.name === "__Host-kopru-console");
    expect(sessionCookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    expect(await page.evaluate("document.cookie")).not.toContain("kopru-console");

    expect(documents.length).toBeGreaterThan(0);
    for (const headers of documents) {
      const csp = headers["content-security-policy"] ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
    }
    // The Excel export works under that policy (exceljs is loaded on demand and needs no eval): one
    // click, a workbook of the inbox's rows with the English headers.
    const table = page.getByRole("table", { name: t(lang, "inbox:caption") });
    await table.locator("tbody tr").first().waitFor(WAIT);
    await page.evaluate(`(() => {
      window.kopruViolations = [];
      document.addEventListener("securitypolicyviolation", (event) =>
        window.kopruViolations.push(event.violatedDirective + " " + event.blockedURI));
    })()`);
    const workbook = await xlsxRows(
      await downloadFrom(page, page.getByRole("button", { name: t(lang, "table.exportXlsx"), exact: true })),
    );
    expect(await page.evaluate("window.kopruViolations")).toEqual([]);
    expect(workbook.rightToLeft).toBe(false);
    expect(workbook.rows[0]?.slice(0, 2)).toEqual([
      t(lang, "inbox:column.referral"),
      t(lang, "inbox:column.status"),
    ]);
    const shown = await table
      .locator('tbody a[href^="/console/referrals/"]')
      .evaluateAll((links) => links.map((link) => link.getAttribute("href")?.split("/").pop() ?? ""));
    expect(
      workbook.rows
        .slice(1)
        .map((row) => row[0])
        .sort(),
    ).toEqual(shown.sort());

    const stored = await browserStorage(page);
    expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+/);
    expect(stored).not.toContain((sessionCookie as { value: string }).value);
  });

  it("never puts the person's name or phone number in an address or a page title", async () => {
    // Pages of its own that show the people (whatever the other tests saw is checked too): the
    // referrer's view of a referral about Şirinnaz, and the wizard typing in another person.
    const lang = "tr";
    const { page } = await session(net.logins.referrer, lang);
    const own: { url: string; title: string }[] = [];
    const note = async () => {
      own.push({ url: page.url(), title: await page.title() });
    };
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) own.push({ url: frame.url(), title: "" });
    });
    await page.goto(`/console/my-referrals/${referralIds[0]}`);
    await expectPage(page, t(lang, "myReferrals:one.title"));
    await note();
    await page.goto(`/console/my-referrals/${referralIds[0]}/disclosures`);
    await expectPage(page, t(lang, "disclosures:title"));
    await note();
    await page.goto("/console/new-referral");
    await expectPage(page, t(lang, "wizard:title"));
    await fillWizard(page, lang, { afterStep: note });
    expect(own.length).toBeGreaterThan(8);
    const text = JSON.stringify([...own, ...seen]);
    for (const value of [
      PERSON.givenName,
      PERSON.familyName,
      PERSON.phone,
      encodeURIComponent(PERSON.givenName),
      encodeURIComponent(PERSON.phone),
      WIZARD_PERSON.givenName,
      WIZARD_PERSON.familyName,
      WIZARD_PERSON.phone,
      encodeURIComponent(WIZARD_PERSON.phone),
      ERASED_PERSON.givenName,
      encodeURIComponent(ERASED_PERSON.givenName),
    ])
      expect(text, `${value} in an address or a title`).not.toContain(value);
  });
});

/** The person the wizard registers. */
const WIZARD_PERSON = { givenName: "Nesrinaz", familyName: "Synthetic-Darwish", phone: "+905550009876" };
type WizardStep = "person" | "consent" | "needs" | "referral" | "confirm";

/**
 * Goes through the wizard's steps up to the confirmation (not sending), filling what each needs:
 * `beforeStep` runs as a step opens, `afterStep` once it is filled in.
 */
async function fillWizard(
  page: Page,
  lang: ConsoleLanguage,
  hooks: { beforeStep?(step: WizardStep): Promise<void>; afterStep?(step: WizardStep): Promise<void> } = {},
): Promise<void> {
  const w = (key: string, values?: Record<string, string | number>) => t(lang, `wizard:${key}`, values);
  const steps: WizardStep[] = ["person", "consent", "needs", "referral", "confirm"];
  for (const [index, step] of steps.entries()) {
    await page
      .getByRole("heading", {
        level: 2,
        name: w("stepHeading", { index: index + 1, total: steps.length, name: w(`steps.${step}`) }),
      })
      .waitFor();
    await hooks.beforeStep?.(step);
    switch (step) {
      case "person":
        await page
          .getByRole("textbox", { name: w("person.givenName"), exact: true })
          .fill(WIZARD_PERSON.givenName);
        await page
          .getByRole("textbox", { name: w("person.familyName"), exact: true })
          .fill(WIZARD_PERSON.familyName);
        await page.getByRole("combobox", { name: w("person.sex"), exact: true }).selectOption("SEX_FEMALE");
        await page.getByRole("textbox", { name: w("person.birthYear"), exact: true }).fill("1988");
        await page.getByRole("combobox", { name: w("person.province"), exact: true }).selectOption("TUR027");
        await page.getByRole("textbox", { name: w("person.phone"), exact: true }).fill(WIZARD_PERSON.phone);
        await page.getByRole("combobox", { name: w("person.language"), exact: true }).selectOption("ar");
        break;
      case "consent":
        await page.getByRole("radio", { name: label(lang, "CONSENT_METHOD_VERBAL_RECORDED") }).check();
        await page.getByRole("combobox", { name: w("consent.explainedIn"), exact: true }).selectOption("ar");
        await page.getByRole("checkbox", { name: label(lang, "PARTNER_KIND_MUNICIPALITY") }).check();
        // The MMCC's counselling needs the person's needs: the consent names them.
        await page.getByRole("checkbox", { name: label(lang, "DATA_CATEGORY_NEEDS") }).check();
        break;
      case "needs":
        await page.getByRole("checkbox", { name: label(lang, "SERVICE_TYPE_MMCC_COUNSELLING") }).check();
        break;
      case "referral":
        await page
          .getByRole("combobox", { name: w("referral.serviceType"), exact: true })
          .selectOption("SERVICE_TYPE_MMCC_COUNSELLING");
        await page
          .getByRole("textbox", { name: w("referral.reason"), exact: true })
          .fill("Needs counselling on services (synthetic).");
        break;
      case "confirm":
        break;
    }
    await hooks.afterStep?.(step);
    if (step !== "confirm") await page.getByRole("button", { name: w("next") }).click();
  }
}

/** The coordination network's totals, as the dashboard's headline reads them. */
interface Totals {
  requested: number;
  completed: number;
  declined: number;
  completionRate?: number;
}

/** Waits until coordination's totals satisfy `until` (they follow events), and returns them. */
async function figures(until: (total: Totals) => boolean, message: string): Promise<Totals> {
  return waitFor(
    async () => {
      const answer = await net.api.must("coordination", C, "GetReferralFigures", {}, coordinator);
      const raw = (answer.total ?? {}) as Record<string, string | number | undefined>;
      const total: Totals = {
        requested: Number(raw.requested ?? 0),
        completed: Number(raw.completed ?? 0),
        declined: Number(raw.declined ?? 0),
        ...(raw.completionRate === undefined ? {} : { completionRate: Number(raw.completionRate) }),
      };
      return until(total) ? total : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, message },
  );
}

/** How many notices `caller` has unread, once the notices of `referralIds` have all reached the feed. */
async function unreadNotices(
  caller: ReturnType<typeof staff>,
  referralIds: readonly string[],
): Promise<number> {
  const { unread } = await waitFor(
    async () => {
      const answer = (await net.api.must(
        "notifications",
        N,
        "ListNotifications",
        { page: { pageSize: 500 } },
        caller,
      )) as { unreadCount?: string | number; notifications?: { referralId?: string }[] };
      const noticed = new Set((answer.notifications ?? []).map((notice) => notice.referralId));
      return referralIds.every((id) => noticed.has(id))
        ? { unread: Number(answer.unreadCount ?? 0) }
        : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, message: `notices of ${referralIds.length} referrals in the feed` },
  );
  return unread;
}

/** The number on the navigation's unread badge (none shown: 0). */
async function badgeCount(page: Page): Promise<number> {
  const badge = page.locator("a.notifications-link .badge");
  if ((await badge.count()) === 0) return 0;
  return Number(await badge.locator('[aria-hidden="true"]').textContent());
}

/** Waits until the unread badge shows `count` (reloading: it refreshes once a minute on its own). */
async function untilBadge(page: Page, lang: ConsoleLanguage, count: number): Promise<void> {
  await waitFor(
    async () => {
      const shown = await expect
        .poll(() => badgeCount(page), { timeout: 5_000 })
        .toBe(count)
        .then(() => true)
        .catch(() => false);
      if (!shown) await page.reload();
      return shown;
    },
    { timeoutMs: 60_000, message: `the unread badge to show ${count}` },
  );
  if (count > 0)
    expect(await page.locator("a.notifications-link .badge").textContent()).toContain(
      t(lang, "notifications.unreadCount", { count }),
    );
}

/** Picks `lang` in the language switch, as a person would; the choice persists on the device. */
async function switchLanguage(page: Page, lang: ConsoleLanguage): Promise<void> {
  const current = (await page.locator("html").getAttribute("lang")) as ConsoleLanguage;
  if (current === lang) return;
  await page.getByRole("banner").getByRole("combobox").selectOption(lang);
  await expect.poll(() => page.locator("html").getAttribute("lang"), WAIT).toBe(lang);
}

/** The referral ids the NGO has made, as intake lists them (behind the screen). */
async function referralsOfNgo(): Promise<string[]> {
  const referrer = net.logins.referrer;
  const answer = await net.api.must(
    "intake",
    I,
    "ListReferrals",
    { referrerOrganisationId: referrer.organisationId, page: { pageSize: 500 } },
    staff(referrer.organisationId, referrer.actorId, ...referrer.roles),
  );
  return ((answer.referrals ?? []) as { referralId: string }[]).map((referral) => referral.referralId).sort();
}

/** Everything the console's origin keeps in the browser: local and session storage, every IndexedDB store. */
async function browserStorage(page: Page): Promise<string> {
  return page.evaluate(`(async () => {
    const read = (request) => new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const databases = [];
    for (const info of await indexedDB.databases()) {
      const db = await read(indexedDB.open(info.name));
      for (const store of db.objectStoreNames)
        databases.push({ db: info.name, store, rows: await read(db.transaction(store).objectStore(store).getAll()) });
      db.close();
    }
    return JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, databases });
  })()`);
}
