// The bus as a service confined to its subjects runs it (ADR 0013): streams provisioned by the
// admin, then the service's own user publishes through the outbox, provisions its durable (create,
// update at the next start, delete one left by another database), consumes, acknowledges and
// parks a poison message under its own dead-letter subject, with nothing more than it was granted.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BusAccess } from "@kopru/nats-server";
import type { Database } from "@kopru/storage";
import { type ConfinedNatsServer, startConfinedNatsServer, waitFor } from "@kopru/testing";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EventConsumer } from "./consumer.js";
import { OutboxRelay } from "./outbox.js";
import { provisionStreams } from "./provision.js";
import {
  Cleanup,
  countEffects,
  openTestPglite,
  publishThing,
  testBus,
  testConsumerOptions,
  writeThing,
} from "./testkit.js";

const bus = testBus();
const DURABLE = "svc-things";
const ORG = "org-a";
const access: BusAccess = {
  user: "svc",
  publish: [bus.subject(ORG), `${bus.deadLetterPrefix}.${DURABLE}`],
  consumers: [{ stream: bus.stream, durable: DURABLE, filterSubject: bus.thingSubjects }],
  streams: [bus.stream, bus.deadLetterStream],
};
const cleanup = new Cleanup();
const scratch = mkdtempSync(join(tmpdir(), "kopru-bus-confined-"));
let server: ConfinedNatsServer;

async function connectAs(user: string): Promise<NatsConnection> {
  const nc = await connect({ ...server.connectOptions(user), reconnect: false });
  cleanup.defer(() => nc.close());
  return nc;
}

async function database(name: string): Promise<Database> {
  const db = await openTestPglite(name, scratch);
  cleanup.defer(() => db.close());
  return db;
}

beforeAll(async () => {
  server = await startConfinedNatsServer({ access: [access] });
  await provisionStreams(await jetstreamManager(await connectAs("admin")), bus.layout);
});

afterAll(async () => {
  await cleanup.run();
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

it("publishes, consumes, acknowledges and dead-letters with only its own grants", async () => {
  const nc = await connectAs("svc");
  const violations: string[] = [];
  void (async () => {
    for await (const status of nc.status())
      if (status.type === "error") violations.push(String(status.error));
  })();
  const base = { js: jetstream(nc), jsm: await jetstreamManager(nc) };
  await provisionStreams(base.jsm, bus.layout, { awaitProvisionedMs: 5_000 });

  const db = await database("svc-one");
  await writeThing(db, bus, { id: ORG, sequence: 1 });
  expect(await new OutboxRelay({ db, js: base.js }).drain()).toBe(1);

  const consumer = new EventConsumer(testConsumerOptions(bus, { ...base, db }, { name: DURABLE }));
  await consumer.start();
  cleanup.defer(() => consumer.stop());
  await waitFor(async () => (await countEffects(db)).rows === 1, { message: "the event applied" });

  // A message it can never apply goes to its own dead-letter subject.
  const admin = await connectAs("admin");
  await publishThing(jetstream(admin), bus, {
    aggregateId: ORG,
    sequence: 2,
    data: new Uint8Array([1, 2, 3]),
  });
  const adminJsm = await jetstreamManager(admin);
  await waitFor(async () => (await adminJsm.streams.info(bus.deadLetterStream)).state.messages === 1, {
    message: "the poison message parked",
  });
  const parked = await adminJsm.streams.getMessage(bus.deadLetterStream, { seq: 1 });
  expect(parked?.subject).toBe(`${bus.deadLetterPrefix}.${DURABLE}`);
  await consumer.stop();

  // The next start updates the durable; a start from another database deletes it and replays.
  const again = new EventConsumer(testConsumerOptions(bus, { ...base, db }, { name: DURABLE }));
  await again.start();
  await again.stop();
  const other = await database("svc-two");
  const replaying = new EventConsumer(testConsumerOptions(bus, { ...base, db: other }, { name: DURABLE }));
  await replaying.start();
  cleanup.defer(() => replaying.stop());
  await waitFor(async () => (await countEffects(other)).rows === 1, {
    message: "the replay into the other database",
  });

  expect(violations).toEqual([]);
});
