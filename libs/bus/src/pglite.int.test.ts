// The same event path with both services on embedded PGlite (one connection, fsync off): outbox →
// JetStream → inbox, and a consumer process killed between its commit and its ack.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "@kopru/storage";
import { connectNats, type NatsTestConnection, uniqueName, waitFor } from "@kopru/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventConsumer } from "./consumer.js";
import { OutboxRelay } from "./outbox.js";
import {
  Cleanup,
  countEffects,
  crashConsumerThenRestart,
  openTestPglite,
  provisionTestBus,
  testBus,
  testConsumerOptions,
  writeThing,
} from "./testkit.js";

const scratch = mkdtempSync(join(tmpdir(), "kopru-bus-pglite-"));

let nats: NatsTestConnection;
const cleanup = new Cleanup();

beforeAll(async () => {
  nats = await connectNats();
});
afterAll(async () => {
  await nats?.close();
  rmSync(scratch, { recursive: true, force: true });
});
afterEach(() => cleanup.run());

async function pglite(service: string): Promise<Database> {
  const db = await openTestPglite(service, scratch);
  cleanup.defer(() => db.close());
  return db;
}

describe("on PGlite", () => {
  it("outbox → relay → JetStream → consumer inbox, each service on its own PGlite", async () => {
    const bus = testBus();
    cleanup.defer(await provisionTestBus(nats.jsm, bus));
    const [producer, consumerDb] = await Promise.all([
      pglite(uniqueName("producer")),
      pglite(uniqueName("consumer")),
    ]);
    expect(producer.kind).toBe("pglite");

    const relay = new OutboxRelay({ db: producer, js: nats.js, pollIntervalMs: 20 });
    relay.start();
    cleanup.defer(() => relay.stop());
    const consumer = new EventConsumer(testConsumerOptions(bus, { db: consumerDb, ...nats }));
    cleanup.defer(() => consumer.stop());
    await consumer.start();

    const written: string[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async (_, writer) => {
        for (let i = 1; i <= 25; i++)
          written.push(await writeThing(producer, bus, { id: `p${writer}`, sequence: i }));
      }),
    );
    await waitFor(async () => (await countEffects(consumerDb)).rows === 100, {
      timeoutMs: 20_000,
      message: "100 effects",
    });
    expect(await countEffects(consumerDb)).toEqual({ rows: 100, distinct: 100 });
    const applied = await consumerDb.query<{ event_id: string }>("SELECT event_id FROM test_effects");
    expect(new Set(applied.rows.map((r) => r.event_id))).toEqual(new Set(written));
    const order = await consumerDb.query<{ aggregate_id: string; sequence: number }>(
      "SELECT aggregate_id, sequence FROM test_effects ORDER BY id",
    );
    for (let writer = 0; writer < 4; writer++) {
      const sequences = order.rows.filter((r) => r.aggregate_id === `p${writer}`).map((r) => r.sequence);
      expect(sequences).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    }
    const unsent = await producer.query("SELECT 1 FROM kopru_outbox WHERE sent_at IS NULL");
    expect(unsent.rows).toHaveLength(0);
    expect(relay.stats).toMatchObject({ published: 100, duplicates: 0 });
  });

  it("a PGlite consumer process killed after its commit, before its ack: redelivered, no second effect", async () => {
    const bus = testBus();
    cleanup.defer(await provisionTestBus(nats.jsm, bus));
    const producer = await pglite(uniqueName("producer"));
    const eventId = await writeThing(producer, bus, { id: "pg-crash", sequence: 1 });
    expect(await new OutboxRelay({ db: producer, js: nats.js }).drain()).toBe(1);

    // The consumer's data directory is prepared here, then used by one fixture process at a time.
    const service = uniqueName("crashy");
    await (await openTestPglite(service, scratch)).close();
    const name = uniqueName("crashy");
    const run = await crashConsumerThenRestart(
      nats.jsm,
      bus,
      {
        CONSUMER_NAME: name,
        NATS_URL: nats.url,
        DATABASE_URL: undefined,
        PGLITE_DIR: scratch,
        PGLITE_SERVICE: service,
      },
      cleanup,
    );
    expect(run.crashExit).toEqual({ code: null, signal: "SIGKILL" });
    expect(run.crashOutput).toContain(`applied ${eventId}`);
    expect(run.ackPendingAfterCrash).toBe(1);
    expect(run.restartedStats).toMatchObject({ applied: 0, duplicates: 1 });

    // The effect committed before the kill survived it, once.
    const consumerDb = await pglite(service);
    expect(await countEffects(consumerDb)).toEqual({ rows: 1, distinct: 1 });
    const inbox = await consumerDb.query(
      "SELECT status FROM kopru_inbox WHERE consumer = $1 AND event_id = $2",
      [name, eventId],
    );
    expect(inbox.rows).toEqual([{ status: "applied" }]);
  });

  it("a fresh database under an existing durable name replays the stream instead of resuming", async () => {
    const bus = testBus();
    cleanup.defer(await provisionTestBus(nats.jsm, bus));
    const producer = await pglite(uniqueName("producer"));
    for (let i = 1; i <= 5; i++) await writeThing(producer, bus, { id: "rebind", sequence: i });
    expect(await new OutboxRelay({ db: producer, js: nats.js }).drain()).toBe(5);

    const name = uniqueName("rebind");
    const first = await pglite(uniqueName("first"));
    const a = new EventConsumer(testConsumerOptions(bus, { db: first, ...nats }, { name }));
    await a.start();
    await waitFor(async () => (await countEffects(first)).rows === 5, {
      message: "first database applied 5",
    });
    await a.stop();

    // Same durable name, a wiped data directory: the server's position belongs to the old database.
    const wiped = await pglite(uniqueName("wiped"));
    const b = new EventConsumer(testConsumerOptions(bus, { db: wiped, ...nats }, { name }));
    cleanup.defer(() => b.stop());
    await b.start();
    await waitFor(async () => (await countEffects(wiped)).rows === 5, {
      message: "wiped database caught up",
    });
    expect(await countEffects(wiped)).toEqual({ rows: 5, distinct: 5 });
  });
});
