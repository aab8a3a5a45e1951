// Benchmark of the event path against its building blocks, on the real NATS JetStream and
// PostgreSQL the tests use. Not a test: it prints a table. Run: pnpm --filter @kopru/bus bench
//
//   (a) raw JetStream: js.publish() with 1,000 in flight, then a durable pull consumer + ack;
//   (b) raw PostgreSQL: single-row INSERT commits on 1 and on 8 connections;
//   (c) the full path: writers committing state + outbox row → OutboxRelay → JetStream →
//       EventConsumer (inbox + effect commit) → ack, at saturation and at a paced rate, with the
//       latency from the writer's commit to the consumer's effect commit.
//
// Writers commit each state + outbox row in a transaction of its own (`transaction`), or as units
// of a group commit (`coalesced`: `runCoalesced`, ADR 0028); BENCH_WRITE_MODES picks which.
//
// Knobs (environment): BENCH_EVENTS (full-path events, default 20000), BENCH_WRITERS (8),
// BENCH_LANES (8), BENCH_BATCH (consumer batch, 50), BENCH_RELAY_BATCH (500),
// BENCH_WRITE_MODES (transaction,coalesced), BENCH_PACED_RATES (1000,100),
// BENCH_GC_BATCH / BENCH_GC_CONCURRENCY (group commit bounds, 32 / 2).
import { availableParallelism, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { type Database, openDatabase } from "@kopru/storage";
import {
  connectNats,
  createTestDatabase,
  deleteStreams,
  type NatsTestConnection,
  stopTestServers,
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
type WriteMode = "begin-alone" | "transaction" | "coalesced";
const WRITE_MODES = (process.env.BENCH_WRITE_MODES ?? "begin-alone,transaction,coalesced").split(
  ",",
) as WriteMode[];
const PACED_RATES = (process.env.BENCH_PACED_RATES ?? "1000,100").split(",").map(Number);
const GROUP_COMMIT = {
  maxBatch: Number(process.env.BENCH_GC_BATCH ?? 32),
  concurrency: Number(process.env.BENCH_GC_CONCURRENCY ?? 2),
};

interface Row {
  measure: string;
  rate: number;
  unit: string;
  p50?: number;
  p99?: number;
  note?: string;
}

const rows: Row[] = [];

/** Keeps a row for the table and prints it at once, so a long run shows what it has so far. */
function record(row: Row): void {
  rows.push(row);
  const figures = [row.rate.toFixed(0), row.unit, row.p50?.toFixed(1), row.p99?.toFixed(1)].filter(Boolean);
  console.log(`  ${row.measure}: ${figures.join(" ")}${row.note ? ` (${row.note})` : ""}`);
}

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

/**
 * One writer's command: state row + outbox row, alone or as a unit of a group commit.
 * `begin-alone` gives BEGIN a round trip of its own as storage did before ADR 0028 (BEGIN now rides
 * with the first statement, here a `SELECT 1`): 4 round trips, for a before/after in one run.
 */
function write(db: Database, bus: TestBus, mode: WriteMode, aggregate: { id: string; sequence: number }) {
  switch (mode) {
    case "coalesced":
      return db.runCoalesced((tx) => writeThing(db, bus, aggregate, tx));
    case "begin-alone":
      return db.transaction(async (tx) => {
        await tx.query("SELECT 1");
        return writeThing(db, bus, aggregate, tx);
      });
    default:
      return writeThing(db, bus, aggregate);
  }
}

const HOW: Record<WriteMode, string> = {
  "begin-alone": "a transaction each, BEGIN alone (before)",
  transaction: "a transaction each, BEGIN with the first statement",
  coalesced: "group commit",
};

interface FullPath {
  rate: number;
  p50: number;
  p99: number;
  writeRate: number;
  meanBatch: number;
  relayBatch: number;
  /** Mean units per producer transaction (1 without group commit). */
  writerBatch: number;
}

/**
 * Writers commit `events` state+outbox transactions (all at once, or paced at `ratePerSecond`);
 * the relay publishes them; the consumer applies them. Latency: writer commit → effect commit.
 */
async function fullPath(
  nats: NatsTestConnection,
  mode: WriteMode,
  events: number,
  ratePerSecond?: number,
): Promise<FullPath> {
  const bus: TestBus = testBus(uniqueName("bench"));
  const dropStreams = await provisionTestBus(nats.jsm, bus);
  const producer = await openTestPostgres("bench_producer", WRITERS + 2, GROUP_COMMIT);
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
          const eventId = await write(producer.db, bus, mode, { id: `writer-${writer}`, sequence });
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
      writerBatch: writerBatch(producer.db, mode),
    };
  } finally {
    await consumer.stop();
    await relay.stop();
    await producer.drop();
    await consumerPg.drop();
    await dropStreams();
  }
}

function writerBatch(db: Database, mode: WriteMode): number {
  return mode === "coalesced"
    ? db.groupCommitStats.committed / Math.max(1, db.groupCommitStats.transactions)
    : 1;
}

interface Stages {
  write: number;
  writerBatch: number;
  relay: number;
  consume: number;
  consumerBatch: number;
  relayBatch: number;
}

/** Each stage alone on a backlog: writers (no relay running), relay draining, consumer catching up. */
async function stages(nats: NatsTestConnection, mode: WriteMode, events: number): Promise<Stages> {
  const bus: TestBus = testBus(uniqueName("bench"));
  const dropStreams = await provisionTestBus(nats.jsm, bus);
  const producer = await openTestPostgres("bench_producer", WRITERS + 2, GROUP_COMMIT);
  const consumerPg = await openTestPostgres("bench_consumer", LANES + 2);
  try {
    let next = 0;
    const writeStarted = performance.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, writer) => {
        for (let sequence = 1; next++ < events; sequence++) {
          await write(producer.db, bus, mode, { id: `writer-${writer}`, sequence });
        }
      }),
    );
    const writeRate = events / ((performance.now() - writeStarted) / 1_000);
    const writerUnits = writerBatch(producer.db, mode);

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
      write: writeRate,
      writerBatch: writerUnits,
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
      record({ measure: "(a) JetStream publish, 1,000 in flight", rate: js.publish, unit: "msg/s" });
      record({ measure: "(a) JetStream pull consume + ack", rate: js.consume, unit: "msg/s" });
      const pg1 = await rawPostgres(1, 3_000);
      record({ measure: "(b) PostgreSQL 1-row commit, 1 connection", rate: pg1, unit: "tx/s" });
      const pg8 = await rawPostgres(8, 1_500);
      record({ measure: "(b) PostgreSQL 1-row commit, 8 connections", rate: pg8, unit: "tx/s" });
      bound = Math.min(js.publish, pg8);
    }

    const summary: string[] = [];
    for (const mode of WRITE_MODES) {
      const how = HOW[mode];
      const alone = await stages(nats, mode, EVENTS);
      record({
        measure: `(c) stage alone: ${WRITERS} writers, state + outbox row, ${how}`,
        rate: alone.write,
        unit: "events/s",
        note:
          mode === "coalesced"
            ? `mean ${alone.writerBatch.toFixed(1)} units per transaction; no relay or consumer running`
            : "no relay or consumer running",
      });
      record({
        measure: `(c) stage alone: relay draining the backlog (${mode})`,
        rate: alone.relay,
        unit: "events/s",
        note: `mean batch ${alone.relayBatch.toFixed(0)}`,
      });
      record({
        measure: `(c) stage alone: consumer catching up, ${LANES} lanes (${mode})`,
        rate: alone.consume,
        unit: "events/s",
        note: `mean batch ${alone.consumerBatch.toFixed(1)}`,
      });
      const saturated = await fullPath(nats, mode, EVENTS);
      record({
        measure: `(c) full path, ${WRITERS} writers flat out, ${how}`,
        rate: saturated.rate,
        unit: "events/s",
        p50: saturated.p50,
        p99: saturated.p99,
        note: `writers ${saturated.writeRate.toFixed(0)}/s; mean batch: writer ${saturated.writerBatch.toFixed(1)}, relay ${saturated.relayBatch.toFixed(1)}, consumer ${saturated.meanBatch.toFixed(1)}`,
      });
      summary.push(
        `${mode}: full path / bound = ${(saturated.rate / bound).toFixed(2)}, ` +
          `full path / writers alone = ${(saturated.rate / alone.write).toFixed(2)}`,
      );
      if (process.env.BENCH_SKIP_PACED !== "1") {
        // Latency below saturation: commit → effect at fixed rates.
        for (const rate of PACED_RATES) {
          const paced = await fullPath(nats, mode, Math.min(EVENTS, rate * 10), rate);
          record({
            measure: `(c) full path, paced at ${rate}/s, ${how}`,
            rate: paced.rate,
            unit: "events/s",
            p50: paced.p50,
            p99: paced.p99,
            note: `mean batch: writer ${paced.writerBatch.toFixed(1)}, relay ${paced.relayBatch.toFixed(1)}, consumer ${paced.meanBatch.toFixed(1)}`,
          });
        }
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
      `\nraw pipeline bound = min(JetStream publish, PostgreSQL 8-connection commit) = ${bound.toFixed(0)}/s`,
    );
    for (const line of summary) console.log(line);
  } finally {
    await nats.close();
    // The nats-server the test helpers started for this process would keep it alive.
    await stopTestServers();
  }
}

await main();
