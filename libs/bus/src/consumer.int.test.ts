// The consumer against a real NATS JetStream and a real PostgreSQL: crash after commit, duplicate
// publishes, poison messages, out-of-order delivery and messages it can never apply.
import type { OrganisationRef } from "@kopru/contracts/common/v1/refs";
import { connectNats, type NatsTestConnection, uniqueName, waitFor } from "@kopru/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventConsumer } from "./consumer.js";
import { DeadLetters } from "./dead-letters.js";
import type { ReceivedEvent } from "./envelope.js";
import { OutboxRelay } from "./outbox.js";
import {
  Cleanup,
  countEffects,
  crashConsumerThenRestart,
  effectHandler,
  openTestPostgres,
  provisionTestBus,
  publishThing,
  type TestBus,
  type TestPostgres,
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

async function setup(): Promise<{ bus: TestBus; pg: TestPostgres }> {
  const bus = testBus();
  cleanup.defer(await provisionTestBus(nats.jsm, bus));
  const pg = await openTestPostgres("bus_consumer");
  cleanup.defer(pg.drop);
  return { bus, pg };
}

function startConsumer(consumer: EventConsumer): Promise<void> {
  cleanup.defer(() => consumer.stop());
  return consumer.start();
}

async function consumerSettled(bus: TestBus, name: string): Promise<boolean> {
  const info = await nats.jsm.consumers.info(bus.stream, name);
  return info.num_pending === 0 && info.num_ack_pending === 0 && info.num_redelivered === 0;
}

describe("EventConsumer", () => {
  it("a consumer process killed after its effect committed but before the ack: redelivered, no second effect", async () => {
    const { bus, pg } = await setup();
    const eventId = await writeThing(pg.db, bus, { id: "crash-1", sequence: 1 });
    expect(await new OutboxRelay({ db: pg.db, js: nats.js }).drain()).toBe(1);

    const name = uniqueName("crashy");
    const run = await crashConsumerThenRestart(
      nats.jsm,
      bus,
      { CONSUMER_NAME: name, DATABASE_URL: pg.url, NATS_URL: nats.url },
      cleanup,
    );
    expect(run.crashExit).toEqual({ code: null, signal: "SIGKILL" });
    expect(run.crashOutput).toContain(`applied ${eventId}`);
    // Delivered to the crashed process and never acknowledged: JetStream handed it out again, and
    // the restarted consumer found it in its inbox.
    expect(run.ackPendingAfterCrash).toBe(1);
    expect(run.restartedStats).toMatchObject({ applied: 0, duplicates: 1 });
    expect(await countEffects(pg.db)).toEqual({ rows: 1, distinct: 1 });
    const inbox = await pg.db.query<{ status: string }>(
      "SELECT status FROM kopru_inbox WHERE consumer = $1 AND event_id = $2",
      [name, eventId],
    );
    expect(inbox.rows).toEqual([{ status: "applied" }]);
  });

  it("the same event id published 100 times is stored once and applied once", async () => {
    const { bus, pg } = await setup();
    const eventId = "0193e0c4-7d2b-7c6e-a1b2-3c4d5e6f7a8b";
    const acks = await Promise.all(
      Array.from({ length: 100 }, () =>
        publishThing(nats.js, bus, { aggregateId: "dup", sequence: 1, eventId }),
      ),
    );
    expect(acks.filter((a) => !a.duplicate)).toHaveLength(1);
    expect((await nats.jsm.streams.info(bus.stream)).state.messages).toBe(1);

    // Beyond JetStream's duplicate window (or replayed from the outbox with a new message id) the
    // copies are stored; the inbox is what keeps them from applying twice.
    for (let i = 0; i < 100; i++) {
      await publishThing(nats.js, bus, { aggregateId: "dup", sequence: 1, eventId, msgID: `copy-${i}` });
    }
    expect((await nats.jsm.streams.info(bus.stream)).state.messages).toBe(101);

    // And the handler fails its first two tries, so the event is also redelivered by JetStream.
    let tries = 0;
    const name = uniqueName("dup");
    const flaky = effectHandler(bus, name, () => {
      tries += 1;
      if (tries <= 2) throw new Error("transient failure");
    });
    const consumer = new EventConsumer(
      testConsumerOptions(bus, { db: pg.db, ...nats }, { name, handlers: [flaky] }),
    );
    await startConsumer(consumer);
    await waitFor(() => consumer.stats.applied + consumer.stats.duplicates === 101, {
      timeoutMs: 15_000,
      message: "101 deliveries to be processed",
    });
    expect(consumer.stats).toMatchObject({ applied: 1, duplicates: 100, deadLettered: 0 });
    expect(consumer.stats.retried).toBeGreaterThanOrEqual(1);
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(await countEffects(pg.db)).toEqual({ rows: 1, distinct: 1 });
    await waitFor(
      async () => {
        const info = await nats.jsm.consumers.info(bus.stream, name);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { message: "every delivery acknowledged" },
    );
    // The failure count was cleared with the effect.
    expect((await pg.db.query("SELECT 1 FROM kopru_consumer_failure")).rows).toHaveLength(0);
  });

  it("one poison message among 1,000: 999 effects, one dead letter, nothing blocked; replayed once fixed", async () => {
    const { bus, pg } = await setup();
    // 100 aggregates of 10 events; the poison sits in the middle of one aggregate's history.
    const ids = new Map<string, string>();
    await Promise.all(
      Array.from({ length: 10 }, async (_, worker) => {
        for (let agg = worker; agg < 100; agg += 10) {
          for (let seq = 1; seq <= 10; seq++) {
            ids.set(`${agg}/${seq}`, await writeThing(pg.db, bus, { id: `agg-${agg}`, sequence: seq }));
          }
        }
      }),
    );
    const poison = ids.get("7/5") as string;
    let fixed = false;
    const name = uniqueName("poison");
    const handler = effectHandler(bus, name, (event) => {
      if (event.eventId === poison && !fixed) throw new Error(`cannot apply ${event.eventId}: ledger closed`);
    });
    const consumer = new EventConsumer(
      testConsumerOptions(bus, { db: pg.db, ...nats }, { name, handlers: [handler] }),
    );
    await startConsumer(consumer);
    const relay = new OutboxRelay({ db: pg.db, js: nats.js });
    expect(await relay.drain()).toBe(1_000);

    await waitFor(async () => (await countEffects(pg.db, name)).rows === 999, {
      timeoutMs: 30_000,
      message: "999 effects",
    });
    await waitFor(() => consumer.stats.deadLettered === 1, { timeoutMs: 10_000, message: "the dead letter" });
    expect(await countEffects(pg.db, name)).toEqual({ rows: 999, distinct: 999 });
    // The poison's own aggregate was not blocked behind it: its later events applied too.
    const later = await pg.db.query(
      "SELECT 1 FROM test_effects WHERE aggregate_id = 'agg-7' AND sequence > 5",
    );
    expect(later.rows).toHaveLength(5);

    const deadLetters = new DeadLetters(nats.js, nats.jsm, bus.deadLetterStream, bus.deadLetterPrefix);
    const listed = await deadLetters.list({ consumer: name });
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      consumer: name,
      reason: "handler_failed",
      eventId: poison,
      eventType: bus.thing.type,
      originalSubject: bus.subject("agg-7"),
    });
    expect(listed[0]?.detail).toContain(`cannot apply ${poison}: ledger closed`);
    expect(listed[0]?.deliveries).toBeGreaterThanOrEqual(5);
    expect(await deadLetters.list({ consumer: "someone-else" })).toEqual([]);
    const inbox = await pg.db.query("SELECT status FROM kopru_inbox WHERE consumer = $1 AND event_id = $2", [
      name,
      poison,
    ]);
    expect(inbox.rows).toEqual([{ status: "dead_lettered" }]);

    // A second consumer of the same subject, which applied everything, poison included.
    const bystanderName = uniqueName("bystander");
    const bystander = new EventConsumer(
      testConsumerOptions(bus, { db: pg.db, ...nats }, { name: bystanderName }),
    );
    await startConsumer(bystander);
    await waitFor(async () => (await countEffects(pg.db, bystanderName)).rows === 1_000, {
      timeoutMs: 20_000,
      message: "the bystander's 1,000 effects",
    });

    fixed = true;
    await deadLetters.replay(listed[0]?.sequence as number);
    // The copy is addressed to the consumer that parked it; the bystander acknowledges and ignores it.
    const copy = await nats.jsm.streams.getMessage(bus.stream, { last_by_subj: bus.subject("agg-7") });
    expect(copy?.header.get("Kopru-Replay-For")).toBe(name);
    // Settled after the copy was stored: the bystander has acknowledged it. Its duplicate count is
    // not pinned to 1: on a loaded machine a 2 s ack wait also redelivers some of the 1,000.
    await waitFor(() => consumerSettled(bus, bystanderName), {
      timeoutMs: 30_000,
      message: "the bystander to acknowledge the copy",
    });
    expect(bystander.stats.duplicates).toBeGreaterThanOrEqual(1);
    expect(await countEffects(pg.db, bystanderName)).toEqual({ rows: 1_000, distinct: 1_000 });
    await waitFor(async () => (await countEffects(pg.db, name)).rows === 1_000, {
      message: "the replayed effect",
    });
    expect(await countEffects(pg.db, name)).toEqual({ rows: 1_000, distinct: 1_000 });
    expect(await deadLetters.list({ consumer: name })).toEqual([]);
    const replayed = await pg.db.query(
      "SELECT status FROM kopru_inbox WHERE consumer = $1 AND event_id = $2",
      [name, poison],
    );
    expect(replayed.rows).toEqual([{ status: "applied" }]);
    // Replaying again changes nothing: the inbox knows it was applied.
    await waitFor(() => consumerSettled(bus, name), { message: "every delivery acknowledged" });
    expect(await countEffects(pg.db, name)).toEqual({ rows: 1_000, distinct: 1_000 });
  });

  it("applies one aggregate's events in sequence even when 2 arrives before 1", async () => {
    const { bus, pg } = await setup();
    const seen: number[] = [];
    const name = uniqueName("ordered");
    const handler = effectHandler(bus, name, (event: ReceivedEvent<OrganisationRef>) => {
      seen.push(event.aggregate.sequence);
    });
    await publishThing(nats.js, bus, { aggregateId: "ref-9", sequence: 2 });
    await publishThing(nats.js, bus, { aggregateId: "ref-9", sequence: 1 });
    await publishThing(nats.js, bus, { aggregateId: "ref-9", sequence: 3 });
    const consumer = new EventConsumer(
      testConsumerOptions(bus, { db: pg.db, ...nats }, { name, handlers: [handler] }),
    );
    await startConsumer(consumer);
    await waitFor(async () => (await countEffects(pg.db)).rows === 3, { message: "three effects" });
    expect(seen).toEqual([1, 2, 3]);
    expect(consumer.stats.retried).toBeGreaterThanOrEqual(1);
    const applied = await pg.db.query<{ sequence: number }>("SELECT sequence FROM test_effects ORDER BY id");
    expect(applied.rows.map((r) => r.sequence)).toEqual([1, 2, 3]);
  });

  it("an event whose predecessor comes much later waits for it, held and redelivered meanwhile", async () => {
    const { bus, pg } = await setup();
    const consumer = new EventConsumer(testConsumerOptions(bus, { db: pg.db, ...nats }));
    await startConsumer(consumer);
    await publishThing(nats.js, bus, { aggregateId: "late-pred", sequence: 2 });
    await publishThing(nats.js, bus, { aggregateId: "other", sequence: 1 });
    // Held past its hold time and handed back to JetStream at least twice; the other aggregate flows.
    await waitFor(() => consumer.stats.retried >= 3, { timeoutMs: 15_000, message: "several early retries" });
    expect(await countEffects(pg.db)).toEqual({ rows: 1, distinct: 1 });
    await publishThing(nats.js, bus, { aggregateId: "late-pred", sequence: 1 });
    await waitFor(async () => (await countEffects(pg.db)).rows === 3, {
      timeoutMs: 15_000,
      message: "three effects",
    });
    const applied = await pg.db.query<{ sequence: number }>(
      "SELECT sequence FROM test_effects WHERE aggregate_id = 'late-pred' ORDER BY id",
    );
    expect(applied.rows.map((r) => r.sequence)).toEqual([1, 2]);
  });

  it("a copy redelivered while the first waited in its lane is not acknowledged when the event is early: it applies once its predecessor comes", async () => {
    const { bus, pg } = await setup();
    const name = uniqueName("copies");
    let blocked = false;
    let unblock: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      unblock = resolve;
    });
    const handler = effectHandler(bus, name, async (event: ReceivedEvent<OrganisationRef>) => {
      if (event.aggregate.id !== "blocker") return;
      blocked = true;
      await gate;
    });
    // One lane, one transaction at a time: what arrives while the blocker's handler waits queues up.
    const consumer = new EventConsumer(
      testConsumerOptions(
        bus,
        { db: pg.db, ...nats },
        { name, handlers: [handler], lanes: 1, concurrency: 1, batchSize: 10 },
      ),
    );
    await startConsumer(consumer);
    await publishThing(nats.js, bus, { aggregateId: "blocker", sequence: 1 });
    await waitFor(() => blocked, { message: "the blocker's handler to start" });
    const early = await publishThing(nats.js, bus, { aggregateId: "copied", sequence: 2 });
    // JetStream redelivers both after the first back-off (1 s): two copies of each are in the lane.
    await waitFor(() => consumer.messagesInFlight >= 4, {
      timeoutMs: 15_000,
      message: "the blocker and the early event each delivered twice",
    });
    unblock();
    // Both copies of the early event settled (held, not acknowledged as duplicates of each other).
    await waitFor(() => consumer.stats.retried >= 2, { message: "both copies of the early event held" });
    await nats.nc.flush();
    const info = await nats.jsm.consumers.info(bus.stream, name);
    // Not acknowledged: JetStream still owes it to this consumer (the floor stops below it).
    expect(info.ack_floor.stream_seq).toBeLessThan(early.seq);
    expect(await countEffects(pg.db)).toEqual({ rows: 1, distinct: 1 });

    await publishThing(nats.js, bus, { aggregateId: "copied", sequence: 1 });
    await waitFor(async () => (await countEffects(pg.db)).rows === 3, {
      timeoutMs: 15_000,
      message: "the predecessor and the early event applied",
    });
    const applied = await pg.db.query<{ event_id: string; sequence: number }>(
      "SELECT event_id::text, sequence FROM test_effects WHERE aggregate_id = 'copied' ORDER BY id",
    );
    expect(applied.rows.map((r) => r.sequence)).toEqual([1, 2]);
    expect(applied.rows[1]?.event_id).toBe(early.eventId);
    await waitFor(() => consumerSettled(bus, name), { timeoutMs: 15_000, message: "every copy settled" });
    expect(await countEffects(pg.db)).toEqual({ rows: 3, distinct: 3 });
  });

  it("an event whose predecessor never comes is dead-lettered as predecessor_missing and unblocks the aggregate", async () => {
    const { bus, pg } = await setup();
    const name = uniqueName("gap");
    const consumer = new EventConsumer(
      testConsumerOptions(bus, { db: pg.db, ...nats }, { name, maxDeliver: 3 }),
    );
    await startConsumer(consumer);
    const orphan = await publishThing(nats.js, bus, { aggregateId: "gap", sequence: 2 });
    await waitFor(() => consumer.stats.deadLettered === 1, { timeoutMs: 20_000, message: "the dead letter" });
    const [parked] = await new DeadLetters(
      nats.js,
      nats.jsm,
      bus.deadLetterStream,
      bus.deadLetterPrefix,
    ).list({
      consumer: name,
    });
    expect(parked).toMatchObject({ reason: "predecessor_missing", eventId: orphan.eventId, deliveries: 3 });
    expect(parked?.detail).toBe("expected sequence 1, received 2");
    // The cursor stepped past the gap: the aggregate's next event applies at once.
    const next = await publishThing(nats.js, bus, { aggregateId: "gap", sequence: 3 });
    await waitFor(async () => (await countEffects(pg.db)).rows === 1, { message: "the next event's effect" });
    const applied = await pg.db.query<{ event_id: string }>("SELECT event_id FROM test_effects");
    expect(applied.rows).toEqual([{ event_id: next.eventId }]);
  });

  it("dead-letters what it cannot decode, an unknown type and a newer schema, and keeps applying", async () => {
    const { bus, pg } = await setup();
    const garbage = await publishThing(nats.js, bus, {
      aggregateId: "bad-0",
      sequence: 1,
      data: new TextEncoder().encode("definitely not protobuf"),
    });
    const unknown = await publishThing(nats.js, bus, {
      aggregateId: "bad-1",
      sequence: 1,
      type: "kopru.referral.v1.SomethingNew",
    });
    const newer = await publishThing(nats.js, bus, { aggregateId: "bad-2", sequence: 1, schemaVersion: 2 });
    const good = [
      await publishThing(nats.js, bus, { aggregateId: "bad-2", sequence: 2 }),
      await publishThing(nats.js, bus, { aggregateId: "good-1", sequence: 1 }),
      await publishThing(nats.js, bus, { aggregateId: "good-2", sequence: 1 }),
    ];
    const name = uniqueName("picky");
    const consumer = new EventConsumer(testConsumerOptions(bus, { db: pg.db, ...nats }, { name }));
    await startConsumer(consumer);
    await waitFor(async () => (await countEffects(pg.db)).rows === 3 && consumer.stats.deadLettered === 3, {
      message: "three effects and three dead letters",
    });
    const applied = await pg.db.query<{ event_id: string }>(
      "SELECT event_id FROM test_effects ORDER BY event_id",
    );
    expect(applied.rows.map((r) => r.event_id).sort()).toEqual(good.map((g) => g.eventId).sort());

    const listed = await new DeadLetters(nats.js, nats.jsm, bus.deadLetterStream, bus.deadLetterPrefix).list({
      consumer: name,
    });
    const bySequence = new Map(listed.map((l) => [l.originalStreamSequence, l]));
    expect(bySequence.get(garbage.seq)).toMatchObject({ reason: "undecodable", deliveries: 1 });
    expect(bySequence.get(unknown.seq)).toMatchObject({
      reason: "unknown_type",
      eventId: unknown.eventId,
      eventType: "kopru.referral.v1.SomethingNew",
    });
    expect(bySequence.get(unknown.seq)?.detail).toContain("kopru.referral.v1.SomethingNew");
    expect(bySequence.get(newer.seq)).toMatchObject({
      reason: "unsupported_schema_version",
      eventId: newer.eventId,
    });
    expect(listed).toHaveLength(3);
    await waitFor(() => consumerSettled(bus, name), { message: "every message acknowledged" });
  });
});
