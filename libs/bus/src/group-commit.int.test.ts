import { isRetryableConflict, type Sql } from "@kopru/storage";
import { uniqueName } from "@kopru/testing";
import { v4 as uuid } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countEffects, openTestPostgres, type TestPostgres } from "./testkit.js";

// The inbox's "applied once" (ADR 0004) with the effects written as group-commit units
// (ADR 0028): copies of one event in the same coalesced transaction, in two coalesced
// transactions at once, and after a copy whose handler failed.

let pg: TestPostgres;

beforeAll(async () => {
  pg = await openTestPostgres("bus_group_commit", 6, { maxBatch: 16, concurrency: 2 });
});

afterAll(async () => {
  await pg?.drop();
});

/** What a consumer does for one event: claim its inbox row; apply the effect only when the claim is new. */
async function applyOnce(
  tx: Sql,
  consumer: string,
  eventId: string,
  options: { fail?: boolean } = {},
): Promise<"applied" | "duplicate"> {
  const claimed = await tx.query(
    `INSERT INTO kopru_inbox (consumer, event_id, event_type, status) VALUES ($1, $2, 'test', 'applied')
     ON CONFLICT (consumer, event_id) DO NOTHING RETURNING 1`,
    [consumer, eventId],
  );
  if (claimed.rowCount === 0) return "duplicate";
  await tx.query(
    "INSERT INTO test_effects (consumer, event_id, aggregate_id, sequence) VALUES ($1, $2, 'agg', 1)",
    [consumer, eventId],
  );
  if (options.fail) throw new Error("handler failed after writing its effect");
  return "applied";
}

describe("inbox under group commit", () => {
  it("applies each event once however its copies are coalesced, and a failed copy leaves no claim", async () => {
    const consumer = uniqueName("gc");
    const events = Array.from({ length: 50 }, () => uuid());
    // Three copies of every event, side by side, all at once: copies meet in one transaction and
    // in the two transactions in flight together; the first copy of every fifth event fails.
    const failedFirst = new Set(events.filter((_, i) => i % 5 === 0));
    const calls: Promise<"applied" | "duplicate">[] = [];
    for (const eventId of events) {
      for (let copy = 0; copy < 3; copy++) {
        const fail = copy === 0 && failedFirst.has(eventId);
        calls.push(pg.db.runCoalesced((tx) => applyOnce(tx, consumer, eventId, { fail })));
      }
    }
    const results = await Promise.allSettled(calls);

    // Copies in two open transactions can wait on each other's inbox rows; PostgreSQL then fails
    // one copy as a deadlock (retryable) and only that copy: never a second effect. A copy planned
    // to fail fails only if it claims first: a later copy in the other transaction may claim before
    // it (it then answers duplicate) or the deadlock may pick it.
    const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
    const planned = failures.filter((e) => e.message === "handler failed after writing its effect");
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.length).toBeLessThanOrEqual(failedFirst.size);
    expect(failures.filter((e) => !planned.includes(e)).every(isRetryableConflict)).toBe(true);
    const appliedBurst = results.filter((r) => r.status === "fulfilled" && r.value === "applied").length;
    expect(appliedBurst).toBeLessThanOrEqual(events.length);
    expect(pg.db.groupCommitStats.transactions).toBeLessThan(calls.length);

    // Redelivered once more, in order: what the burst applied is a duplicate, the rest applies now.
    const redelivered = await Promise.all(
      events.map((eventId) => pg.db.runCoalesced((tx) => applyOnce(tx, consumer, eventId))),
    );
    expect(redelivered.filter((r) => r === "applied")).toHaveLength(events.length - appliedBurst);
    expect(await countEffects(pg.db, consumer)).toEqual({ rows: 50, distinct: 50 });
    const inbox = await pg.db.query("SELECT 1 FROM kopru_inbox WHERE consumer = $1", [consumer]);
    expect(inbox.rowCount).toBe(50);
  });
});
