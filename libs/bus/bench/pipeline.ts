// Benchmark of the event path against its building blocks, on the real NATS JetStream and
// PostgreSQL the tests use. Not a test: it prints a table. Run: pnpm --filter @kopru/bus bench
//
//   (a) raw JetStream: js.publish() with 1,000 in flight, then a durable pull consumer + ack;
//   (b) raw PostgreSQL: single-row INSERT commits on 1 and on 8 connections;
//   (c) the full path: writers committing state + outbox row → OutboxRelay → JetStream →
//       EventConsumer (inbox + effect commit) → ack, at saturation and at a paced rate, with the
//       latency from the writer's commit to the consumer's effect commit.
//
// Knobs (environment): BENCH_EVENTS (full-path events, default 20000), BENCH_WRITERS (8),
// BENCH_LANES (8), BENCH_BATCH (consumer batch, 50), BENCH_RELAY_BATCH (500).
import { availableParallelism, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { type Database, openDatabase } from "@kopru/storage";
import {
  connectNats,
  createTestDatabase,
  deleteStreams,
  type NatsTestConnection,
  uniqueName,
} from "@kopru/testing";
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import { EventConsumer, type EventConsumerOptions, OutboxRelay } from "../src/index.js";
import {
  effectHandler,
  openTestPostgres,
  provisionTestBus,
  type TestBus,
  testBus,
  writeThing,
} from "../src/testkit.js";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const WRITERS = Number(process.env.BENCH_WRITERS ?? 8);
const LANES = Number(process.env.BENCH_LANES ?? 8);
const BATCH = Number(process.env.BENCH_BATCH ?? 50);
const RELAY_BATCH = Number(process.env.BENCH_RELAY_BATCH ?? 500);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined;

interface Row {
  measure: string;
  rate: number;
  unit: string;
  p50?: number;
  p99?: number;
  note?: string;
}

const rows: Row[] = [];

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function rawJetStream(nats: NatsTestConnection): Promise<{ publish: number; consume: number }> {
  const stream = uniqueName("bench_raw");
  const subject = `bench.${stream}.x`;
  await nats.jsm.streams.add({ name: stream, subjects: [`bench.${stream}.>`] });
  try {
    const count = 50_000;
    const payload = new Uint8Array(120);
    const inFlight = new Set<Promise<unknown>>();
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const p = nats.js.publish(subject, payload, { msgID: `m-${i}` });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      if (inFlight.size >= 1_000) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const publish = count / ((performance.now() - started) / 1_000);

    await nats.jsm.consumers.add(stream, {
      durable_name: "raw",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: 20_000,
    });
    const consumer = await nats.js.consumers.get(stream, "raw");
    const consumeStarted = performance.now();
    const messages = await consumer.consume({ max_messages: 1_000 });
    let seen = 0;
    for await (const msg of messages) {
      msg.ack();
      if (++seen === count) break;
    }
    const consume = count / ((performance.now() - consumeStarted) / 1_000);
    await messages.close();
    return { publish, consume };
  } finally {
    await deleteStreams(nats.jsm, [stream]);
  }
}

async function rawPostgres(connections: number, perConnection: number): Promise<number> {
  const created = await createTestDatabase({ prefix: "bench_raw" });
  const db = await openDatabase({ service: "bench-raw", url: created.url, poolSize: connections });
  try {
    await db.exec("CREATE TABLE bench_raw (id bigserial PRIMARY KEY, worker int NOT NULL, n int NOT NULL)");
    // Warm the pool so connection set-up is not measured.
    await Promise.all(
      Array.from({ length: connections }, () => db.transaction(async (tx) => tx.query("SELECT 1"))),
    );
    const started = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async (_, worker) => {
        for (let n = 0; n < perConnection; n++) {
          await db.query("INSERT INTO bench_raw (worker, n) VALUES ($1, $2)", [worker, n]);
        }
      }),
    );
    return (connections * perConnection) / ((performance.now() - started) / 1_000);
  } finally {
    await db.close();
    await created.drop();
  }
}

/** The consumer under test: ordered, the lanes/batch/concurrency knobs, one effect row per event. */
function benchConsumer(
  nats: NatsTestConnection,
  bus: TestBus,
  db: Database,
  extra: Partial<EventConsumerOptions> = {},
): EventConsumer {
  return new EventConsumer({
    db,
    js: nats.js,
    jsm: nats.jsm,
    name: uniqueName("bench"),
    stream: bus.stream,
    filterSubject: bus.thingSubjects,
    deadLetterSubjectPrefix: bus.deadLetterPrefix,
    handlers: [effectHandler(bus, "bench")],
    ordered: true,
    lanes: LANES,
    batchSize: BATCH,
    ...(CONCURRENCY ? { concurrency: CONCURRENCY } : {}),
    ...extra,
  });
}

interface FullPath {
  rate: number;
  p50: number;
  p99: number;
  writeRate: number;
  meanBatch: number;
  relayBatch: number;
}

/**
 * Writers commit `events` state+outbox transactions (all at once, or paced at `ratePerSecond`);
 * the relay publishes them; the consumer applies them. Latency: writer commit → effect commit.
 */
async function fullPath(nats: NatsTestConnection, events: number, ratePerSecond?: number): Promise<FullPath> {
  const bus: TestBus = testBus(uniqueName("bench"));
  const dropStreams = await provisionTestBus(nats.jsm, bus);
  const producer = await openTestPostgres("bench_producer", WRITERS + 2);
  const consumerPg = await openTestPostgres("bench_consumer", LANES + 2);
  const committedAt = new Map<string, number>();
  const latencies: number[] = [];
  let lastEffect = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const relay = new OutboxRelay({ db: producer.db, js: nats.js, batchSize: RELAY_BATCH });
  const consumer = benchConsumer(nats, bus, consumerPg.db, {
    afterCommit: (event) => {
      const now = performance.now();
      const at = committedAt.get(event.eventId);
      if (at !== undefined) latencies.push(now - at);
      lastEffect = now;
      if (latencies.length === events) done();
    },
  });
  try {
    relay.start();
    await consumer.start();
    const started = performance.now();
    let next = 0;
    const interval = ratePerSecond ? 1_000 / ratePerSecond : 0;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let sequence = 1; ; sequence++) {
          const index = next++;
          if (index >= events) return;
          if (interval > 0) {
            const due = started + index * interval;
            const wait = due - performance.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          }
          const eventId = await writeThing(producer.db, bus, { id: `writer-${writer}`, sequence });
          committedAt.set(eventId, performance.now());
          relay.wake();
        }
      }),
    );
    const written = performance.now();
    const timeout = setTimeout(done, 120_000);
    await finished;
    clearTimeout(timeout);
    if (latencies.length !== events) throw new Error(`only ${latencies.length} of ${events} effects arrived`);
    latencies.sort((a, b) => a - b);
    const effects = await consumerPg.db.query<{ n: number }>(
      "SELECT count(DISTINCT event_id) AS n FROM test_effects",
    );
    if (Number(effects.rows[0]?.n) !== events) throw new Error("effects do not match events");
    return {
      rate: events / ((lastEffect - started) / 1_000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      writeRate: events / ((written - started) / 1_000),
      meanBatch: consumer.stats.applied / Math.max(1, consumer.stats.batches),
      relayBatch: relay.stats.published / Math.max(1, relay.stats.rounds),
    };
  } finally {
    await consumer.stop();
    await relay.stop();
    await producer.drop();
    await consumerPg.drop();
    await dropStreams();
  }
}

interface Stages {
  write: number;
  relay: number;
  consume: number;
  consumerBatch: number;
  relayBatch: number;
}

/** Each stage alone on a backlog: writers (no relay running), relay draining, consumer catching up. */
async function stages(nats: NatsTestConnection, events: number): Promise<Stages> {
  const bus: TestBus = testBus(uniqueName("bench"));
  const dropStreams = await provisionTestBus(nats.jsm, bus);
  const producer = await openTestPostgres("bench_producer", WRITERS + 2);
  const consumerPg = await openTestPostgres("bench_consumer", LANES + 2);
  try {
    let next = 0;
    const writeStarted = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let sequence = 1; next++ < events; sequence++) {
          await writeThing(producer.db, bus, { id: `writer-${writer}`, sequence });
        }
      }),
    );
    const write = events / ((performance.now() - writeStarted) / 1_000);

    const relay = new OutboxRelay({ db: producer.db, js: nats.js, batchSize: RELAY_BATCH });
    const relayStarted = performance.now();
    await relay.drain();
    const relayRate = events / ((performance.now() - relayStarted) / 1_000);

    const consumer = benchConsumer(nats, bus, consumerPg.db);
    const consumeStarted = performance.now();
    await consumer.start();
    while (consumer.stats.applied < events) await new Promise((resolve) => setTimeout(resolve, 5));
    const consume = events / ((performance.now() - consumeStarted) / 1_000);
    await consumer.stop();
    return {
      write,
      relay: relayRate,
      consume,
      consumerBatch: consumer.stats.applied / Math.max(1, consumer.stats.batches),
      relayBatch: relay.stats.published / Math.max(1, relay.stats.rounds),
    };
  } finally {
    await producer.drop();
    await consumerPg.drop();
    await dropStreams();
  }
}

async function versions(db: Database): Promise<string> {
  const pg = await db.query<{ server_version: string }>("SHOW server_version");
  return pg.rows[0]?.server_version ?? "?";
}

async function main(): Promise<void> {
  const nats = await connectNats();
  try {
    const probe = await createTestDatabase({ prefix: "bench_probe" });
    const probeDb = await openDatabase({ service: "bench-probe", url: probe.url, poolSize: 1 });
    const pgVersion = await versions(probeDb);
    await probeDb.close();
    await probe.drop();
    console.log(
      `machine: ${availableParallelism()} cpus, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ` +
        `PostgreSQL ${pgVersion}, nats-server ${nats.nc.info?.version ?? "?"}`,
    );
    console.log(`full path: ${EVENTS} events, ${WRITERS} writers, ${LANES} lanes, consumer batch ${BATCH}\n`);

    let bound = Number.NaN;
    if (process.env.BENCH_SKIP_RAW !== "1") {
      const js = await rawJetStream(nats);
      rows.push({ measure: "(a) JetStream publish, 1,000 in flight", rate: js.publish, unit: "msg/s" });
      rows.push({ measure: "(a) JetStream pull consume + ack", rate: js.consume, unit: "msg/s" });
      const pg1 = await rawPostgres(1, 3_000);
      rows.push({ measure: "(b) PostgreSQL 1-row commit, 1 connection", rate: pg1, unit: "tx/s" });
      const pg8 = await rawPostgres(8, 1_500);
      rows.push({ measure: "(b) PostgreSQL 1-row commit, 8 connections", rate: pg8, unit: "tx/s" });
      bound = Math.min(js.publish, pg8);
    }

    const alone = await stages(nats, EVENTS);
    rows.push({
      measure: `(c) stage alone: ${WRITERS} writers, state + outbox row`,
      rate: alone.write,
      unit: "tx/s",
      note: "4 round trips per transaction; no relay or consumer running",
    });
    rows.push({
      measure: "(c) stage alone: relay draining the backlog",
      rate: alone.relay,
      unit: "events/s",
      note: `mean batch ${alone.relayBatch.toFixed(0)}`,
    });
    rows.push({
      measure: `(c) stage alone: consumer catching up, ${LANES} lanes`,
      rate: alone.consume,
      unit: "events/s",
      note: `mean batch ${alone.consumerBatch.toFixed(1)}`,
    });
    const saturated = await fullPath(nats, EVENTS);
    rows.push({
      measure: `(c) full path, ${WRITERS} writers flat out`,
      rate: saturated.rate,
      unit: "events/s",
      p50: saturated.p50,
      p99: saturated.p99,
      note: `writers ${saturated.writeRate.toFixed(0)} tx/s; mean batch: relay ${saturated.relayBatch.toFixed(1)}, consumer ${saturated.meanBatch.toFixed(1)}`,
    });
    if (process.env.BENCH_SKIP_PACED !== "1") {
      // Latency below saturation: at half the rate just measured, and at a light 100 events/s.
      const half = Math.round((saturated.rate * 0.5) / 100) * 100;
      for (const rate of [half, 100]) {
        const paced = await fullPath(nats, Math.min(EVENTS, rate * 10), rate);
        rows.push({
          measure: `(c) full path, paced at ${rate}/s`,
          rate: paced.rate,
          unit: "events/s",
          p50: paced.p50,
          p99: paced.p99,
          note: `mean batch: relay ${paced.relayBatch.toFixed(1)}, consumer ${paced.meanBatch.toFixed(1)}`,
        });
      }
    }

    const fmt = (n: number | undefined, digits = 0) => (n === undefined ? "" : n.toFixed(digits));
    const width = Math.max(...rows.map((r) => r.measure.length));
    console.log(`${"measure".padEnd(width)} | ${"rate".padStart(8)} | unit     | p50 ms | p99 ms | note`);
    console.log(`${"-".repeat(width)}-|----------|----------|--------|--------|-----`);
    for (const r of rows) {
      console.log(
        `${r.measure.padEnd(width)} | ${fmt(r.rate).padStart(8)} | ${r.unit.padEnd(8)} | ${fmt(r.p50, 1).padStart(6)} | ${fmt(r.p99, 1).padStart(6)} | ${r.note ?? ""}`,
      );
    }
    console.log(
      `\nraw pipeline bound = min(JetStream publish, PostgreSQL 8-connection commit) = ${bound.toFixed(0)}/s; ` +
        `full path / bound = ${(saturated.rate / bound).toFixed(2)}; ` +
        `full path / writers alone = ${(saturated.rate / alone.write).toFixed(2)}`,
    );
  } finally {
    await nats.close();
  }
}

await main();
