// Screenshots of the staff console for the docs: the inbox, a referral page and the coordinator's
// dashboard in Arabic and Turkish, taken from the running seeded demo (`pnpm start`) in Debian's
// Chromium, into docs/screenshots/console-{inbox,referral,dashboard}-{ar,tr}.png.
//
//   pnpm start                 # in another terminal, until it prints the console's address
//   pnpm console:screenshots   # DATA_DIR / KOPRU_GATEWAY_HTTP_ADDR / KOPRU_IDENTITY_ADDR as for the demo

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { type ConsoleLanguage, t } from "../support/console.js";
import { connectToDemo } from "../support/demo.js";

const OUT = fileURLToPath(new URL("../../docs/screenshots/", import.meta.url));
const OFFICER = process.env.SCREENSHOT_OFFICER ?? "caseworker@mmcc-gaziantep";
const COORDINATOR = process.env.SCREENSHOT_COORDINATOR ?? "coordinator@coordination";

async function settled(page: Page, language: ConsoleLanguage): Promise<void> {
  await page.getByRole("heading", { level: 1 }).waitFor();
  await page
    .getByRole("status")
    .filter({ hasText: t(language, "state.loading") })
    .first()
    .waitFor({ state: "detached" });
  // Fonts and layout done: the screenshot shows the page as a person sees it.
  await page.evaluate("document.fonts.ready.then(() => true)");
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path, fullPage });
  console.log(`wrote ${path}`);
}

const demo = await connectToDemo();
try {
  mkdirSync(OUT, { recursive: true });
  for (const language of ["ar", "tr"] as const) {
    const officer = await demo.session(OFFICER, language);
    await officer.page.goto("/console/inbox");
    await officer.page.locator("tbody tr").first().waitFor();
    await settled(officer.page, language);
    await shoot(officer.page, `console-inbox-${language}`);

    await officer.page.locator('tbody a[href^="/console/referrals/"]').first().click();
    await officer.page.getByRole("heading", { name: t(language, "referral:timeline.title") }).waitFor();
    await settled(officer.page, language);
    await shoot(officer.page, `console-referral-${language}`);
    await officer.context.close();

    const coordinator = await demo.session(COORDINATOR, language);
    await coordinator.page.goto("/console/dashboard");
    await coordinator.page.locator(".chart canvas, .chart svg").first().waitFor();
    await settled(coordinator.page, language);
    // The whole dashboard: the totals, the chart and its table twin.
    await shoot(coordinator.page, `console-dashboard-${language}`, true);
    await coordinator.context.close();
  }
} finally {
  await demo.close();
}
