// The consumer's batch hook against a real NATS JetStream and a real PostgreSQL: handlers collect,
// the hook writes what they collected once per transaction, and its failure costs no event and
// applies none twice.
import type { Sql } from "@kopru/storage";
import { connectNats, type NatsTestConnection, uniqueName, waitFor } from "@kopru/testing";
import { v4 as uuid } from "uuid";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BatchHook, EventConsumer, on } from "./consumer.js";
import type { ReceivedEvent } from "./envelope.js";
import {
  Cleanup,
  countEffects,
  installInMemoryTracing,
  openTestPostgres,
  provisionTestBus,
  publishThing,
  type TestBus,
  type TestPostgres,
  testBus,
  testConsumerOptions,
} from "./testkit.js";

let tracing: ReturnType<typeof installInMemoryTracing>;
let nats: NatsTestConnection;
const cleanup = new Cleanup();

beforeAll(async () => {
  tracing = installInMemoryTracing();
  nats = await connectNats();
});
afterAll(async () => {
  await nats?.close();
  tracing?.uninstall();
});
afterEach(() => cleanup.run());

async function setup(): Promise<{ bus: TestBus; pg: TestPostgres }> {
  const bus = testBus();
  cleanup.defer(await provisionTestBus(nats.jsm, bus));
  const pg = await openTestPostgres("bus_batch_hook");
  cleanup.defer(pg.drop);
  return { bus, pg };
}

interface Effect {
  event_id: string;
  aggregate_id: string;
  sequence: number;
}

/** What one flush was given and what the handlers of its transaction had collected. */
interface Flush {
  events: string[];
  collected: string[];
  failed: boolean;
}

/**
 * A consumer whose handler only collects its effect and whose hook writes the collected effects
 * in one statement; `failFlush` decides, from what was collected, whether the flush fails, and
 * `failHandler` makes a handler throw after it collected.
 */
function collectingConsumer(
  bus: TestBus,
  pg: TestPostgres,
  options: {
    failFlush?: (collected: Effect[]) => boolean;
    failHandler?: (event: ReceivedEvent<unknown>) => boolean;
    batchSize?: number;
    maxAttempts?: number;
  } = {},
): { consumer: EventConsumer; flushes: Flush[]; name: string } {
  const name = uniqueName("batched");
  const collected = new Map<Sql, Effect[]>();
  const flushes: Flush[] = [];
  const batch: BatchHook = {
    async flush(tx, events) {
      const rows = collected.get(tx) ?? [];
      collected.delete(tx);
      const failed = options.failFlush?.(rows) ?? false;
      flushes.push({ events: events.map((e) => e.eventId), collected: rows.map((r) => r.event_id), failed });
      if (failed) throw new Error("the collected effects cannot be written");
      await tx.query(
        `INSERT INTO test_effects (consumer, event_id, aggregate_id, sequence)
         SELECT $1, r.event_id, r.aggregate_id, r.sequence
           FROM jsonb_to_recordset($2::jsonb) AS r(event_id uuid, aggregate_id text, sequence bigint)`,
        [name, JSON.stringify(rows)],
      );
    },
    discard(tx) {
      collected.delete(tx);
    },
  };
  const consumer = new EventConsumer(
    testConsumerOptions(
      bus,
      { db: pg.db, ...nats },
      {
        name,
        lanes: 1,
        concurrency: 1,
        batchSize: options.batchSize ?? 100,
        maxAttempts: options.maxAttempts ?? 5,
        batch,
        handlers: [
          on(bus.thing, async (tx, event) => {
            const rows = collected.get(tx) ?? [];
            collected.set(tx, rows);
            rows.push({
              event_id: event.eventId,
              aggregate_id: event.aggregate.id,
              sequence: event.aggregate.sequence,
            });
            if (options.failHandler?.(event)) throw new Error(`cannot apply ${event.eventId}`);
          }),
        ],
      },
    ),
  );
  cleanup.defer(() => consumer.stop());
  return { consumer, flushes, name };
}

/** Publishes `aggregates` × `sequences` events; returns their ids by `aggregate/sequence`. */
async function publishMany(
  bus: TestBus,
  aggregates: string[],
  sequences: number,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let sequence = 1; sequence <= sequences; sequence++) {
    await Promise.all(
      aggregates.map(async (aggregateId) => {
        const { eventId } = await publishThing(nats.js, bus, { aggregateId, sequence });
        ids.set(`${aggregateId}/${sequence}`, eventId);
      }),
    );
  }
  return ids;
}

async function effects(pg: TestPostgres, name: string): Promise<Effect[]> {
  const result = await pg.db.query<Effect>(
    "SELECT event_id, aggregate_id, sequence::int AS sequence FROM test_effects WHERE consumer = $1 ORDER BY id",
    [name],
  );
  return result.rows;
}

describe("EventConsumer batch hook", () => {
  it("runs once per transaction with the events its handlers applied, and writes them in their order", async () => {
    const { bus, pg } = await setup();
    const aggregates = Array.from({ length: 30 }, (_, i) => `agg-${i}`);
    await publishMany(bus, aggregates, 4);
    const { consumer, flushes, name } = collectingConsumer(bus, pg);
    await consumer.start();

    await waitFor(async () => (await countEffects(pg.db, name)).rows >= 120, {
      timeoutMs: 30_000,
      message: "120 effects",
    });
    expect(await countEffects(pg.db, name)).toEqual({ rows: 120, distinct: 120 });
    // One flush per transaction that applied events, each given exactly what its handlers collected
    // (a transaction of redelivered copies only applies nothing and flushes nothing).
    expect(flushes.length).toBeLessThanOrEqual(consumer.stats.batches);
    expect(flushes.every((f) => !f.failed && f.events.join() === f.collected.join())).toBe(true);
    expect(new Set(flushes.flatMap((f) => f.events)).size).toBe(120);
    expect(flushes.flatMap((f) => f.events)).toHaveLength(120);
    // The events waiting when the consumer started were applied in batches, not one each.
    expect(Math.max(...flushes.map((f) => f.events.length))).toBeGreaterThan(1);
    // Each aggregate's effects were written in its sequence.
    const rows = await effects(pg, name);
    for (const aggregate of aggregates) {
      expect(rows.filter((r) => r.aggregate_id === aggregate).map((r) => r.sequence)).toEqual([1, 2, 3, 4]);
    }
    // Each flush is a span of its own, linked to the spans its events were processed in.
    const spans = tracing.exporter.getFinishedSpans();
    const flushSpans = spans.filter((s) => s.name === `flush ${name}`);
    expect(flushSpans).toHaveLength(flushes.length);
    const processed = new Map(
      spans
        .filter(
          (s) => s.name.startsWith("process ") && s.attributes["messaging.consumer.group.name"] === name,
        )
        .map((s) => [s.spanContext().spanId, s.attributes["messaging.message.id"]]),
    );
    const linked = flushSpans.flatMap((s) => s.links.map((l) => processed.get(l.context.spanId)));
    expect(linked.sort()).toEqual(flushes.flatMap((f) => f.events).sort());
    expect(flushSpans.map((s) => s.attributes["messaging.batch.message_count"])).toEqual(
      flushes.map((f) => f.events.length),
    );
  });

  it("a failing flush rolls its batch back; the events then apply one by one and only the culprit fails", async () => {
    const { bus, pg } = await setup();
    const aggregates = Array.from({ length: 20 }, (_, i) => `agg-${i}`);
    // The poison is published after the others, so it arrives inside a batch, not alone.
    const ids = new Map([
      ...(await publishMany(bus, aggregates, 2)),
      ...(await publishMany(bus, ["poison"], 2)),
    ]);
    const poison = ids.get("poison/1") as string;
    let throws = "";
    const { consumer, flushes, name } = collectingConsumer(bus, pg, {
      // Any flush holding the poison's effect fails, as a write no row can hold would.
      failFlush: (rows) => rows.some((r) => r.event_id === poison),
      // This handler collects its effect, then fails: what it collected must never be written.
      failHandler: (event) => event.eventId === throws,
      maxAttempts: 2,
    });
    await consumer.start();
    // Every event but the poison applies; the poison's later event waits for it until it is
    // dead-lettered.
    await waitFor(() => consumer.stats.deadLettered === 1, {
      timeoutMs: 60_000,
      message: "the poison's dead letter",
    });
    const more = await publishMany(bus, ["throws"], 2);
    throws = more.get("throws/2") as string;
    await waitFor(() => consumer.stats.deadLettered === 2, {
      timeoutMs: 60_000,
      message: "two dead letters",
    });
    await waitFor(async () => (await countEffects(pg.db, name)).rows >= 42, {
      timeoutMs: 30_000,
      message: "the 42 other effects",
    });
    const rows = await effects(pg, name);
    expect(rows).toHaveLength(42);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(42);
    expect(rows.map((r) => r.event_id)).not.toContain(poison);
    expect(rows.map((r) => r.event_id)).not.toContain(throws);
    expect(rows.filter((r) => r.aggregate_id === "throws").map((r) => r.sequence)).toEqual([1]);
    expect(rows.filter((r) => r.aggregate_id === "poison").map((r) => r.sequence)).toEqual([2]);
    // A batch holding the poison failed as a whole, then its events were flushed one at a time.
    expect(flushes.some((f) => f.failed && f.collected.length > 1)).toBe(true);
    expect(flushes.some((f) => f.failed && f.collected.length === 1 && f.collected[0] === poison)).toBe(true);
    // A flush never saw what a failed handler collected.
    expect(flushes.some((f) => f.collected.includes(throws))).toBe(false);
    const inbox = await pg.db.query<{ event_id: string; status: string }>(
      "SELECT event_id, status FROM kopru_inbox WHERE consumer = $1 AND status = 'dead_lettered'",
      [name],
    );
    expect(inbox.rows.map((r) => r.event_id).sort()).toEqual([poison, throws].sort());
  });

  it("a redelivered event is applied once, whether its copies meet in one batch or in two", async () => {
    const { bus, pg } = await setup();
    const copies = Array.from({ length: 10 }, (_, i) => ({ aggregateId: `agg-${i}`, eventId: uuid() }));
    // Two copies of every event before the consumer starts (new message ids: JetStream keeps both).
    for (let copy = 0; copy < 2; copy++) {
      for (const { aggregateId, eventId } of copies) {
        await publishThing(nats.js, bus, { aggregateId, sequence: 1, eventId, msgID: uuid() });
      }
    }
    const { consumer, flushes, name } = collectingConsumer(bus, pg);
    await consumer.start();
    await waitFor(async () => (await countEffects(pg.db, name)).rows >= 10, {
      timeoutMs: 30_000,
      message: "10 effects",
    });
    // A third copy of each, after the first were committed.
    for (const { aggregateId, eventId } of copies) {
      await publishThing(nats.js, bus, { aggregateId, sequence: 1, eventId, msgID: uuid() });
    }
    await waitFor(() => consumer.stats.duplicates + consumer.stats.applied >= 30, {
      timeoutMs: 30_000,
      message: "every copy acknowledged",
    });
    expect(await countEffects(pg.db, name)).toEqual({ rows: 10, distinct: 10 });
    expect(consumer.stats.applied).toBe(10);
    expect(flushes.flatMap((f) => f.events).sort()).toEqual(copies.map((c) => c.eventId).sort());
  });
});
