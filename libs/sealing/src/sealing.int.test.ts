import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  appendToOutbox,
  busMigrations,
  DEAD_LETTER_HEADER,
  EventConsumer,
  OutboxRelay,
  on,
  provisionStreams,
  UnopenableError,
} from "@kopru/bus";
import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { DirectoryReplica, directoryMigrations, directoryReplicaConsumer } from "@kopru/directory";
import { EVENTS, NETWORK_LAYOUT, STREAMS, SUBJECTS } from "@kopru/events";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import {
  connectNats,
  createTestDatabase,
  type NatsServerProcess,
  type NatsTestConnection,
  startNatsServer,
  type TestDatabase,
  waitFor,
} from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { open } from "./crypto.js";
import { type ServiceSealing, sealingMigrations, serviceSealing } from "./index.js";
import type { SealingKeyPolicy } from "./keys.js";

/** A service process in miniature: its own database, relay, directory replica, keys and consumers. */
interface Node {
  name: string;
  db: Database;
  database: TestDatabase;
  relay: OutboxRelay;
  replica: EventConsumer;
  sealing: ServiceSealing;
  /** Phones received by each hosted organisation's ReferralRequested consumer. */
  received: Map<string, string[]>;
  consumers: Map<string, EventConsumer>;
}

const LONG: SealingKeyPolicy = { rotationPeriodMs: 3_600_000, leadTimeMs: 60_000, skewMs: 200 };

// Sealed events against a real nats-server (its store directory scanned) and real PostgreSQL: a
// package with a canary phone crosses from a sender to its addressee and is nowhere in clear but
// in their databases' own tables; keys rotate and a destroyed key leaves the stream copy sealed.
describe("sealed personal events", () => {
  const suffix = randomBytes(3).toString("hex");
  let server: NatsServerProcess;
  let nats: NatsTestConnection;
  const nodes: Node[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
    nats = await connectNats({ url: server.url });
    await provisionStreams(nats.jsm, NETWORK_LAYOUT);
  });

  afterAll(async () => {
    for (const node of nodes) {
      for (const consumer of node.consumers.values()) await consumer.stop();
      await node.replica.stop();
      await node.sealing.keys.stop();
      await node.relay.stop();
      await node.db.close();
      await node.database.drop();
    }
    await nats?.close();
    await server?.close();
  });

  async function startNode(
    name: string,
    organisations: string[],
    policy: SealingKeyPolicy = LONG,
    options: { startKeys?: boolean } = {},
  ): Promise<Node> {
    const database = await createTestDatabase({ prefix: "sealing" });
    const db = await openDatabase({ service: name, url: database.url, poolSize: 4 });
    await migrate(db, [busMigrations, directoryMigrations, sealingMigrations]);
    const base = { db, js: nats.js, jsm: nats.jsm };
    let relay: OutboxRelay | undefined;
    const sealing = serviceSealing({
      service: name,
      db,
      jsm: nats.jsm,
      events: NETWORK_LAYOUT.events,
      organisations,
      policy,
      now: () => new Date(),
      recipientKey: (organisationId, at, sql) => new DirectoryReplica(sql).sealingKey(organisationId, at),
      wake: () => relay?.wake(),
      checkIntervalMs: 100,
    });
    relay = new OutboxRelay({
      db,
      js: nats.js,
      pollIntervalMs: 50,
      waitRetryMs: 100,
      sealer: sealing.sealer,
    });
    relay.start();
    const replica = directoryReplicaConsumer(name, { ...base, logger: undefined as never });
    await replica.start();
    const received = new Map<string, string[]>();
    const consumers = new Map<string, EventConsumer>();
    for (const org of organisations) {
      received.set(org, []);
      const consumer = new EventConsumer({
        ...base,
        name: `${name}-${org}-requested`,
        stream: STREAMS.referral.name,
        filterSubject: SUBJECTS.requestedFor(org),
        opener: sealing.opener,
        ackWaitMs: 2_000,
        backoffMs: [500],
        handlers: [
          on(EVENTS.referralRequested, async (_tx, event) => {
            received.get(org)?.push(event.payload.referralPackage?.contact?.phoneNumber ?? "");
          }),
        ],
      });
      consumers.set(org, consumer);
      await consumer.start();
    }
    sealing.track([...consumers.values()]);
    if (options.startKeys !== false) await sealing.keys.start();
    const node = { name, db, database, relay, replica, sealing, received, consumers };
    nodes.push(node);
    return node;
  }

  async function sendPackage(from: Node, target: string, phone: string): Promise<string> {
    const referralId = crypto.randomUUID();
    const encoded = await from.db.transaction((tx) =>
      appendToOutbox(
        tx,
        { organisationId: "sender-org", service: from.name },
        {
          definition: EVENTS.referralRequested,
          payload: {
            referralPackage: ReferralPackage.fromPartial({
              referralId,
              target: { organisationId: target },
              contact: { phoneNumber: phone },
            }),
          },
          aggregate: { type: "referral", id: referralId, sequence: 1 },
        },
      ),
    );
    from.relay.wake();
    return encoded.eventId;
  }

  /** Every file of the nats-server's store directory, as bytes. */
  function storeFiles(): Buffer[] {
    const files: Buffer[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else files.push(readFileSync(path));
      }
    };
    walk(server.storeDir as string);
    return files;
  }
  const inStore = (text: string) => storeFiles().some((file) => file.includes(Buffer.from(text)));

  async function outboxHolds(node: Node, text: string): Promise<boolean> {
    const rows = await node.db.query<{ envelope: Uint8Array }>("SELECT envelope FROM kopru_outbox");
    return rows.rows.some((row) => Buffer.from(row.envelope).includes(Buffer.from(text)));
  }

  /** The raw stream copy of an event, read as the broker's admin would. */
  async function streamCopy(subject: string): Promise<EventEnvelope> {
    const message = await nats.jsm.streams.getMessage(STREAMS.referral.name, { last_by_subj: subject });
    if (!message) throw new Error(`nothing on ${subject}`);
    return EventEnvelope.decode(message.data);
  }

  it("carries a package to its addressee with the canary phone nowhere in clear on the broker or in the outbox", async () => {
    const recipientOrg = `org-r-${suffix}`;
    const recipient = await startNode(`rcv-${suffix}`, [recipientOrg]);
    const sender = await startNode(`snd-${suffix}`, [`org-s-${suffix}`]);
    const canary = `+90 555 ${randomBytes(4).toString("hex")} CANARY`;

    const eventId = await sendPackage(sender, recipientOrg, canary);
    await waitFor(() => recipient.received.get(recipientOrg)?.includes(canary), { timeoutMs: 20_000 });

    // The stream copy is sealed to the recipient's key, bound to this event, with no clear payload.
    const copy = await streamCopy(SUBJECTS.requestedFor(recipientOrg));
    expect(copy.eventId).toBe(eventId);
    expect(copy.payload).toHaveLength(0);
    expect(copy.sealedPayload?.recipientOrganisationId).toBe(recipientOrg);
    const [key] = await recipient.sealing.store.keys(recipientOrg);
    expect(copy.sealedPayload?.keyId).toBe(key?.keyId);

    // A control published in clear is found by the same scan: the scan can see what is stored.
    const control = `CONTROL-${randomBytes(4).toString("hex")}`;
    await nats.js.publish(`kopru.v1.notice.control-${suffix}`, new TextEncoder().encode(control));
    await waitFor(() => inStore(control), { timeoutMs: 10_000 });
    expect(inStore(canary)).toBe(false);

    // The sender's outbox keeps only the sealed copy once the row is sent.
    await waitFor(async () => (await sender.relay.pendingCount()) === 0);
    expect(await outboxHolds(sender, canary)).toBe(false);
  });

  it("holds a package for an addressee with no key yet, and sends it sealed once the key is published", async () => {
    const lateOrg = `org-late-${suffix}`;
    const sender = await startNode(`snd2-${suffix}`, [`org-s2-${suffix}`]);
    const canary = `+90 532 ${randomBytes(4).toString("hex")} CANARY`;
    await sendPackage(sender, lateOrg, canary);

    // It waits (never sent in clear) while no key of the addressee is known.
    await waitFor(async () => {
      const rows = await sender.db.query<{ last_error: string | null; sent_at: Date | null }>(
        "SELECT last_error, sent_at FROM kopru_outbox WHERE event_type = $1",
        [EVENTS.referralRequested.type],
      );
      return rows.rows.some(
        (r) => r.sent_at === null && r.last_error?.includes(`no sealing key of ${lateOrg}`),
      );
    });
    expect(sender.relay.stats.waiting).toBeGreaterThan(0);
    const pending = await nats.jsm.streams
      .getMessage(STREAMS.referral.name, {
        last_by_subj: SUBJECTS.requestedFor(lateOrg),
      })
      .catch(() => undefined);
    expect(pending ?? undefined).toBeUndefined();

    // The addressee's service starts and publishes its key: the package follows, sealed.
    const recipient = await startNode(`rcv2-${suffix}`, [lateOrg]);
    await waitFor(() => recipient.received.get(lateOrg)?.includes(canary), { timeoutMs: 20_000 });
    expect((await streamCopy(SUBJECTS.requestedFor(lateOrg))).sealedPayload?.recipientOrganisationId).toBe(
      lateOrg,
    );
    expect(inStore(canary)).toBe(false);
  });

  it("destroys a rotated key only once its copies are consumed; then no remaining key opens the stream copy, and new packages flow under the new key", async () => {
    const org = `org-rot-${suffix}`;
    const recipient = await startNode(`rcv3-${suffix}`, [org]);
    const sender = await startNode(`snd3-${suffix}`, [`org-s3-${suffix}`]);
    const consumer = recipient.consumers.get(org) as EventConsumer;
    const [first] = await recipient.sealing.store.keys(org);
    if (!first) throw new Error("no first key");
    // The sender knows the key before the recipient stops reading.
    await waitFor(
      async () => (await new DirectoryReplica(sender.db).sealingKey(org, new Date())) !== undefined,
    );

    // The recipient is not reading: a package sealed to the first key waits on the stream.
    await consumer.stop();
    const before = `+90 533 ${randomBytes(4).toString("hex")} CANARY`;
    const beforeId = await sendPackage(sender, org, before);
    await waitFor(async () => (await streamCopy(SUBJECTS.requestedFor(org))).eventId === beforeId);

    const second = await recipient.sealing.rotateNow(org);
    expect(second.keyId).not.toBe(first.keyId);
    // Past the first key's end plus the skew, it stays while its consumer has the package pending.
    const ended = (await recipient.sealing.store.keys(org)).find((k) => k.keyId === first.keyId);
    await waitFor(() => Date.now() > (ended?.validUntil.getTime() ?? 0) + LONG.skewMs + 50);
    await recipient.sealing.keys.tick();
    expect((await recipient.sealing.store.keys(org)).find((k) => k.keyId === first.keyId)?.destroyedAt).toBe(
      undefined,
    );

    // Reading again: the package opens with the first key, and then that key is destroyed.
    await consumer.start();
    await waitFor(() => recipient.received.get(org)?.includes(before), { timeoutMs: 20_000 });
    await waitFor(
      async () =>
        (await recipient.sealing.store.keys(org)).find((k) => k.keyId === first.keyId)?.destroyedAt !==
        undefined,
      { timeoutMs: 20_000 },
    );

    // The stream copy (read raw, as the broker's admin) cannot be opened with any key that remains.
    const copy = await streamCopy(SUBJECTS.requestedFor(org));
    expect(copy.eventId).toBe(beforeId);
    await expect(recipient.sealing.opener(copy, SUBJECTS.requestedFor(org))).rejects.toThrow(UnopenableError);
    const remaining = await recipient.db.query<{ key_id: string; private_key: Uint8Array | null }>(
      "SELECT key_id, private_key FROM kopru_sealing_keys",
    );
    expect(remaining.rows.find((r) => r.key_id === first.keyId)?.private_key).toBeNull();
    const sealed = copy.sealedPayload as NonNullable<EventEnvelope["sealedPayload"]>;
    for (const row of remaining.rows.filter((r) => r.private_key)) {
      await expect(
        open(new Uint8Array(row.private_key as Uint8Array), sealed, {
          eventId: copy.eventId,
          eventType: copy.eventType,
          subject: SUBJECTS.requestedFor(org),
          recipientOrganisationId: org,
          keyId: row.key_id,
        }),
      ).rejects.toThrow();
    }

    // New packages still flow, sealed to the new key.
    const after = `+90 534 ${randomBytes(4).toString("hex")} CANARY`;
    const afterId = await sendPackage(sender, org, after);
    await waitFor(() => recipient.received.get(org)?.includes(after), { timeoutMs: 20_000 });
    const newCopy = await streamCopy(SUBJECTS.requestedFor(org));
    expect(newCopy.eventId).toBe(afterId);
    expect(newCopy.sealedPayload?.keyId).toBe(second.keyId);
  });

  it("dead-letters a sealed payload moved under another event id, naming why", async () => {
    const org = `org-dl-${suffix}`;
    const recipient = await startNode(`rcv4-${suffix}`, [org]);
    const sender = await startNode(`snd4-${suffix}`, [`org-s4-${suffix}`]);
    const eventId = await sendPackage(sender, org, "+90 535 000 0000");
    await waitFor(() => (recipient.received.get(org)?.length ?? 0) === 1, { timeoutMs: 20_000 });
    const copy = await streamCopy(SUBJECTS.requestedFor(org));
    expect(copy.eventId).toBe(eventId);
    // A replay of the same ciphertext under a new event id (an attacker with publish rights).
    const forged = EventEnvelope.encode({ ...copy, eventId: crypto.randomUUID() }).finish();
    await nats.js.publish(SUBJECTS.requestedFor(org), forged);
    const consumer = recipient.consumers.get(org) as EventConsumer;
    await waitFor(() => consumer.stats.deadLettered === 1, { timeoutMs: 20_000 });
    expect(recipient.received.get(org)).toHaveLength(1);
    const parked = await nats.jsm.streams.getMessage(STREAMS.deadLetter.name, {
      last_by_subj: `kopru.dlq.${consumer.name}`,
    });
    expect(parked?.header?.get(DEAD_LETTER_HEADER.reason)).toBe("unopenable");
    expect(parked?.header?.get(DEAD_LETTER_HEADER.detail)).toMatch(/does not open/);
  });
});
