import { ReferralStatus as S } from "@kopru/contracts/common/v1/vocabulary";
import { FigureDimension } from "@kopru/contracts/coordination/v1/tracking";
import { type Database, openDatabase } from "@kopru/storage";
import { waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lifecycle, networkShape, random } from "../bench/lifecycles.js";
import {
  FigureFolder,
  figureGroups,
  figureGroupsAndTotal,
} from "../src/adapters/persistence/figure-rollup.js";
import { trackingStore } from "../src/adapters/persistence/tracking-store.js";
import type { FigureColumn, GroupCounts, TrackingFilter } from "../src/application/ports.js";
import { DAY, type Harness, HOUR, type Publisher, startCoordination, startPublisher } from "./harness.js";

// The figures rollup (ADR 0029) answers exactly what the tracking rows say: varied lifecycles go
// through JetStream into the real consumers, then every grouping and range is asked of the rollup
// (folded, and not folded yet) and of the rows, and the answers must be equal.

const COLUMNS: FigureColumn[] = [
  "target_organisation_id",
  "referrer_organisation_id",
  "service_type",
  "province_code",
  "priority",
  "sex",
  "age_band",
  "disability_status",
  "nationality",
];
const noFilter: TrackingFilter = {
  targetOrganisationIds: [],
  referrerOrganisationIds: [],
  serviceTypes: [],
  provinceCodes: [],
  priorities: [],
  sexes: [],
  ageBands: [],
  disabilityStatuses: [],
  nationalities: [],
};

describe("the figures rollup", () => {
  let h: Harness;
  let partner: Publisher;
  let db: Database;
  const now = new Date();
  // 60 days back: the range crosses at least one month boundary.
  const shape = () => networkShape(h.suffix, now, 60);
  const rnd = random(29);
  let statusCount = 0;
  let outcomeCount = 0;
  let followUpCount = 0;

  beforeAll(async () => {
    h = await startCoordination({ FIGURES_MIN_CELL_SIZE: "1" });
    partner = await startPublisher(h.nats);
    db = await openDatabase({ service: "rollup-test", url: h.database?.url, poolSize: 2 });
    const lifecycles = Array.from({ length: 240 }, () => lifecycle(rnd, shape()));
    // Outcome reports and follow-ups first: they reach coordination before the referral's status
    // events (other consumers), and must still count once the referral is tracked.
    const early = lifecycles.slice(0, 40);
    for (const l of early) {
      for (const o of l.outcomes) await partner.publishOutcome(o.report, o.version);
      for (const f of l.followUps) await partner.publishFollowUp(f);
    }
    for (const l of lifecycles) await partner.publish(l.status);
    for (const l of lifecycles.slice(40)) {
      for (const o of l.outcomes) await partner.publishOutcome(o.report, o.version);
      for (const f of l.followUps) await partner.publishFollowUp(f);
    }
    statusCount = lifecycles.reduce((n, l) => n + l.status.length, 0);
    outcomeCount = lifecycles.filter((l) => l.outcomes.length > 0).length;
    followUpCount = lifecycles.filter((l) => l.followUps.length > 0).length;
    await waitFor(
      async () => {
        const applied = await db.query<{ events: number; outcomes: number; follow_ups: number; v: number }>(
          `SELECT (SELECT count(*) FROM tracked_events)::integer AS events,
                  (SELECT count(*) FROM tracked_outcomes WHERE version = 2)::integer AS outcomes,
                  (SELECT count(*) FROM tracked_follow_ups)::integer AS follow_ups`,
        );
        const row = applied.rows[0];
        return (
          row?.events === statusCount && row.outcomes === outcomeCount && row.follow_ups === followUpCount
        );
      },
      { timeoutMs: 60_000, message: "coordination never applied every event" },
    );
  }, 120_000);

  afterAll(async () => {
    await db?.close();
    await partner?.stop();
    await h?.stop();
  });

  const ranges: [string, Pick<TrackingFilter, "requestedFrom" | "requestedBefore">][] = [
    ["all time", {}],
    ["from a partial day", { requestedFrom: new Date(now.getTime() - 40 * DAY - 5 * HOUR) }],
    [
      "a range of partial days across a month",
      {
        requestedFrom: new Date(now.getTime() - 50 * DAY + 3 * HOUR),
        requestedBefore: new Date(now.getTime() - 9 * DAY + 7 * HOUR),
      },
    ],
    [
      "within one day",
      {
        requestedFrom: new Date(now.getTime() - 20 * DAY),
        requestedBefore: new Date(now.getTime() - 20 * DAY + 9 * HOUR),
      },
    ],
  ];

  // The overdue counts depend on the clock: asked now, and days later (deadlines folded into the
  // cells then fall before "today", today's in the middle of the afternoon).
  const clocks = [now, new Date(now.getTime() + 4 * DAY + 5 * HOUR)];

  async function compareAll(): Promise<void> {
    for (const at of clocks) {
      for (const [, range] of ranges) {
        for (const groupBy of [[], ...COLUMNS.map((c) => [c])] as FigureColumn[][]) {
          const filter = { ...noFilter, ...range };
          const [fromRollup, fromRows] = await db.transaction(
            async (tx) => [
              await figureGroups(tx, filter, groupBy, at),
              await figureGroups(tx, filter, groupBy, at, { fromRows: true }),
            ],
            { isolation: "repeatable read" },
          );
          expect(
            normalise(fromRollup as GroupCounts[]),
            `${groupBy} ${JSON.stringify(range)} at ${at.toISOString()}`,
          ).toEqual(normalise(fromRows as GroupCounts[]));
          // The total added up from the groups is the ungrouped answer.
          const { total } = await figureGroupsAndTotal(db, filter, groupBy, at);
          const [ungrouped] = await figureGroups(db, filter, [], at, { fromRows: true });
          expect(total.counts, `total by ${groupBy}`).toEqual(ungrouped?.counts);
        }
      }
    }
  }

  /** Keys as text: the rollup keeps codes as text, the rows as numbers. */
  const normalise = (groups: GroupCounts[]) =>
    groups.map((g) => ({
      key: Object.fromEntries(Object.entries(g.key).map(([k, v]) => [k, String(v)])),
      counts: g.counts,
    }));

  it("answers every grouping and range as the rows do, whatever part of the changes is folded yet", {
    timeout: 300_000,
  }, async () => {
    await compareAll();
  });

  it("answers the same once the service's folder folded every change, and folding again changes nothing", {
    timeout: 300_000,
  }, async () => {
    await waitFor(
      async () => {
        const pending = await db.query<{ n: number }>("SELECT count(*)::integer AS n FROM figure_dirty");
        return pending.rows[0]?.n === 0;
      },
      { timeoutMs: 30_000, message: "the service never folded the deltas" },
    );
    await compareAll();
    await new FigureFolder(db).drain();
    await compareAll();
    // The whole network's total is every referral, each once.
    const [total] = await figureGroups(db, noFilter, [], now);
    expect(total?.counts.requested).toBe(240);
  });

  it("totals the overdue lists from the folded deadlines as the rows count them", async () => {
    const s = shape();
    const target = s.targets[0] as string;
    const filters: [string, TrackingFilter][] = [
      ["everyone", noFilter],
      ["one target", { ...noFilter, targetOrganisationIds: [target] }],
      [
        "one referrer, last 20 days",
        {
          ...noFilter,
          referrerOrganisationIds: [s.referrers[0] as string],
          requestedFrom: new Date(now.getTime() - 20 * DAY),
        },
      ],
    ];
    for (const at of clocks) {
      for (const [label, filter] of filters) {
        const count = async (condition: string) => {
          const rows = await db.query<{ n: number }>(
            `SELECT count(*)::integer AS n FROM tracked_referrals t
               LEFT JOIN tracked_follow_ups f ON f.referral_id = t.referral_id
              WHERE ${condition}
                AND (cardinality($2::text[]) = 0 OR t.target_organisation_id = ANY($2::text[]))
                AND (cardinality($3::text[]) = 0 OR t.referrer_organisation_id = ANY($3::text[]))
                AND ($4::timestamptz IS NULL OR t.requested_at >= $4)`,
            [at, filter.targetOrganisationIds, filter.referrerOrganisationIds, filter.requestedFrom ?? null],
          );
          return rows.rows[0]?.n;
        };
        const overdue = await count("t.status IN (1, 2) AND t.respond_by < $1");
        const followUp = await count(
          "t.status IN (1, 2, 3, 5, 6) AND f.follow_up_stage IN (1, 2, 3) AND f.follow_up_due_at < $1",
        );
        const expired = await count(
          `t.status = ${S.REFERRAL_STATUS_EXPIRED} AND $1::timestamptz IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM tracked_referrals c WHERE c.parent_referral_id = t.referral_id AND c.origin = 4)`,
        );
        const list = (options: { includeExpired?: boolean; followUp?: boolean }) =>
          db.transaction(
            (tx) =>
              trackingStore.overdue(tx, filter, {
                now: at,
                includeExpired: options.includeExpired ?? false,
                followUp: options.followUp ?? false,
                limit: 5,
                offset: 0,
              }),
            { isolation: "repeatable read" },
          );
        const where = `${label} at ${at.toISOString()}`;
        expect((await list({})).total, `overdue, ${where}`).toBe(overdue);
        expect((await list({ includeExpired: true })).total, `with expired, ${where}`).toBe(
          (overdue ?? 0) + (expired ?? 0),
        );
        expect((await list({ followUp: true })).total, `follow-up, ${where}`).toBe(followUp);
      }
    }
    // The lifecycles leave referrals overdue at both clocks, so the comparison is not of zeros.
    for (const at of clocks) {
      const page = await trackingStore.overdue(db, noFilter, {
        now: at,
        includeExpired: false,
        limit: 1,
        offset: 0,
      });
      expect(page.total).toBeGreaterThan(0);
    }
  });

  it("filters on the grouped dimension from the rollup, and on others from the rows, alike", async () => {
    const s = shape();
    const cases: [TrackingFilter, FigureColumn[]][] = [
      [{ ...noFilter, targetOrganisationIds: s.targets.slice(0, 3) }, ["target_organisation_id"]],
      [{ ...noFilter, serviceTypes: [1, 2] }, ["service_type"]],
      [{ ...noFilter, sexes: [1] }, ["province_code"]],
      [{ ...noFilter }, ["target_organisation_id", "service_type"]],
    ];
    for (const [filter, groupBy] of cases) {
      const fromRollup = await figureGroups(db, filter, groupBy, now);
      const fromRows = await figureGroups(db, filter, groupBy, now, { fromRows: true });
      expect(normalise(fromRollup)).toEqual(normalise(fromRows));
    }
  });

  it("gives percentiles within the bucket width of percentile_cont", async () => {
    const exact = await db.query<{ samples: number; p50: number; p90: number; p95: number }>(
      `SELECT count(*)::integer AS samples,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90,
         percentile_cont(0.95) WITHIN GROUP (ORDER BY s) AS p95
       FROM (SELECT extract(epoch FROM (accepted_at - requested_at))::double precision AS s FROM tracked_referrals
             WHERE accepted_at IS NOT NULL) x`,
    );
    const [total] = await figureGroups(db, noFilter, [], now);
    const accept = total?.counts.timeToAccept;
    const row = exact.rows[0] as { samples: number; p50: number; p90: number; p95: number };
    expect(accept?.sampleCount).toBe(row.samples);
    for (const [got, want] of [
      [accept?.p50Seconds, row.p50],
      [accept?.p90Seconds, row.p90],
      [accept?.p95Seconds, row.p95],
    ] as [number, number][]) {
      expect(Math.abs(got - want)).toBeLessThanOrEqual(0.05 * want + 1);
    }
  });

  it("adds nothing for a redelivered event, and the same whatever order a referral's events come in", {
    timeout: 300_000,
  }, async () => {
    const s = shape();
    const l = lifecycle(random(7), {
      ...s,
      start: new Date(now.getTime() - 30 * DAY),
      end: new Date(now.getTime() - 20 * DAY),
    });
    const events = l.status;
    expect(events.length).toBeGreaterThan(2);
    const ids = events.map((e) => `00000000-0000-7000-8000-${String(e.sequence).padStart(12, "0")}`);
    const before = await figureGroups(db, noFilter, ["target_organisation_id"], now, { fromRows: true });
    // Last event first, then the rest, then every one again (a redelivery after a lost ack).
    const order = [events.length - 1, ...events.slice(0, -1).map((_, i) => i), ...events.map((_, i) => i)];
    for (const i of order) {
      const event = events[i] as (typeof events)[number];
      await db.transaction((tx) =>
        trackingStore.applyStatusChange(tx, ids[i] as string, event, event.occurredAt as Date),
      );
    }
    for (const f of l.followUps) await db.transaction((tx) => trackingStore.applyFollowUp(tx, f, f.sequence));
    for (const f of l.followUps) await db.transaction((tx) => trackingStore.applyFollowUp(tx, f, f.sequence));
    const tracked = await trackingStore.referral(db, events[0]?.referralId as string);
    expect(tracked?.status).toBe((events[events.length - 1] as (typeof events)[number]).toStatus);
    const after = await figureGroups(db, noFilter, ["target_organisation_id"], now);
    expect(normalise(after)).toEqual(
      normalise(await figureGroups(db, noFilter, ["target_organisation_id"], now, { fromRows: true })),
    );
    const total = (groups: GroupCounts[]) => groups.reduce((n, g) => n + g.counts.requested, 0);
    expect(total(after)).toBe(total(before) + 1);
    await compareAll();
    expect(tracked?.status).not.toBe(S.REFERRAL_STATUS_UNSPECIFIED);
  });

  it("answers GetReferralFigures over gRPC from the rollup, as the rows do", async () => {
    const coordinator = { organisationId: `iom-${h.suffix}`, actorId: "c-1", roles: ["coordinator"] };
    const answer = await h.call(
      h.client.getReferralFigures,
      { filter: undefined, groupBy: [FigureDimension.FIGURE_DIMENSION_PROVINCE] },
      coordinator,
    );
    const fromRows = await figureGroups(db, noFilter, ["province_code"], new Date(), { fromRows: true });
    expect(
      answer.rows.map((r) => [r.key?.provinceCode, Number(r.requested), Number(r.completed), Number(r.open)]),
    ).toEqual(
      fromRows.map((g) => [g.key.province_code, g.counts.requested, g.counts.completed, g.counts.open]),
    );
  });
});
