// The outbox relay against a real PostgreSQL and NATS JetStream: a publisher crash between commit
// and relay, two relays racing, transactions committing out of id order, and a late consumer.
import { openDatabase } from "@kopru/storage";
import { connectNats, type NatsTestConnection, spawnNodeProcess, uniqueName, waitFor } from "@kopru/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventConsumer } from "./consumer.js";
import { OutboxRelay } from "./outbox.js";
import {
  Cleanup,
  countEffects,
  openTestPostgres,
  provisionTestBus,
  streamMessageIds,
  type TestBus,
  type TestPostgres,
  testBus,
  testConsumerOptions,
  writeThing,
} from "./testkit.js";

const publisherFixture = new URL("../test/fixtures/publisher.ts", import.meta.url);

let nats: NatsTestConnection;
const cleanup = new Cleanup();

beforeAll(async () => {
  nats = await connectNats();
});
afterAll(async () => {
  await nats?.close();
});
afterEach(() => cleanup.run());

async function setup(poolSize = 10): Promise<{ bus: TestBus; pg: TestPostgres }> {
  const bus = testBus();
  cleanup.defer(await provisionTestBus(nats.jsm, bus));
  const pg = await openTestPostgres("bus_outbox", poolSize);
  cleanup.defer(pg.drop);
  return { bus, pg };
}

function startRelay(relay: OutboxRelay): OutboxRelay {
  relay.start();
  cleanup.defer(() => relay.stop());
  return relay;
}

async function startConsumer(consumer: EventConsumer): Promise<EventConsumer> {
  cleanup.defer(() => consumer.stop());
  await consumer.start();
  return consumer;
}

async function unsent(pg: TestPostgres): Promise<number> {
  const result = await pg.db.query<{ n: number }>(
    "SELECT count(*) AS n FROM kopru_outbox WHERE sent_at IS NULL",
  );
  return Number(result.rows[0]?.n);
}

describe("OutboxRelay", () => {
  it("a publisher process SIGKILLed between commit and relay: a relay started afterwards delivers its events once", async () => {
    const { bus, pg } = await setup();
    const publisher = spawnNodeProcess(publisherFixture, {
      env: { BUS_TEST_ID: bus.id, DATABASE_URL: pg.url, COUNT: "3" },
    });
    cleanup.defer(() => publisher.kill("SIGKILL"));
    const [, committed] = (await publisher.waitForLine(/^committed (.+)$/)) as RegExpExecArray;
    expect(await publisher.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    const eventIds = (committed as string).split(",");
    expect(eventIds).toHaveLength(3);
    // Its state and its events survived it; nothing reached JetStream.
    expect(await unsent(pg)).toBe(3);
    expect((await pg.db.query("SELECT 1 FROM test_state")).rows).toHaveLength(3);
    expect((await nats.jsm.streams.info(bus.stream)).state.messages).toBe(0);

    const relay = startRelay(new OutboxRelay({ db: pg.db, js: nats.js, pollIntervalMs: 50 }));
    const consumer = await startConsumer(new EventConsumer(testConsumerOptions(bus, { db: pg.db, ...nats })));
    await waitFor(async () => (await countEffects(pg.db)).rows === 3, { message: "three effects" });
    expect(relay.stats).toMatchObject({ published: 3, duplicates: 0 });
    expect(await unsent(pg)).toBe(0);
    const applied = await pg.db.query<{ event_id: string }>("SELECT event_id FROM test_effects");
    expect(applied.rows.map((r) => r.event_id).sort()).toEqual([...eventIds].sort());
    await waitFor(() => consumer.stats.applied === 3);
    expect(await countEffects(pg.db)).toEqual({ rows: 3, distinct: 3 });
  });

  it("two relays on separate pools while 2,000 events are written concurrently: each published exactly once", async () => {
    const { bus, pg } = await setup(8);
    const relayDbs = await Promise.all(
      ["relay-a", "relay-b"].map((service) => openDatabase({ service, url: pg.url, poolSize: 2 })),
    );
    for (const db of relayDbs) cleanup.defer(() => db.close());
    const relays = relayDbs.map((db) =>
      startRelay(new OutboxRelay({ db, js: nats.js, batchSize: 50, pollIntervalMs: 5 })),
    );

    // 8 writers × 250 events, each event its own transaction; both relays poll meanwhile.
    await Promise.all(
      Array.from({ length: 8 }, async (_, writer) => {
        for (let i = 1; i <= 250; i++) {
          await writeThing(pg.db, bus, { id: `w${writer}`, sequence: i });
          if (i % 25 === 0) relays[i % 2]?.wake();
        }
      }),
    );
    await waitFor(async () => (await unsent(pg)) === 0, { timeoutMs: 20_000, message: "every row sent" });
    await Promise.all(relays.map((relay) => relay.stop()));

    const [a, b] = relays.map((relay) => relay.stats);
    // Each relay did part of the work, and together they published each row once: JetStream's
    // de-duplication did not have to drop a single copy.
    expect(a?.published).toBeGreaterThan(0);
    expect(b?.published).toBeGreaterThan(0);
    expect((a?.published ?? 0) + (b?.published ?? 0)).toBe(2_000);
    expect((a?.duplicates ?? 0) + (b?.duplicates ?? 0)).toBe(0);
    const ids = await streamMessageIds(nats.js, bus.stream);
    expect(ids).toHaveLength(2_000);
    expect(new Set(ids).size).toBe(2_000);
    const outboxIds = await pg.db.query<{ event_id: string }>("SELECT event_id FROM kopru_outbox");
    expect(new Set(ids)).toEqual(new Set(outboxIds.rows.map((r) => r.event_id)));
  });

  it("a lower outbox id committing 2 s after a higher one is not skipped", async () => {
    const { bus, pg } = await setup();
    const relay = startRelay(new OutboxRelay({ db: pg.db, js: nats.js, pollIntervalMs: 20 }));
    const consumer = await startConsumer(new EventConsumer(testConsumerOptions(bus, { db: pg.db, ...nats })));

    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted!: (eventId: string) => void;
    const slowInserted = new Promise<string>((resolve) => {
      inserted = resolve;
    });
    // The slow transaction takes the lower id first and keeps it uncommitted.
    const slow = pg.db.transaction(async (tx) => {
      inserted(await writeThing(pg.db, bus, { id: "slow", sequence: 1 }, tx));
      await held;
    });
    const slowId = await slowInserted;
    const fastId = await writeThing(pg.db, bus, { id: "fast", sequence: 1 });
    const ids = await pg.db.query<{ id: number; event_id: string }>(
      "SELECT id, event_id FROM kopru_outbox ORDER BY id",
    );
    expect(ids.rows.map((r) => r.event_id)).toEqual([fastId]); // the slow row is invisible until it commits

    await waitFor(async () => (await countEffects(pg.db)).rows === 1, { message: "the fast event's effect" });
    const heldSince = Date.now();
    await waitFor(() => Date.now() - heldSince >= 2_000, { timeoutMs: 3_000, message: "two seconds" });
    release();
    await slow;
    const order = await pg.db.query<{ id: number; event_id: string }>(
      "SELECT id, event_id FROM kopru_outbox ORDER BY id",
    );
    expect(order.rows.map((r) => r.event_id)).toEqual([slowId, fastId]);

    await waitFor(async () => (await countEffects(pg.db)).rows === 2, { message: "the slow event's effect" });
    const applied = await pg.db.query<{ event_id: string }>("SELECT event_id FROM test_effects ORDER BY id");
    expect(applied.rows.map((r) => r.event_id)).toEqual([fastId, slowId]);
    expect(relay.stats.published).toBe(2);
    expect(consumer.stats.applied).toBe(2);
  });

  it("a consumer started after 500 events were published catches up completely", async () => {
    const { bus, pg } = await setup();
    await Promise.all(
      Array.from({ length: 5 }, async (_, writer) => {
        for (let i = 1; i <= 100; i++) await writeThing(pg.db, bus, { id: `late-${writer}`, sequence: i });
      }),
    );
    const relay = new OutboxRelay({ db: pg.db, js: nats.js });
    expect(await relay.drain()).toBe(500);
    expect((await nats.jsm.streams.info(bus.stream)).state.messages).toBe(500);

    const name = uniqueName("late");
    const consumer = await startConsumer(
      new EventConsumer(testConsumerOptions(bus, { db: pg.db, ...nats }, { name })),
    );
    await waitFor(async () => (await countEffects(pg.db)).rows === 500, {
      timeoutMs: 20_000,
      message: "500 effects",
    });
    expect(await countEffects(pg.db)).toEqual({ rows: 500, distinct: 500 });
    // In order per aggregate: each writer's sequences were applied 1..100.
    const order = await pg.db.query<{ aggregate_id: string; sequence: number }>(
      "SELECT aggregate_id, sequence FROM test_effects ORDER BY id",
    );
    for (let writer = 0; writer < 5; writer++) {
      const sequences = order.rows.filter((r) => r.aggregate_id === `late-${writer}`).map((r) => r.sequence);
      expect(sequences).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    }
    await waitFor(async () => {
      const info = await nats.jsm.consumers.info(bus.stream, name);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    });
    expect(consumer.stats).toMatchObject({ applied: 500, duplicates: 0, deadLettered: 0 });
  });
});
