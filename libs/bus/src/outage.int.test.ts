// The database going away under a running relay and consumer: they must back off without crashing,
// acknowledge nothing they did not commit, and once it answers again deliver every event once.
import { openDatabase } from "@kopru/storage";
import { closedPortUrl, connectNats, type NatsTestConnection, uniqueName, waitFor } from "@kopru/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventConsumer } from "./consumer.js";
import { OutboxRelay } from "./outbox.js";
import {
  Cleanup,
  CuttableProxy,
  countEffects,
  openTestPostgres,
  provisionTestBus,
  publishThing,
  recordingLogger,
  type TestBus,
  testBus,
  testConsumerOptions,
  writeThing,
} from "./testkit.js";

let nats: NatsTestConnection;
const cleanup = new Cleanup();

beforeAll(async () => {
  nats = await connectNats();
});
afterAll(async () => {
  await nats?.close();
});
afterEach(() => cleanup.run());

async function consumerInfo(bus: TestBus, name: string) {
  return nats.jsm.consumers.info(bus.stream, name);
}

describe("database down", () => {
  it("on a closed port: relay and consumer back off, acknowledge nothing, and a restart on the real database delivers all", async () => {
    const bus = testBus();
    cleanup.defer(await provisionTestBus(nats.jsm, bus));
    const pg = await openTestPostgres("bus_down");
    cleanup.defer(pg.drop);
    const outboxIds = [
      await writeThing(pg.db, bus, { id: "down-1", sequence: 1 }),
      await writeThing(pg.db, bus, { id: "down-2", sequence: 1 }),
    ];
    const direct = [
      await publishThing(nats.js, bus, { aggregateId: "direct-1", sequence: 1 }),
      await publishThing(nats.js, bus, { aggregateId: "direct-2", sequence: 1 }),
      await publishThing(nats.js, bus, { aggregateId: "direct-3", sequence: 1 }),
    ];

    const dead = await openDatabase({ service: "bus-down", url: await closedPortUrl(), poolSize: 2 });
    cleanup.defer(() => dead.close());
    const relayLog = recordingLogger();
    const relay = new OutboxRelay({ db: dead, js: nats.js, logger: relayLog.logger, maxBackoffMs: 200 });
    const name = uniqueName("down");
    const consumerLog = recordingLogger();
    const consumer = new EventConsumer(
      testConsumerOptions(bus, { db: dead, ...nats }, { name, logger: consumerLog.logger }),
    );
    relay.start();
    cleanup.defer(() => relay.stop());
    cleanup.defer(() => consumer.stop());
    await consumer.start();
    await waitFor(() => relay.stats.failedAttempts >= 3, { message: "the relay to retry a few times" });
    expect(relayLog.messages).toContain("outbox relay round failed; backing off");
    await waitFor(
      () => consumerLog.messages.includes("database unavailable; consumer pauses and backs off"),
      {
        message: "the consumer to notice the database is down",
      },
    );
    expect((await consumerInfo(bus, name)).delivered.stream_seq).toBeGreaterThanOrEqual(1);
    // Two seconds of outage: the consumer stops pulling instead of bouncing the messages (which
    // would burn their max_deliver budget and then lose them); nothing is acknowledged.
    const pausedAt = Date.now();
    await waitFor(() => Date.now() - pausedAt >= 2_000, { timeoutMs: 3_000 });
    const paused = await consumerInfo(bus, name);
    expect(paused.ack_floor.stream_seq).toBe(0);
    expect(paused.delivered.consumer_seq).toBeLessThanOrEqual(6);
    expect(relay.stats.published).toBe(0);
    expect(consumer.stats.applied).toBe(0);
    await relay.stop();
    await consumer.stop();

    // Restarted on the real database: everything arrives once.
    const healthyRelay = new OutboxRelay({ db: pg.db, js: nats.js, pollIntervalMs: 20 });
    healthyRelay.start();
    cleanup.defer(() => healthyRelay.stop());
    const healthy = new EventConsumer(testConsumerOptions(bus, { db: pg.db, ...nats }, { name }));
    cleanup.defer(() => healthy.stop());
    await healthy.start();
    await waitFor(async () => (await countEffects(pg.db)).rows === 5, {
      timeoutMs: 15_000,
      message: "five effects",
    });
    const applied = await pg.db.query<{ event_id: string }>("SELECT event_id FROM test_effects");
    expect(applied.rows.map((r) => r.event_id).sort()).toEqual(
      [...outboxIds, ...direct.map((d) => d.eventId)].sort(),
    );
    expect(await countEffects(pg.db)).toEqual({ rows: 5, distinct: 5 });
  });

  it("cut for three seconds while events flow: nothing lost, nothing applied twice", async () => {
    const bus = testBus();
    cleanup.defer(await provisionTestBus(nats.jsm, bus));
    const producer = await openTestPostgres("bus_cut_producer");
    cleanup.defer(producer.drop);
    const consumerPg = await openTestPostgres("bus_cut_consumer");
    cleanup.defer(consumerPg.drop);
    const target = new URL(producer.url);
    const proxy = await CuttableProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    cleanup.defer(() => proxy.cut());

    const relayDb = await openDatabase({
      service: "bus-cut-relay",
      url: proxy.via(producer.url),
      poolSize: 2,
    });
    cleanup.defer(() => relayDb.close());
    const consumerDb = await openDatabase({
      service: "bus-cut-consumer",
      url: proxy.via(consumerPg.url),
      poolSize: 4,
    });
    cleanup.defer(() => consumerDb.close());

    const relay = new OutboxRelay({ db: relayDb, js: nats.js, pollIntervalMs: 20, maxBackoffMs: 500 });
    relay.start();
    cleanup.defer(() => relay.stop());
    const log = recordingLogger();
    const name = uniqueName("cut");
    const consumer = new EventConsumer(
      testConsumerOptions(bus, { db: consumerDb, ...nats }, { name, logger: log.logger, batchSize: 10 }),
    );
    cleanup.defer(() => consumer.stop());
    await consumer.start();

    // Events keep coming for ~4 s: outbox rows written on a direct connection (the writer's own
    // database path is not the one cut) and messages published straight to JetStream.
    const expected: string[] = [];
    const writing = (async () => {
      for (let tick = 0; tick < 40; tick++) {
        for (let i = 0; i < 5; i++) {
          const aggregate = { id: `cut-${i}`, sequence: tick + 1 };
          expected.push(await writeThing(producer.db, bus, aggregate));
        }
        const direct = await publishThing(nats.js, bus, { aggregateId: `direct-${tick}`, sequence: 1 });
        expected.push(direct.eventId);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    await waitFor(async () => (await countEffects(consumerPg.db)).rows >= 20, { message: "events flowing" });
    await proxy.cut();
    const cutAt = Date.now();
    await waitFor(() => log.messages.includes("database unavailable; consumer pauses and backs off"), {
      message: "the consumer to notice the outage",
    });
    await waitFor(() => Date.now() - cutAt >= 3_000, { timeoutMs: 4_000 });
    const during = relay.stats.failedAttempts;
    expect(during).toBeGreaterThan(0);
    await proxy.restore();
    await writing;

    // For a failure's report: each expected event not applied, with what the stream and inbox hold of it.
    const missingEvents = async () => {
      const applied = await consumerPg.db.query<{ event_id: string }>("SELECT event_id FROM test_effects");
      const have = new Set(applied.rows.map((r) => r.event_id));
      const missing = expected.filter((id) => !have.has(id));
      const inbox = await consumerPg.db.query<{ event_id: string; status: string }>(
        "SELECT event_id::text, status FROM kopru_inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
        [name, missing],
      );
      const outbox = await producer.db
        .query<{ event_id: string; aggregate_id: string; sequence: number }>(
          `SELECT event_id::text, aggregate_id, aggregate_sequence AS sequence FROM kopru_outbox
          WHERE event_id = ANY($1::uuid[])`,
          [missing],
        )
        .catch((error: unknown) => ({ rows: [{ error: String(error) }] }));
      return { ids: missing, inbox: inbox.rows, outbox: outbox.rows };
    };
    await waitFor(async () => (await countEffects(consumerPg.db)).rows >= expected.length, {
      timeoutMs: 30_000,
      message: `${expected.length} effects`,
    }).catch(async (error: unknown) => {
      // What a timeout leaves to read: how far each side got, so a failure says where it stuck.
      const info = await consumerInfo(bus, name);
      const unsentRows = await producer.db.query("SELECT 1 FROM kopru_outbox WHERE sent_at IS NULL");
      const state = {
        effects: await countEffects(consumerPg.db),
        consumer: consumer.stats,
        relay: relay.stats,
        unsent: unsentRows.rows.length,
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
        log: log.messages.slice(-20),
        missing: await missingEvents(),
        cursors: (
          await consumerDb.query(
            "SELECT aggregate_id, last_sequence FROM kopru_inbox_cursor WHERE consumer = $1 ORDER BY aggregate_id",
            [name],
          )
        ).rows,
        stream: (await nats.jsm.streams.info(bus.stream)).state.messages,
        ackFloor: info.ack_floor,
        delivered: info.delivered,
      };
      throw new Error(`${String(error)}\n${JSON.stringify(state, null, 2)}`, { cause: error });
    });
    await waitFor(
      async () => {
        const info = await consumerInfo(bus, name);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { timeoutMs: 15_000, message: "every message acknowledged" },
    );
    expect(await countEffects(consumerPg.db)).toEqual({ rows: expected.length, distinct: expected.length });
    const applied = await consumerPg.db.query<{ event_id: string }>("SELECT event_id FROM test_effects");
    expect(new Set(applied.rows.map((r) => r.event_id))).toEqual(new Set(expected));
    const unsent = await producer.db.query("SELECT 1 FROM kopru_outbox WHERE sent_at IS NULL");
    expect(unsent.rows).toHaveLength(0);
    expect(log.messages).toContain("database answers again; consumer resumes");
    // Per aggregate, still in order.
    const order = await consumerPg.db.query<{ aggregate_id: string; sequence: number }>(
      "SELECT aggregate_id, sequence FROM test_effects WHERE aggregate_id LIKE 'cut-%' ORDER BY id",
    );
    for (let i = 0; i < 5; i++) {
      const sequences = order.rows.filter((r) => r.aggregate_id === `cut-${i}`).map((r) => r.sequence);
      expect(sequences).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
    }
  });
});
