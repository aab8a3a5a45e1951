// Database errors quote the data they failed on (PostgreSQL's `detail`: "Key (name)=(…) already
// exists"; PGlite adds the query's `params`). Provoked here on both drivers with a canary name, and
// logged the ways the code base logs errors; the canary must reach no log line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createLogger } from "@kopru/observability";
import type { Database } from "@kopru/storage";
import { connectNats, type NatsTestConnection, uniqueName, waitFor } from "@kopru/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EventConsumer, on } from "./consumer.js";
import { appendToOutbox, OutboxRelay } from "./outbox.js";
import {
  Cleanup,
  openTestPglite,
  openTestPostgres,
  provisionTestBus,
  testBus,
  testConsumerOptions,
  testProducer,
} from "./testkit.js";

const scratch = mkdtempSync(join(tmpdir(), "kopru-log-redaction-"));
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

function memoryLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { logger: createLogger({ service: "redaction-test", level: "debug", destination }), lines };
}

/** A name no other test or table holds, so a substring search finds every copy of it. */
function canaryName(): string {
  return `Canary-${uniqueName("person")}`;
}

interface Opened {
  db: Database;
  close(): Promise<void>;
}

const drivers: Record<string, () => Promise<Opened>> = {
  PostgreSQL: async () => {
    const pg = await openTestPostgres("log_redaction");
    return { db: pg.db, close: pg.drop };
  },
  PGlite: async () => {
    const db = await openTestPglite(uniqueName("redaction"), scratch);
    return { db, close: () => db.close() };
  },
};

async function peopleTable(db: Database): Promise<void> {
  await db.query("CREATE TABLE IF NOT EXISTS test_people (name text CONSTRAINT test_people_name_key UNIQUE)");
}

class RegistrationFailedError extends Error {
  override readonly name = "RegistrationFailedError";
}

describe.each(Object.keys(drivers))("logging a %s error", (driver) => {
  // One database per driver for both tests: a fresh PGlite takes seconds to initialise.
  let opened: Promise<Opened> | undefined;
  const database = async () => {
    opened ??= (drivers[driver] as () => Promise<Opened>)();
    return (await opened).db;
  };
  afterAll(async () => {
    await (await opened)?.close();
  });

  it("keeps the canary name of a unique violation out of every line, and the code and constraint in", async () => {
    const db = await database();
    await peopleTable(db);
    const canary = canaryName();
    await db.query("INSERT INTO test_people (name) VALUES ($1)", [canary]);
    const violation = await db.query("INSERT INTO test_people (name) VALUES ($1)", [canary]).then(
      () => undefined,
      (error: unknown) => error,
    );
    // The driver really does quote it: otherwise this test proves nothing.
    expect(JSON.stringify(violation)).toContain(canary);

    const { logger, lines } = memoryLogger();
    logger.error({ err: violation }, "registration failed");
    logger.error({ error: violation }, "registration failed");
    logger.warn({ failure: { cause: violation, attempts: 2 } }, "handler failed");
    logger.error({ err: new RegistrationFailedError("could not register", { cause: violation }) }, "wrapped");
    logger.error({ err: new AggregateError([violation], "batch failed") }, "aggregate");
    logger.child({ err: violation }).info("child binding");

    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line).not.toContain(canary);
    const first = JSON.parse(lines[0] as string);
    expect(first.err).toMatchObject({ code: "23505", detail: "[redacted]" });
    expect(first.err.message).toContain("test_people_name_key");
  });

  it("withholds the message of a data exception, which quotes the input", async () => {
    const db = await database();
    const canary = canaryName();
    const invalid = await db.query("SELECT $1::uuid", [canary]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((invalid as Error).message).toContain(canary);

    const { logger, lines } = memoryLogger();
    logger.error({ err: invalid }, "lookup failed");
    logger.error({ err: new RegistrationFailedError("lookup failed", { cause: invalid }) }, "wrapped");
    for (const line of lines) expect(line).not.toContain(canary);
    expect(JSON.parse(lines[0] as string).err).toMatchObject({
      code: "22P02",
      message: "[message withheld: SQLSTATE 22P02 quotes the input]",
    });
  });
});

describe("a consumer whose handler hits a unique violation", () => {
  it("logs the failure and dead-letters the event without the canary name in any line", async () => {
    const bus = testBus();
    cleanup.defer(await provisionTestBus(nats.jsm, bus));
    const { db, close } = await (drivers.PostgreSQL as () => Promise<Opened>)();
    cleanup.defer(close);
    await peopleTable(db);
    const canary = canaryName();
    await db.query("INSERT INTO test_people (name) VALUES ($1)", [canary]);
    await db.transaction((tx) =>
      appendToOutbox(tx, testProducer, {
        definition: bus.thing,
        payload: { organisationId: "org-canary", displayName: canary },
        aggregate: { type: "thing", id: "org-canary", sequence: 1 },
      }),
    );
    const { logger, lines } = memoryLogger();
    const relay = new OutboxRelay({ db, js: nats.js, logger });
    expect(await relay.drain()).toBe(1);

    const consumer = new EventConsumer(
      testConsumerOptions(
        bus,
        { db, ...nats },
        {
          logger,
          maxAttempts: 2,
          handlers: [
            on(bus.thing, async (tx, event) => {
              await tx.query("INSERT INTO test_people (name) VALUES ($1)", [event.payload.displayName]);
            }),
          ],
        },
      ),
    );
    cleanup.defer(() => consumer.stop());
    await consumer.start();
    await waitFor(() => consumer.stats.deadLettered === 1, { timeoutMs: 30_000, message: "dead-lettered" });

    const failures = lines.filter((line) => line.includes("handler failed"));
    expect(failures.length).toBeGreaterThan(0);
    expect(JSON.parse(failures[0] as string).err).toMatchObject({ code: "23505" });
    for (const line of lines) expect(line).not.toContain(canary);
  });
});
