import { randomBytes } from "node:crypto";
import { busMigrations, OutboxRelay, provisionStreams } from "@kopru/bus";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  CancelReason,
  DataCategory,
  DeclineReason,
  OutcomeCode,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { directoryMigrations } from "@kopru/directory";
import { checkBusAccess, NETWORK_LAYOUT, serviceBusAccess } from "@kopru/events";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { connectNats, createTestDatabase, type NatsTestConnection, waitFor } from "@kopru/testing";
import { TimerWorker, timerMigrations } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deadlineTimerHandler, receivingConsumers, referrerStatusConsumer } from "./consumers.js";
import { DEADLINE_TIMER, preparePackage, ReferralLifecycle } from "./lifecycle.js";
import { referralMigrations, referralStore } from "./store.js";

// Two parties, each with its own PostgreSQL database, exchanging referral events over the real
// JetStream: the referrer sends, the target's copy drives the lifecycle, the referrer learns each step.
const suffix = randomBytes(4).toString("hex");
const REFERRER = `ngo-t-${suffix}`;
const TARGET = `mmcc-t-${suffix}`;
const HOUR = 3_600_000;

class MovableClock {
  offset = 0;
  now = () => new Date(Date.now() + this.offset);
}

interface Party {
  db: Database;
  relay: OutboxRelay;
  lifecycle: ReferralLifecycle;
}

const clock = new MovableClock();
const cleanups: (() => Promise<void>)[] = [];
let nats: NatsTestConnection;
let referrer: Party;
let target: Party;
let timers: TimerWorker;

async function party(service: string, organisationId: string): Promise<Party> {
  const database = await createTestDatabase({ prefix: service });
  const db = await openDatabase({ service, url: database.url, poolSize: 6 });
  await migrate(db, [busMigrations, timerMigrations, directoryMigrations, referralMigrations]);
  const relay = new OutboxRelay({ db, js: nats.js, pollIntervalMs: 50 });
  relay.start();
  cleanups.push(async () => {
    await relay.stop();
    await db.close();
    await database.drop();
  });
  return { db, relay, lifecycle: new ReferralLifecycle({ organisationId, service }, clock) };
}

function fullPackage(): ReferralPackage {
  const referralId = uuidv7();
  return ReferralPackage.fromPartial({
    referralId,
    rootReferralId: referralId,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: uuidv7(),
    referrer: { organisationId: REFERRER },
    target: { organisationId: TARGET },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_EMERGENCY,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consentId: uuidv7(),
    reasonForReferral: "Needs counselling on access to services (synthetic).",
    disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: "TUR027" },
    identity: { givenName: "Demo", familyName: "Person (synthetic)" },
    contact: { phoneNumber: "+905550000001" },
    demographics: { sex: Sex.SEX_FEMALE, birthYear: 1990, nationality: "SY" },
    needs: { needsSummary: "synthetic" },
    gbv: {},
  });
}

const consent = {
  consentId: "c-1",
  scope: {
    organisationIds: [],
    partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
    purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
    dataCategories: [
      DataCategory.DATA_CATEGORY_IDENTITY,
      DataCategory.DATA_CATEGORY_CONTACT,
      DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
      DataCategory.DATA_CATEGORY_NEEDS,
      DataCategory.DATA_CATEGORY_GBV,
    ],
  },
  expiresAt: new Date(Date.now() + 365 * 24 * HOUR),
};

const referrerActing = {
  actor: { party: "referrer" as const, kind: ActorKind.ACTOR_KIND_STAFF, organisationId: REFERRER },
};
const targetActing = {
  actor: { party: "target" as const, kind: ActorKind.ACTOR_KIND_STAFF, organisationId: TARGET },
};

async function send(): Promise<string> {
  const { pkg } = preparePackage({
    source: fullPackage(),
    consent,
    target: { organisationId: TARGET, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    at: clock.now(),
  });
  await referrer.db.transaction((tx) => referrer.lifecycle.send(tx, pkg, referrerActing));
  referrer.relay.wake();
  return pkg.referralId;
}

async function statusAt(p: Party, id: string, role: "referrer" | "target") {
  return (await referralStore.find(p.db, id, role))?.status;
}

beforeAll(async () => {
  nats = await connectNats();
  await provisionStreams(nats.jsm, NETWORK_LAYOUT);
  referrer = await party("referrer", REFERRER);
  target = await party("target", TARGET);
  const base = (db: Database) => ({ db, js: nats.js, jsm: nats.jsm });
  const consumers = [
    ...receivingConsumers(`t${suffix}`, TARGET, target.lifecycle, base(target.db)),
    referrerStatusConsumer(
      `r${suffix}-status`,
      `kopru.v1.referral.status.${REFERRER}.*`,
      referrer.lifecycle,
      base(referrer.db),
    ),
  ];
  for (const consumer of consumers) await consumer.start();
  timers = new TimerWorker({
    db: target.db,
    clock,
    handlers: { [DEADLINE_TIMER]: deadlineTimerHandler(target.lifecycle) },
  });
  cleanups.push(async () => {
    for (const consumer of consumers) {
      await consumer.stop();
      await nats.jsm.consumers.delete("KOPRU_REFERRAL", consumer.name).catch(() => {});
    }
  });
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await nats.close();
});

describe("a referral between two parties over JetStream", () => {
  it("carries only the contract's sections, is acknowledged automatically, and the referrer learns it", async () => {
    const id = await send();
    await waitFor(
      async () => (await statusAt(referrer, id, "referrer")) === ReferralStatus.REFERRAL_STATUS_RECEIVED,
      {
        message: "referrer never learnt of the receipt",
      },
    );
    const received = await referralStore.find(target.db, id, "target");
    expect(received?.status).toBe(ReferralStatus.REFERRAL_STATUS_RECEIVED);
    // GBV was consented but MMCC counselling's contract does not list it: it never left.
    expect(received?.package.gbv).toBeUndefined();
    expect(received?.package.identity?.givenName).toBe("Demo");
  });

  it("lets exactly one of two concurrent answers win, and reports the outcome to the referrer", async () => {
    const id = await send();
    await waitFor(
      async () => (await statusAt(target, id, "target")) === ReferralStatus.REFERRAL_STATUS_RECEIVED,
    );
    const answers = await Promise.allSettled([
      target.db.transaction((tx) =>
        target.lifecycle.transition(tx, {
          referralId: id,
          scope: [TARGET],
          command: { type: "accept" },
          acting: targetActing,
        }),
      ),
      target.db.transaction((tx) =>
        target.lifecycle.transition(tx, {
          referralId: id,
          scope: [TARGET],
          command: { type: "decline", declineReason: DeclineReason.DECLINE_REASON_NO_CAPACITY },
          acting: targetActing,
        }),
      ),
    ]);
    const fulfilled = answers.filter((a) => a.status === "fulfilled");
    const rejected = answers.filter((a) => a.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason.code).toBe("transition_not_allowed");

    const first = await statusAt(target, id, "target");
    if (first === ReferralStatus.REFERRAL_STATUS_ACCEPTED) {
      for (const command of [
        { type: "start" as const },
        { type: "complete" as const, outcomes: [OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD] },
      ]) {
        await target.db.transaction((tx) =>
          target.lifecycle.transition(tx, { referralId: id, scope: [TARGET], command, acting: targetActing }),
        );
      }
      target.relay.wake();
    }
    const terminal =
      first === ReferralStatus.REFERRAL_STATUS_ACCEPTED ? ReferralStatus.REFERRAL_STATUS_COMPLETED : first;
    await waitFor(async () => (await statusAt(referrer, id, "referrer")) === terminal, {
      message: "outcome never reached the referrer",
    });
    const copy = await referralStore.find(referrer.db, id, "referrer");
    const history = await referralStore.transitions(referrer.db, id, "referrer");
    expect(history.map((t) => t.sequence)).toEqual(history.map((_, i) => i + 1));
    if (terminal === ReferralStatus.REFERRAL_STATUS_COMPLETED) {
      expect(copy?.outcomes).toEqual([OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD]);
    }
  });

  it("refuses another organisation's referral as not found", async () => {
    const id = await send();
    await waitFor(async () => (await statusAt(target, id, "target")) !== undefined);
    await expect(
      target.db.transaction((tx) =>
        target.lifecycle.transition(tx, {
          referralId: id,
          scope: ["someone-else"],
          command: { type: "accept" },
          acting: targetActing,
        }),
      ),
    ).rejects.toMatchObject({ code: "not_found" });
  });

  it("expires an unanswered emergency referral by a durable timer and tells the referrer", async () => {
    const id = await send();
    await waitFor(
      async () => (await statusAt(target, id, "target")) === ReferralStatus.REFERRAL_STATUS_RECEIVED,
    );
    expect(await timers.fireDue()).toBe(0);
    clock.offset += 25 * HOUR;
    try {
      expect(await timers.fireDue()).toBeGreaterThanOrEqual(1);
    } finally {
      clock.offset -= 25 * HOUR;
    }
    target.relay.wake();
    expect(await statusAt(target, id, "target")).toBe(ReferralStatus.REFERRAL_STATUS_EXPIRED);
    await waitFor(
      async () => (await statusAt(referrer, id, "referrer")) === ReferralStatus.REFERRAL_STATUS_EXPIRED,
      {
        message: "the referrer was never told of the expiry",
      },
    );
  });

  it("applies the referrer's cancellation at the target and reports it back", async () => {
    const id = await send();
    await waitFor(
      async () => (await statusAt(referrer, id, "referrer")) === ReferralStatus.REFERRAL_STATUS_RECEIVED,
    );
    await referrer.db.transaction((tx) =>
      referrer.lifecycle.requestCancellation(tx, {
        referralId: id,
        scope: [REFERRER],
        cancelReason: CancelReason.CANCEL_REASON_NEED_RESOLVED,
        acting: referrerActing,
      }),
    );
    referrer.relay.wake();
    await waitFor(
      async () => (await statusAt(referrer, id, "referrer")) === ReferralStatus.REFERRAL_STATUS_CANCELLED,
      {
        message: "cancellation never came back",
      },
    );
    expect(await statusAt(target, id, "target")).toBe(ReferralStatus.REFERRAL_STATUS_CANCELLED);
  });

  it("published only what the referrer's and the target's NATS users may publish (ADR 0013)", async () => {
    const subjects = async (party: Party) =>
      (await party.db.query<{ subject: string }>("SELECT DISTINCT subject FROM kopru_outbox")).rows.map(
        (r) => r.subject,
      );
    const sent = await subjects(referrer);
    const answered = await subjects(target);
    expect(sent.length).toBeGreaterThan(0);
    expect(answered.length).toBeGreaterThan(0);
    const asIntake = serviceBusAccess("intake", { organisations: [REFERRER] });
    const asReceiver = serviceBusAccess("municipality", { organisations: [TARGET] });
    expect(checkBusAccess(asIntake, { consumers: [], publishes: sent }).refused).toEqual([]);
    expect(checkBusAccess(asReceiver, { consumers: [], publishes: answered }).refused).toEqual([]);
  });
});
