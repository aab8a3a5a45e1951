import { encodeEvent } from "@kopru/bus";
import type { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import { EVENTS } from "@kopru/events";
import { type Database, openDatabase } from "@kopru/storage";
import { waitFor } from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Lifecycle, lifecycle, networkShape, random } from "../bench/lifecycles.js";
import { FigureFolder, figureGroups } from "../src/adapters/persistence/figure-rollup.js";
import type { FigureColumn, GroupCounts, TrackingFilter } from "../src/application/ports.js";
import { type Harness, startCoordination } from "./harness.js";

// The tracking consumers apply a batch's events set-wise (ADR 0029): hundreds of events published
// at once reach the real consumers in large batches, among them copies of events already applied
// (a redelivery: same event id, another JetStream message) and one event no database row can hold.
// Every referral must end in its last event's state, each event recorded once, the unusable event
// failing alone (retried, then dead-lettered by the consumer as any failing event) without keeping
// its batch's others out, and the figures from the rollup equal to the figures from the rows.

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

describe("the tracking consumers' set-wise batches", () => {
  let h: Harness;
  let db: Database;
  const now = new Date();
  const lifecycles: Lifecycle[] = [];
  const statusIds = new Map<ReferralStatusChanged, string>();
  let poison: ReferralStatusChanged;

  async function publish<T>(
    definition: Parameters<typeof encodeEvent<T>>[0]["definition"],
    payload: T,
    aggregate: { type: string; id: string; sequence: number },
    eventId: string,
    occurredAt?: Date,
  ) {
    const encoded = encodeEvent(
      { definition, payload, aggregate, occurredAt, eventId },
      {
        organisationId: "partner",
        service: "partner-test",
      },
    );
    // A message id of its own: a second copy of an event is a new message JetStream delivers.
    await h.nats.js.publish(encoded.subject, encoded.envelope, { msgID: uuidv7() });
  }

  const publishStatus = (e: ReferralStatusChanged) => {
    const id = statusIds.get(e) ?? uuidv7();
    statusIds.set(e, id);
    return publish(
      EVENTS.referralStatusChanged,
      e,
      { type: "referral", id: e.referralId, sequence: e.sequence },
      id,
      e.occurredAt,
    );
  };

  beforeAll(async () => {
    h = await startCoordination({ FIGURES_MIN_CELL_SIZE: "1" });
    db = await openDatabase({ service: "set-wise-test", url: h.database?.url, poolSize: 2 });
    const shape = networkShape(h.suffix, now, 45);
    const rnd = random(41);
    for (let i = 0; i < 120; i += 1) lifecycles.push(lifecycle(rnd, shape));
    // A referral whose first event carries a NUL in a text field: valid protobuf, but no PostgreSQL
    // text column can store it, so applying it fails wherever and whenever it is applied.
    const unusable = lifecycle(rnd, shape).status[0] as ReferralStatusChanged;
    poison = {
      ...unusable,
      disaggregation: {
        ...(unusable.disaggregation as NonNullable<typeof unusable.disaggregation>),
        nationality: "S\u0000Y",
      },
    };
    const half = lifecycles.length / 2;
    for (const [i, l] of lifecycles.entries()) {
      for (const e of l.status) await publishStatus(e);
      if (i === half) await publishStatus(poison);
    }
    for (const l of lifecycles) {
      for (const o of l.outcomes)
        await publish(
          EVENTS.referralOutcomeReported,
          o.report,
          { type: "referral-outcome", id: o.report.referralId, sequence: o.version },
          uuidv7(),
        );
      for (const f of l.followUps)
        await publish(
          EVENTS.referralFollowUpChanged,
          f,
          { type: "referral-follow-up", id: f.referralId, sequence: f.sequence },
          uuidv7(),
        );
    }
    // Redeliveries: every status event of the first 40 referrals again, same event ids.
    for (const l of lifecycles.slice(0, 40)) for (const e of l.status) await publishStatus(e);
    const statusCount = lifecycles.reduce((n, l) => n + l.status.length, 0);
    await waitFor(
      async () => {
        const applied = await db.query<{ events: number; failed: number }>(
          `SELECT (SELECT count(*) FROM tracked_events)::integer AS events,
                  (SELECT max(attempts) FROM kopru_consumer_failure WHERE event_id = $1)::integer AS failed`,
          [statusIds.get(poison)],
        );
        const row = applied.rows[0];
        // Twice: the second failure is the event retried alone, after its batch's others applied.
        if (row?.events !== statusCount || !(row.failed >= 2))
          throw new Error(
            `${row?.events} of ${statusCount} events applied, the unusable one failed ${row?.failed} times`,
          );
        return true;
      },
      { timeoutMs: 240_000, message: "coordination never applied every event beside the unusable one" },
    );
  }, 300_000);

  afterAll(async () => {
    await db?.close();
    await h?.stop();
  });

  it("applies several events in one transaction", async () => {
    const result = await db.query<{ transactions: number; events: number }>(
      "SELECT count(DISTINCT xmin::text)::integer AS transactions, count(*)::integer AS events FROM tracked_events",
    );
    const row = result.rows[0] as { transactions: number; events: number };
    expect(row.transactions).toBeLessThan(row.events / 2);
  });

  it("leaves each referral in its last event's state, each event recorded once, the unusable one not at all", async () => {
    const failure = await db.query<{ last_error: string }>(
      "SELECT last_error FROM kopru_consumer_failure WHERE event_id = $1",
      [statusIds.get(poison)],
    );
    expect(failure.rows[0]?.last_error).toMatch(/unicode|0x00/i);
    const tracked = await db.query<{ referral_id: string; status: number; sequence: string; events: number }>(
      `SELECT t.referral_id, t.status, t.sequence::text AS sequence,
              (SELECT count(*) FROM tracked_events e WHERE e.referral_id = t.referral_id)::integer AS events
         FROM tracked_referrals t`,
    );
    const byId = new Map(tracked.rows.map((row) => [row.referral_id, row]));
    expect(byId.has(poison.referralId)).toBe(false);
    expect(byId.size).toBe(lifecycles.length);
    for (const l of lifecycles) {
      const last = l.status[l.status.length - 1] as ReferralStatusChanged;
      expect(byId.get(last.referralId), last.referralId).toEqual({
        referral_id: last.referralId,
        status: last.toStatus,
        sequence: String(last.sequence),
        events: l.status.length,
      });
    }
    const outcomes = await db.query<{ n: number }>(
      "SELECT count(*)::integer AS n FROM tracked_outcomes WHERE version = 2",
    );
    expect(outcomes.rows[0]?.n).toBe(lifecycles.filter((l) => l.outcomes.length > 1).length);
  });

  it("gives the same figures from the rollup as from the rows, before and after folding", async () => {
    const normalise = (groups: GroupCounts[]) =>
      groups.map((g) => ({
        key: Object.fromEntries(Object.entries(g.key).map(([k, v]) => [k, String(v)])),
        counts: g.counts,
      }));
    const compare = async () => {
      for (const groupBy of [[], ...COLUMNS.map((c) => [c])] as FigureColumn[][]) {
        const [fromRollup, fromRows] = await db.transaction(
          async (tx) => [
            await figureGroups(tx, noFilter, groupBy, now),
            await figureGroups(tx, noFilter, groupBy, now, { fromRows: true }),
          ],
          { isolation: "repeatable read" },
        );
        expect(normalise(fromRollup as GroupCounts[]), `by ${groupBy}`).toEqual(
          normalise(fromRows as GroupCounts[]),
        );
      }
    };
    await compare();
    await new FigureFolder(db).drain();
    await compare();
    const [total] = await figureGroups(db, noFilter, [], now);
    expect(total?.counts.requested).toBe(lifecycles.length);
  });
});
