import { ConfigError, loadConfig } from "@kopru/config";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DEFAULT_RUN_INTERVAL_MS, retentionEnv } from "./config.js";
import { DAY_MS, type DataClass, parsePeriodDays, resolveRetentionPolicy } from "./policy.js";

const stream = { name: "KOPRU_REFERRAL", maxAgeMs: 30 * DAY_MS };

function dataClass(name: string, defaultPeriodDays: number, carried = false): DataClass {
  return {
    name,
    description: name,
    method: "erased",
    defaultPeriodDays,
    reason: "test",
    ...(carried ? { carriedBy: [stream] } : {}),
    select: async () => [],
    destroy: async () => {},
  };
}

const classes = [dataClass("screenings", 365), dataClass("referrer-packages", 90, true)];
const schema = z.object(retentionEnv);

function policyFrom(env: Record<string, string>) {
  const config = loadConfig(schema, env);
  return resolveRetentionPolicy({
    classes,
    organisations: ["ngo-hayat", "ngo-umut"],
    overrides: config.RETENTION_PERIODS,
  });
}

function issuesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.variable}: ${i.message}`);
    throw error;
  }
  return [];
}

describe("retention configuration", () => {
  it("defaults to a run every six months and each class's own period", () => {
    expect(loadConfig(schema, {}).RETENTION_RUN_EVERY).toBe(DEFAULT_RUN_INTERVAL_MS);
    const policy = policyFrom({});
    expect(policy.periodDays("ngo-hayat", "screenings")).toBe(365);
    expect(policy.periodDays("ngo-umut", "referrer-packages")).toBe(90);
  });

  it("reads periods per class and per organisation; the organisation's entry wins whatever the order", () => {
    const policy = policyFrom({ RETENTION_PERIODS: "ngo-umut:screenings=2y, screenings=26w" });
    expect(policy.periodDays("ngo-hayat", "screenings")).toBe(182);
    expect(policy.periodDays("ngo-umut", "screenings")).toBe(730);
  });

  it("accepts a daily run and refuses one rarer than six months or more often than daily", () => {
    expect(loadConfig(schema, { RETENTION_RUN_EVERY: "1d" }).RETENTION_RUN_EVERY).toBe(DAY_MS);
    for (const value of ["185d", "12h", "soon"]) {
      expect(issuesOf(() => loadConfig(schema, { RETENTION_RUN_EVERY: value }))).toEqual([
        `RETENTION_RUN_EVERY: expected a duration between "1d" and "184d" (KVKK: at least every six months), got "${value}"`,
      ]);
    }
  });

  it("fails at start naming the key: malformed entries, unknown classes and organisations, duplicates", () => {
    expect(issuesOf(() => policyFrom({ RETENTION_PERIODS: "screenings=forever" }))[0]).toMatch(
      /^RETENTION_PERIODS: expected a comma-separated list; item 1: expected "\[organisation:\]data-class=period"/,
    );
    expect(
      issuesOf(() =>
        policyFrom({
          RETENTION_PERIODS: "screening=30d,ngo-other:screenings=30d,screenings=40d,screenings=50d",
        }),
      ),
    ).toEqual([
      'RETENTION_PERIODS: entry "screening=30d": unknown data class "screening" (known: screenings, referrer-packages)',
      'RETENTION_PERIODS: entry "screenings=50d": *:screenings is given more than once',
      'RETENTION_PERIODS: entry "ngo-other:screenings=30d": organisation "ngo-other" is not hosted here (hosted: ngo-hayat, ngo-umut)',
    ]);
  });

  it("refuses a period shorter than a stream carrying the class keeps its messages", () => {
    expect(issuesOf(() => policyFrom({ RETENTION_PERIODS: "ngo-hayat:referrer-packages=14d" }))).toEqual([
      'RETENTION_PERIODS: entry "ngo-hayat:referrer-packages=14d": 14d is shorter than the 30d the stream KOPRU_REFERRAL keeps the "referrer-packages" it carries',
    ]);
    expect(
      policyFrom({ RETENTION_PERIODS: "referrer-packages=30d" }).periodDays("ngo-umut", "referrer-packages"),
    ).toBe(30);
  });

  it("treats a default that a stream outlives as a programming error", () => {
    expect(() =>
      resolveRetentionPolicy({ classes: [dataClass("packages", 7, true)], organisations: ["ngo-hayat"] }),
    ).toThrow('default retention of "packages": 7d is shorter than the 30d the stream KOPRU_REFERRAL keeps');
  });

  it("parses periods in days, weeks and years", () => {
    expect([parsePeriodDays("90d"), parsePeriodDays("12w"), parsePeriodDays("2y")]).toEqual([90, 84, 730]);
    expect([parsePeriodDays("0d"), parsePeriodDays("3m"), parsePeriodDays("")]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("service-wide data classes", () => {
  const outbox: DataClass = { ...dataClass("sent-events", 30, true), scope: "service" };

  it("run once under '*', after every organisation's classes, with one period for the service", () => {
    const policy = resolveRetentionPolicy({
      classes: [outbox, ...classes],
      organisations: ["ngo-hayat", "ngo-umut"],
      overrides: [{ dataClass: "sent-events", days: 60, text: "sent-events=60d" }],
    });
    expect(policy.runs().map((r) => `${r.organisationId}/${r.dataClass.name}`)).toEqual([
      "ngo-hayat/screenings",
      "ngo-hayat/referrer-packages",
      "ngo-umut/screenings",
      "ngo-umut/referrer-packages",
      "*/sent-events",
    ]);
    expect(policy.periodDays("*", "sent-events")).toBe(60);
  });

  it("refuses a period for one organisation", () => {
    expect(
      issuesOf(() =>
        resolveRetentionPolicy({
          classes: [outbox],
          organisations: ["ngo-hayat"],
          overrides: [
            {
              organisationId: "ngo-hayat",
              dataClass: "sent-events",
              days: 60,
              text: "ngo-hayat:sent-events=60d",
            },
          ],
        }),
      ),
    ).toEqual([
      'RETENTION_PERIODS: entry "ngo-hayat:sent-events=60d": "sent-events" is kept for the whole service; give its period without an organisation',
    ]);
  });
});
