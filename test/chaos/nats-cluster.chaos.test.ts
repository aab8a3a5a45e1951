import {
  appendToOutbox,
  type BusLayout,
  busMigrations,
  defineEvent,
  EventConsumer,
  OutboxRelay,
  on,
  provisionStreams,
} from "@kopru/bus";
import { OrganisationRef } from "@kopru/contracts/common/v1/refs";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import {
  createTestDatabase,
  type NatsCluster,
  startNatsCluster,
  type TestDatabase,
  uniqueName,
  waitFor,
} from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eachLimited, envInt, faultLoop, seededRandom } from "./chaos.js";

// The event backbone of every service (outbox → JetStream → durable consumer → inbox + effect in
// one transaction) against a three-node JetStream cluster whose streams keep three replicas.
const KILL_SECONDS = envInt("CHAOS_NATS_SECONDS", 40);
const PAUSE_SECONDS = envInt("CHAOS_NATS_PAUSE_SECONDS", 15);
const REFERRALS = 40;

const id = uniqueName("CHAOS");
const prefix = `t.${id}`;
const statusChanged = defineEvent<OrganisationRef>({
  type: "kopru.common.v1.OrganisationRef",
  schemaVersion: 1,
  codec: OrganisationRef,
  stream: id,
  subjectPattern: `${prefix}.v1.status.*`,
  subject: (payload) => `${prefix}.v1.status.${payload.organisationId}`,
  personalData: false,
});
const layout: BusLayout = {
  streams: [
    { name: id, subjects: [`${prefix}.v1.>`], maxAgeMs: 3_600_000, duplicateWindowMs: 600_000, replicas: 3 },
  ],
  events: [statusChanged],
  deadLetterStream: {
    name: `${id}_DLQ`,
    subjects: [`${prefix}.dlq.>`],
    maxAgeMs: 3_600_000,
    duplicateWindowMs: 600_000,
    replicas: 3,
  },
};

let cluster: NatsCluster;
let connection: Awaited<ReturnType<NatsCluster["connect"]>>;
let database: TestDatabase;
let db: Database;
let relay: OutboxRelay | undefined;
let consumer: EventConsumer | undefined;
const consumerName = uniqueName("chaos-status");

beforeAll(async () => {
  cluster = await startNatsCluster({ size: 3 });
  // Pings every second: a client on a paused (SIGSTOP) node notices within seconds and moves on.
  connection = await cluster.connect({ pingInterval: 1_000, maxPingOut: 3 });
  await provisionStreams(connection.jsm, layout);
  database = await createTestDatabase({ prefix: "chaos_nats" });
  db = await openDatabase({ service: "chaos-nats", url: database.url, poolSize: 10 });
  await migrate(db, [busMigrations]);
  await db.query(`CREATE TABLE chaos_effects (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL,
    referral_id text NOT NULL,
    sequence integer NOT NULL
  )`);
}, 120_000);

afterAll(async () => {
  // A paused node gets SIGCONT first, so its stop is a stop and not a five-second wait.
  for (const node of cluster?.nodes ?? []) if (node.server.pid) process.kill(node.server.pid, "SIGCONT");
  await consumer?.stop().catch(() => {});
  await relay?.stop().catch(() => {});
  await connection?.close();
  await cluster?.close();
  await db?.close().catch(() => {});
  await database?.drop();
});

describe("chaos: a three-node NATS JetStream cluster losing nodes under load", () => {
  it("loses no acknowledged event, applies none twice and keeps each referral's order while nodes are killed and the meta leader is paused", async () => {
    const random = seededRandom("nats-cluster");
    relay = new OutboxRelay({ db, js: connection.js, publishTimeoutMs: 3_000, maxBackoffMs: 2_000 });
    relay.start();
    consumer = new EventConsumer({
      db,
      js: connection.js,
      jsm: connection.jsm,
      name: consumerName,
      stream: id,
      filterSubject: `${prefix}.v1.status.*`,
      deadLetterSubjectPrefix: `${prefix}.dlq`,
      handlers: [
        on(statusChanged, async (tx, event) => {
          await tx.query("INSERT INTO chaos_effects (event_id, referral_id, sequence) VALUES ($1, $2, $3)", [
            event.eventId,
            event.aggregate.id,
            event.aggregate.sequence,
          ]);
        }),
      ],
      ordered: true,
      ackWaitMs: 2_000,
      backoffMs: [1_000],
    });
    await consumer.start();

    // Writers: each referral's transitions committed one after another, each with its event in
    // the outbox in the same transaction — what every service does.
    const sequences = new Map<string, number>();
    const written: string[] = [];
    const stopWriting = new AbortController();
    const writers = eachLimited(
      Array.from({ length: REFERRALS }, (_, i) => `r${String(i).padStart(3, "0")}`),
      REFERRALS,
      async (referralId) => {
        while (!stopWriting.signal.aborted) {
          const sequence = (sequences.get(referralId) ?? 0) + 1;
          const encoded = await db.transaction((tx) =>
            appendToOutbox(
              tx,
              { organisationId: "org-chaos", service: "chaos" },
              {
                definition: statusChanged,
                payload: { organisationId: referralId, displayName: `step ${sequence}` },
                aggregate: { type: "referral", id: referralId, sequence },
              },
            ),
          );
          sequences.set(referralId, sequence);
          written.push(encoded.eventId);
          // Jitter only (not part of the replayed schedule): writers interleave differently each run.
          await new Promise((resolve) => setTimeout(resolve, 50 + Math.floor(Math.random() * 200)));
        }
      },
    );

    const phases: string[] = [];
    try {
      // Phase 1: kill -9 a random node every 5 s for KILL_SECONDS, each restarted on its store.
      const kills = new AbortController();
      const killing = faultLoop(
        { minMs: 5_000, maxMs: 5_000, random: random.next, signal: kills.signal },
        async () => {
          // Only a whole cluster loses a node: two down at once would be a lost quorum, not a fault.
          await cluster.ready({ timeoutMs: 60_000 });
          const victim = random.pick(cluster.nodes);
          await victim.server.kill();
          await victim.server.restart();
          return `kill -9 ${victim.name} (restarted)`;
        },
      );
      await new Promise((resolve) => setTimeout(resolve, KILL_SECONDS * 1_000));
      kills.abort();
      phases.push(...(await killing));

      // Phase 2: the meta leader stops answering without its connections closing (SIGSTOP).
      await cluster.ready({ timeoutMs: 60_000 });
      const leader = await cluster.metaLeader();
      const pid = leader.server.pid as number;
      process.kill(pid, "SIGSTOP");
      console.log(`[chaos] SIGSTOP meta leader ${leader.name} for ${PAUSE_SECONDS} s`);
      try {
        const writtenBefore = written.length;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_SECONDS * 1_000));
        phases.push(
          `SIGSTOP ${leader.name} for ${PAUSE_SECONDS} s, ${written.length - writtenBefore} events written meanwhile`,
        );
      } finally {
        process.kill(pid, "SIGCONT");
      }
      await cluster.ready({ timeoutMs: 60_000 });
    } finally {
      stopWriting.abort();
      await writers;
    }
    console.log(`[chaos] nats-cluster: ${written.length} events written; ${phases.length} faults`);

    // Every written event relayed (JetStream acknowledged it) and applied; the consumer drained.
    await waitFor(
      async () => {
        const unsent = await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM kopru_outbox WHERE sent_at IS NULL",
        );
        if (Number(unsent.rows[0]?.n) > 0) return false;
        const info = await connection.jsm.consumers.info(id, consumerName);
        if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
        const applied = await db.query<{ n: string }>(
          "SELECT count(DISTINCT event_id) AS n FROM chaos_effects",
        );
        return Number(applied.rows[0]?.n) === written.length;
      },
      {
        timeoutMs: 180_000,
        intervalMs: 500,
        message: `all ${written.length} events relayed and applied once`,
      },
    );

    // None lost, none twice.
    const effects = await db.query<{ event_id: string; referral_id: string; sequence: number }>(
      "SELECT event_id::text, referral_id, sequence FROM chaos_effects ORDER BY id",
    );
    expect(effects.rows.length).toBe(written.length);
    expect(new Set(effects.rows.map((row) => row.event_id))).toEqual(new Set(written));
    // The stream holds each event once: a re-publish after a lost ack was de-duplicated by msg id.
    expect((await connection.jsm.streams.info(id)).state.messages).toBe(written.length);
    // Each referral's transitions applied in their order, with no gap.
    const byReferral = new Map<string, number[]>();
    for (const row of effects.rows) {
      byReferral.set(row.referral_id, [...(byReferral.get(row.referral_id) ?? []), row.sequence]);
    }
    for (const [referralId, seen] of byReferral) {
      expect(seen, `order of ${referralId}`).toEqual(seen.map((_, i) => i + 1));
    }
    // Nothing given up on.
    expect((await connection.jsm.streams.info(`${id}_DLQ`)).state.messages).toBe(0);
  });
});
