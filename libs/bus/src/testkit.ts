// Test support for this package's integration tests, fixtures and benchmark (not exported from
// index.ts): a layout of one event type on uniquely named streams, so runs sharing one NATS server
// never see each other's messages, plus the effects table a handler writes next to its inbox row.
import { createRequire } from "node:module";
import { connect, createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { OrganisationRef } from "@kopru/contracts/common/v1/refs";
import { type Database, type GroupCommitOptions, migrate, openDatabase, type Sql } from "@kopru/storage";
import {
  createTestDatabase,
  deleteStreams,
  freePort,
  type ProcessExit,
  spawnNodeProcess,
  uniqueName,
  waitFor,
} from "@kopru/testing";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { context, propagation, trace } from "@opentelemetry/api";
import type { EventConsumerOptions, HandlerBinding } from "./consumer.js";
import { on } from "./consumer.js";
import { encodeEvent, HEADER, type Producer, type ReceivedEvent } from "./envelope.js";
import { busMigrations } from "./index.js";
import { type BusLayout, defineEvent, type EventDefinition, subjectToken } from "./layout.js";
import { appendToOutbox } from "./outbox.js";
import { provisionStreams } from "./provision.js";

export const THING_TYPE = "kopru.common.v1.OrganisationRef";

export const testProducer: Producer = { organisationId: "org-test", service: "bus-test" };

/** The test tables: `test_state` (what a writer changes) and `test_effects` (what a handler applies). */
export const testMigrations = {
  name: "bus_test",
  dir: fileURLToPath(new URL("../test/migrations", import.meta.url)),
};

/** Set KOPRU_TEST_LOG=1 to see what consumers and relays log while a test runs. */
export const consoleLogger = {
  info: (obj: object, msg?: string) => console.info(msg, obj),
  warn: (obj: object, msg?: string) => console.warn(msg, obj),
  error: (obj: object, msg?: string) => console.error(msg, obj),
};

export interface TestBus {
  id: string;
  layout: BusLayout;
  /** The one event type: an `OrganisationRef` on `t.<id>.v1.thing.<organisationId>`. */
  thing: EventDefinition<OrganisationRef>;
  stream: string;
  deadLetterStream: string;
  /** Subject filter of every `thing` event. */
  thingSubjects: string;
  deadLetterPrefix: string;
  subject(organisationId: string): string;
}

/** A layout on streams named after `id`; pass the same id to a fixture process to share it. */
export function testBus(id: string = uniqueName("bus")): TestBus {
  const prefix = `t.${id}`;
  const thing = defineEvent<OrganisationRef>({
    type: THING_TYPE,
    schemaVersion: 1,
    codec: OrganisationRef,
    stream: id,
    subjectPattern: `${prefix}.v1.thing.*`,
    subject: (payload) => `${prefix}.v1.thing.${subjectToken(payload.organisationId, "organisationId")}`,
    personalData: false,
  });
  const layout: BusLayout = {
    streams: [{ name: id, subjects: [`${prefix}.v1.>`], maxAgeMs: 3_600_000, duplicateWindowMs: 600_000 }],
    events: [thing],
    deadLetterStream: {
      name: `${id}_DLQ`,
      subjects: [`${prefix}.dlq.>`],
      maxAgeMs: 3_600_000,
      duplicateWindowMs: 600_000,
    },
  };
  return {
    id,
    layout,
    thing,
    stream: id,
    deadLetterStream: `${id}_DLQ`,
    thingSubjects: `${prefix}.v1.thing.*`,
    deadLetterPrefix: `${prefix}.dlq`,
    subject: (organisationId) => `${prefix}.v1.thing.${organisationId}`,
  };
}

export async function provisionTestBus(jsm: JetStreamManager, bus: TestBus): Promise<() => Promise<void>> {
  await provisionStreams(jsm, bus.layout);
  return () => deleteStreams(jsm, [bus.stream, bus.deadLetterStream]);
}

/** A handler that records every application as one `test_effects` row (duplicates stay visible). */
export function effectHandler(
  bus: TestBus,
  consumer: string,
  before?: (event: ReceivedEvent<OrganisationRef>) => void | Promise<void>,
): HandlerBinding<OrganisationRef> {
  return on(bus.thing, async (tx: Sql, event) => {
    await before?.(event);
    await tx.query(
      "INSERT INTO test_effects (consumer, event_id, aggregate_id, sequence) VALUES ($1, $2, $3, $4)",
      [consumer, event.eventId, event.aggregate.id, event.aggregate.sequence],
    );
  });
}

/** Consumer options for tests: short ack wait and redelivery, so a crash is noticed in about a second. */
export function testConsumerOptions(
  bus: TestBus,
  base: Pick<EventConsumerOptions, "db" | "js" | "jsm">,
  overrides: Partial<EventConsumerOptions> = {},
): EventConsumerOptions {
  const name = overrides.name ?? uniqueName("consumer");
  return {
    ...base,
    name,
    stream: bus.stream,
    filterSubject: bus.thingSubjects,
    deadLetterSubjectPrefix: bus.deadLetterPrefix,
    handlers: [effectHandler(bus, name)],
    ordered: true,
    ackWaitMs: 2_000,
    backoffMs: [1_000],
    ...(process.env.KOPRU_TEST_LOG === "1" ? { logger: consoleLogger } : {}),
    ...overrides,
  };
}

/** Changes test state and appends its event to the outbox in one transaction; returns the event id. */
export async function writeThing(
  db: Database,
  bus: TestBus,
  aggregate: { id: string; sequence: number },
  sql?: Sql,
): Promise<string> {
  const work = async (tx: Sql) => {
    await tx.query("INSERT INTO test_state (aggregate_id, sequence) VALUES ($1, $2)", [
      aggregate.id,
      aggregate.sequence,
    ]);
    const encoded = await appendToOutbox(tx, testProducer, {
      definition: bus.thing,
      payload: { organisationId: aggregate.id, displayName: `thing ${aggregate.sequence}` },
      aggregate: { type: "thing", ...aggregate },
    });
    return encoded.eventId;
  };
  return sql ? work(sql) : db.transaction(work);
}

/**
 * Publishes straight to JetStream, bypassing the outbox, the way a faulty or hostile producer could:
 * `data` replaces the encoded envelope, `type`/`schemaVersion` forge its header fields.
 */
export async function publishThing(
  js: JetStreamClient,
  bus: TestBus,
  options: {
    aggregateId: string;
    sequence: number;
    eventId?: string;
    type?: string;
    schemaVersion?: number;
    data?: Uint8Array;
    msgID?: string;
  },
): Promise<{ eventId: string; seq: number; duplicate: boolean }> {
  const definition = {
    ...bus.thing,
    type: options.type ?? bus.thing.type,
    schemaVersion: options.schemaVersion ?? bus.thing.schemaVersion,
  };
  const encoded = encodeEvent(
    {
      definition,
      payload: { organisationId: options.aggregateId, displayName: `thing ${options.sequence}` },
      aggregate: { type: "thing", id: options.aggregateId, sequence: options.sequence },
      ...(options.eventId ? { eventId: options.eventId } : {}),
    },
    testProducer,
  );
  const h = natsHeaders();
  h.set(HEADER.eventType, encoded.type);
  h.set(HEADER.schemaVersion, String(encoded.schemaVersion));
  h.set(HEADER.aggregateId, encoded.aggregate.id);
  h.set(HEADER.aggregateSequence, String(encoded.aggregate.sequence));
  const ack = await js.publish(encoded.subject, options.data ?? encoded.envelope, {
    msgID: options.msgID ?? encoded.eventId,
    headers: h,
  });
  return { eventId: encoded.eventId, seq: ack.seq, duplicate: ack.duplicate };
}

export interface TestPostgres {
  db: Database;
  url: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database with the bus and test migrations applied. */
export async function openTestPostgres(
  prefix: string,
  poolSize = 10,
  groupCommit?: GroupCommitOptions,
): Promise<TestPostgres> {
  const created = await createTestDatabase({ prefix });
  const db = await openDatabase({ service: prefix, url: created.url, poolSize, groupCommit });
  await migrate(db, [busMigrations, testMigrations]);
  return {
    db,
    url: created.url,
    drop: async () => {
      await db.close().catch(() => {});
      await created.drop();
    },
  };
}

/** A PGlite database under `dataDir/<service>` with the bus and test migrations applied. */
export async function openTestPglite(service: string, dataDir: string): Promise<Database> {
  const db = await openDatabase({ service, dataDir });
  await migrate(db, [busMigrations, testMigrations]);
  return db;
}

export interface EffectCount {
  rows: number;
  distinct: number;
}

export async function countEffects(db: Sql, consumer?: string): Promise<EffectCount> {
  const result = await db.query<{ rows: number | string; distinct: number | string }>(
    `SELECT count(*) AS rows, count(DISTINCT event_id) AS distinct FROM test_effects
      WHERE $1::text IS NULL OR consumer = $1`,
    [consumer ?? null],
  );
  const row = result.rows[0];
  return { rows: Number(row?.rows ?? 0), distinct: Number(row?.distinct ?? 0) };
}

/** Teardown steps run in reverse order after each test, even when the test failed half-way. */
export class Cleanup {
  private readonly steps: (() => unknown)[] = [];

  defer(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, "cleanup failed");
  }
}

/** Every message id (Nats-Msg-Id) in a stream, read with an ordered consumer. */
export async function streamMessageIds(js: JetStreamClient, stream: string): Promise<string[]> {
  const consumer = await js.consumers.get(stream);
  const ids: string[] = [];
  try {
    for (;;) {
      const batch = await consumer.fetch({ max_messages: 1_000, expires: 1_000 });
      let received = 0;
      for await (const msg of batch) {
        received += 1;
        ids.push(msg.headers?.get(HEADER.messageId) ?? "");
        if (msg.info.pending === 0) return ids;
      }
      if (received === 0) return ids;
    }
  } finally {
    await consumer.delete().catch(() => {});
  }
}

/**
 * A TCP proxy in front of PostgreSQL that can be switched off: `cut()` closes the listener (new
 * connections are refused) and destroys every open connection, as a database restart or network
 * partition would; `restore()` listens again on the same port.
 */
export class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<CuttableProxy> {
    const proxy = new CuttableProxy(await freePort(), target);
    await proxy.restore();
    return proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = "127.0.0.1";
    parsed.port = String(this.port);
    return parsed.toString();
  }

  async restore(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("close", () => this.sockets.delete(socket));
        socket.on("error", () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A logger that keeps what it was told, for asserting that an outage was noticed. */
export function recordingLogger(): { logger: typeof consoleLogger; messages: string[] } {
  const messages: string[] = [];
  const record = (obj: object, msg?: string) => {
    messages.push(msg ?? "");
    if (process.env.KOPRU_TEST_LOG === "1") console.warn(msg, obj);
  };
  return { logger: { info: record, warn: record, error: record }, messages };
}

export interface CrashAndRestart {
  /** How the first consumer process ended (SIGKILL by its own hand, after its first commit). */
  crashExit: ProcessExit;
  crashOutput: string[];
  /** Messages delivered to the crashed process and never acknowledged. */
  ackPendingAfterCrash: number;
  /** The restarted process's ConsumerStats once the redelivered message was acknowledged. */
  restartedStats: Record<string, number>;
}

/**
 * Runs `test/fixtures/consumer.ts` in `crash-after-commit` mode (it SIGKILLs itself right after its
 * first effect committed, before the ack), then again until the redelivered message is
 * acknowledged, and stops it with SIGTERM. `env` says which database, NATS and consumer name.
 */
export async function crashConsumerThenRestart(
  jsm: JetStreamManager,
  bus: TestBus,
  env: Record<string, string | undefined> & { CONSUMER_NAME: string },
  cleanup: Cleanup,
): Promise<CrashAndRestart> {
  const fixture = new URL("../test/fixtures/consumer.ts", import.meta.url);
  const fullEnv = { BUS_TEST_ID: bus.id, ...env };
  const crashing = spawnNodeProcess(fixture, { env: fullEnv, args: ["crash-after-commit"] });
  cleanup.defer(() => crashing.kill("SIGKILL"));
  const crashExit = await crashing.exited;
  const ackPendingAfterCrash = (await jsm.consumers.info(bus.stream, env.CONSUMER_NAME)).num_ack_pending;

  const restarted = spawnNodeProcess(fixture, { env: fullEnv, args: ["run"] });
  cleanup.defer(() => restarted.kill("SIGKILL"));
  await restarted.waitForLine("ready", { timeoutMs: 30_000 });
  await waitFor(
    async () => {
      const info = await jsm.consumers.info(bus.stream, env.CONSUMER_NAME);
      return info.ack_floor.stream_seq >= 1 && info.num_ack_pending === 0 && info.num_pending === 0;
    },
    { timeoutMs: 20_000, message: "the redelivered event to be acknowledged" },
  );
  await restarted.kill("SIGTERM");
  const stats = restarted.stdout().find((line) => line.startsWith("stats "));
  return {
    crashExit,
    crashOutput: crashing.stdout(),
    ackPendingAfterCrash,
    restartedStats: JSON.parse(stats?.slice("stats ".length) ?? "{}"),
  };
}

/**
 * Records every span in memory: a global tracer provider with an in-memory exporter, W3C trace
 * context propagation and an async-hooks context manager, as a service's telemetry sets them up.
 * Install in `beforeAll`, `uninstall` in `afterAll`. OpenTelemetry's SDK is loaded as CommonJS: the
 * root vitest config resolves the "module" condition, which picks its build/esm, whose extensionless
 * imports Node cannot load.
 */
export function installInMemoryTracing(): {
  exporter: import("@opentelemetry/sdk-trace-base").InMemorySpanExporter;
  uninstall(): void;
} {
  const require = createRequire(import.meta.url);
  const { AsyncLocalStorageContextManager } =
    require("@opentelemetry/context-async-hooks") as typeof import("@opentelemetry/context-async-hooks");
  const { W3CTraceContextPropagator } =
    require("@opentelemetry/core") as typeof import("@opentelemetry/core");
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } =
    require("@opentelemetry/sdk-trace-base") as typeof import("@opentelemetry/sdk-trace-base");
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    exporter,
    uninstall() {
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
