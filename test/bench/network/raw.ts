// The raw bounds of the machine, measured in the same run as the network: what JetStream and
// PostgreSQL do with nothing of Köprü's in between. Every network figure is printed as a ratio to
// one of these.

import { randomUUID } from "node:crypto";
import { appendToOutbox, busMigrations } from "@kopru/bus";
import { Disaggregation, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { EVENTS } from "@kopru/events";
import { type ReferralRecord, referralMigrations, referralStore } from "@kopru/referral";
import { migrate, openDatabase } from "@kopru/storage";
import { connectNats, createTestDatabase, uniqueName } from "@kopru/testing";
import pg from "pg";
import { perSecond, type Summary, summarise } from "./stats.js";

export interface RawMeasure {
  perSecond: number;
  latency: Summary;
}

export interface RawBounds {
  /** One publisher, each publish awaited (acked by JetStream) before the next. */
  jetstreamPublish: RawMeasure;
  /** One-row INSERT in autocommit (one fsync'd commit each) on 8 connections. */
  pgCommit8: RawMeasure;
  /** A referral row + its outbox row in one transaction, as intake's create writes at least, on 8 connections. */
  rowOutbox8: RawMeasure;
  /** The same on one connection: the least time a producer's commit takes. */
  rowOutbox1: RawMeasure;
}

/** `workers` loops calling `once` back to back for `seconds`; rate and latency of what succeeded. */
export async function loopFor(
  seconds: number,
  workers: number,
  once: (worker: number) => Promise<void>,
): Promise<RawMeasure> {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const from = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < until) {
        const started = performance.now();
        await once(worker);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return { perSecond: perSecond(latencies.length, performance.now() - from), latency: summarise(latencies) };
}

async function jetstreamPublish(
  nats: { url: string; user: string; pass: string; inboxPrefix: string },
  seconds: number,
): Promise<RawMeasure> {
  const { url, ...credentials } = nats;
  const connection = await connectNats({ url, ...credentials });
  const stream = uniqueName("bench_network_raw");
  const subject = `${stream}.raw`;
  try {
    await connection.jsm.streams.add({ name: stream, subjects: [subject] });
    const body = new Uint8Array(120).fill(7);
    return await loopFor(seconds, 1, async () => {
      await connection.js.publish(subject, body, { msgID: randomUUID() });
    });
  } finally {
    await connection.jsm.streams.delete(stream).catch(() => {});
    await connection.close();
  }
}

async function pgCommits(url: string, seconds: number): Promise<RawMeasure> {
  const clients = Array.from({ length: 8 }, () => new pg.Client({ connectionString: url }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    await clients[0]?.query("CREATE TABLE raw_commits (id bigserial PRIMARY KEY, v text NOT NULL)");
    return await loopFor(seconds, clients.length, async (worker) => {
      await clients[worker]?.query("INSERT INTO raw_commits (v) VALUES ($1)", ["x"]);
    });
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

const TEMPLATE = ReferralPackage.fromPartial({
  origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
  serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
  priority: Priority.PRIORITY_NORMAL,
  purpose: Purpose.PURPOSE_SERVICE_PROVISION,
  reasonForReferral: "Needs counselling (synthetic).",
  disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: "TUR027" },
  identity: { givenName: "Bench", familyName: "Synthetic-Person" },
  needs: { needsSummary: "synthetic" },
});

/** The least a create-referral must commit: the referral row and its ReferralRequested outbox row. */
function referralAndEvent(referrer: string, target: string) {
  const referralId = randomUUID();
  const now = new Date();
  const pkg: ReferralPackage = {
    ...TEMPLATE,
    referrer: { organisationId: referrer },
    target: { organisationId: target },
    requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: referrer, actorId: "bench", role: 0 },
    referralId,
    rootReferralId: referralId,
    beneficiaryRef: randomUUID(),
    consentId: randomUUID(),
    requestedAt: now,
  };
  const record: ReferralRecord = {
    referralId,
    role: "referrer",
    rootReferralId: referralId,
    parentReferralId: undefined,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: pkg.beneficiaryRef,
    referrerOrganisationId: referrer,
    targetOrganisationId: target,
    serviceOfferingId: undefined,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_NORMAL,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consentId: pkg.consentId,
    status: ReferralStatus.REFERRAL_STATUS_REQUESTED,
    sequence: 1,
    requestedAt: now,
    respondBy: new Date(now.getTime() + 7 * 86_400_000),
    updatedAt: now,
    outcomes: [],
    childReferralIds: [],
    declineReason: 0,
    onHoldReason: 0,
    notCompletedReason: 0,
    cancelReason: 0,
    redirectReason: 0,
    cancellationRequestedAt: undefined,
    disaggregation: pkg.disaggregation ?? Disaggregation.fromPartial({}),
    package: pkg,
  };
  return { record, pkg };
}

async function rowAndOutbox(
  url: string,
  connections: number,
  seconds: number,
  orgs: { referrer: string; target: string },
): Promise<RawMeasure> {
  const db = await openDatabase({ service: "bench-raw", url, poolSize: connections });
  try {
    await migrate(db, [busMigrations, referralMigrations]);
    return await loopFor(seconds, connections, async () => {
      const { record, pkg } = referralAndEvent(orgs.referrer, orgs.target);
      await db.transaction(async (tx) => {
        await referralStore.insert(tx, record);
        await appendToOutbox(
          tx,
          { organisationId: orgs.referrer, service: "intake" },
          {
            definition: EVENTS.referralRequested,
            payload: { referralPackage: pkg },
            aggregate: { type: "referral", id: record.referralId, sequence: 1 },
          },
        );
      });
    });
  } finally {
    await db.close();
  }
}

/**
 * Measures each bound on a fresh database of its own (dropped afterwards) and a stream of its own
 * on the network's nats-server, one after another so they do not compete with each other.
 */
export async function measureRawBounds(options: {
  nats: { url: string; user: string; pass: string; inboxPrefix: string };
  seconds: number;
  orgs: { referrer: string; target: string };
  log: (line: string) => void;
}): Promise<RawBounds> {
  const { seconds, log } = options;
  log("raw: JetStream publish, one publisher, acked");
  const jetstream = await jetstreamPublish(options.nats, seconds);
  const commitsDb = await createTestDatabase({ prefix: "bench_net_raw_commit" });
  const outboxDb = await createTestDatabase({ prefix: "bench_net_raw_outbox" });
  try {
    log("raw: PostgreSQL one-row commits, 8 connections");
    const commits = await pgCommits(commitsDb.url, seconds);
    log("raw: referral row + outbox row transactions, 8 connections, then 1");
    const outbox8 = await rowAndOutbox(outboxDb.url, 8, seconds, options.orgs);
    const outbox1 = await rowAndOutbox(outboxDb.url, 1, seconds, options.orgs);
    return { jetstreamPublish: jetstream, pgCommit8: commits, rowOutbox8: outbox8, rowOutbox1: outbox1 };
  } finally {
    await commitsDb.drop().catch(() => {});
    await outboxDb.drop().catch(() => {});
  }
}
