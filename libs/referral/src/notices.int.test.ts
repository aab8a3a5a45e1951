import { randomBytes } from "node:crypto";
import { appendToOutbox, busMigrations, OutboxRelay, provisionStreams, type ReceivedEvent } from "@kopru/bus";
import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
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
import { NoticeKind, NoticeUrgency, StaffNotice } from "@kopru/contracts/notification/v1/events";
import type { ConsentWithdrawn } from "@kopru/contracts/referral/v1/events";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { directoryMigrations } from "@kopru/directory";
import { checkBusAccess, EVENTS, NETWORK_LAYOUT, serviceBusAccess } from "@kopru/events";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { connectNats, createTestDatabase, type NatsTestConnection, waitFor } from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receivingConsumers, referrerOutcomeConsumer, referrerStatusConsumer } from "./consumers.js";
import { preparePackage, ReferralLifecycle } from "./lifecycle.js";
import { noticeConsentWithdrawn } from "./notices.js";
import { referralMigrations, referralStore } from "./store.js";

// The staff notices the referral lifecycle publishes (ADR 0017), between two real parties over
// JetStream: the target's caseworkers and supervisors hear of a new referral, the staff member who
// made it hears of its status and outcome — ids and codes only, never the package.
const suffix = randomBytes(4).toString("hex");
const REFERRER = `ngo-n-${suffix}`;
const TARGET = `mmcc-n-${suffix}`;
const REFERRING_STAFF = `staff-${suffix}`;
const CANARY = `Canary-Nazlı-${suffix}`;
const CANARY_PHONE = "+905559876543";
/** The person's pseudonymous reference: in the package and the withdrawal, never in a notice. */
const BENEFICIARY_REF = `ben-canary-${suffix}`;
const ASSIGNEE = `assignee-${suffix}`;

interface Party {
  db: Database;
  relay: OutboxRelay;
  lifecycle: ReferralLifecycle;
}
const clock = { now: () => new Date() };
const cleanups: (() => Promise<void>)[] = [];
let nats: NatsTestConnection;
let referrer: Party;
let target: Party;

async function party(service: string, organisationId: string): Promise<Party> {
  const database = await createTestDatabase({ prefix: `notice_${service}` });
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

/** The staff notices a party wrote to its outbox, decoded, with their subjects and raw bytes. */
async function notices(p: Party) {
  const { rows } = await p.db.query<{ subject: string; envelope: Uint8Array }>(
    "SELECT subject, envelope FROM kopru_outbox WHERE subject LIKE 'kopru.v1.notice.%' ORDER BY id",
  );
  return rows.map((row) => ({
    subject: row.subject,
    raw: Buffer.from(row.envelope).toString("latin1"),
    notice: StaffNotice.decode(EventEnvelope.decode(row.envelope).payload),
  }));
}

const acting = {
  actor: { party: "target" as const, kind: ActorKind.ACTOR_KIND_STAFF, organisationId: TARGET },
};

async function send(consentId = "c-1"): Promise<string> {
  const referralId = uuidv7();
  const source = ReferralPackage.fromPartial({
    referralId,
    rootReferralId: referralId,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: BENEFICIARY_REF,
    referrer: { organisationId: REFERRER },
    target: { organisationId: TARGET },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_HIGH,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consentId,
    requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: REFERRER, actorId: REFERRING_STAFF },
    reasonForReferral: `Counselling for ${CANARY} (synthetic).`,
    identity: { givenName: CANARY, familyName: "Person (synthetic)" },
    contact: { phoneNumber: CANARY_PHONE },
    demographics: { birthYear: 1990, nationality: "SY" },
    needs: { needsSummary: `${CANARY} needs counselling` },
  });
  const { pkg } = preparePackage({
    source,
    consent: {
      consentId,
      scope: {
        organisationIds: [],
        partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
        purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
        dataCategories: [
          DataCategory.DATA_CATEGORY_IDENTITY,
          DataCategory.DATA_CATEGORY_CONTACT,
          DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
          DataCategory.DATA_CATEGORY_NEEDS,
        ],
      },
      expiresAt: new Date(Date.now() + 365 * 86_400_000),
    },
    target: { organisationId: TARGET, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    at: clock.now(),
  });
  await referrer.db.transaction((tx) =>
    referrer.lifecycle.send(tx, pkg, {
      actor: { party: "referrer", kind: ActorKind.ACTOR_KIND_STAFF, organisationId: REFERRER },
    }),
  );
  referrer.relay.wake();
  return pkg.referralId;
}

/** Waits until the target received each referral. */
async function waitForReceived(referralIds: readonly string[]): Promise<void> {
  await waitFor(
    async () => {
      for (const id of referralIds) if (!(await referralStore.find(target.db, id, "target"))) return false;
      return true;
    },
    { message: "the referrals at the target" },
  );
}

beforeAll(async () => {
  nats = await connectNats();
  await provisionStreams(nats.jsm, NETWORK_LAYOUT);
  referrer = await party("intake", REFERRER);
  target = await party("municipality", TARGET);
  const base = (db: Database) => ({ db, js: nats.js, jsm: nats.jsm });
  const consumers = [
    ...receivingConsumers(`tn${suffix}`, TARGET, target.lifecycle, base(target.db)),
    referrerStatusConsumer(
      `rn${suffix}-status`,
      `kopru.v1.referral.status.${REFERRER}.*`,
      referrer.lifecycle,
      base(referrer.db),
    ),
    referrerOutcomeConsumer(
      `rn${suffix}-outcome`,
      `kopru.v1.referral.outcome.${REFERRER}.*`,
      referrer.lifecycle,
      base(referrer.db),
    ),
  ];
  for (const consumer of consumers) await consumer.start();
  cleanups.push(async () => {
    for (const consumer of consumers) {
      await consumer.stop();
      await nats.jsm.consumers.delete(consumer.subjects.stream, consumer.name).catch(() => {});
    }
  });
}, 60_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await nats.close();
});

describe("staff notices of the referral lifecycle", () => {
  let referralId: string;

  it("tells the target's caseworkers and supervisors that a referral arrived, with ids and codes only", async () => {
    referralId = await send();
    const received = await waitFor(
      async () => {
        const found = (await notices(target)).filter((n) => n.notice.referralId === referralId);
        return found.length === 2 && found;
      },
      { message: "the received notices" },
    );
    expect(received.map((n) => n.subject)).toEqual([
      `kopru.v1.notice.${TARGET}`,
      `kopru.v1.notice.${TARGET}`,
    ]);
    expect(received.map((n) => n.notice.recipient)).toEqual([
      { $case: "role", value: "caseworker" },
      { $case: "role", value: "supervisor" },
    ]);
    expect(received[0]?.notice).toMatchObject({
      organisationId: TARGET,
      kind: NoticeKind.NOTICE_KIND_REFERRAL_RECEIVED,
      urgency: NoticeUrgency.NOTICE_URGENCY_NORMAL,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      sourceService: "municipality",
    });
    expect(received[0]?.notice.dueAt).toBeInstanceOf(Date);
    // The package held the canary; the notices do not.
    expect((await referralStore.find(target.db, referralId, "target"))?.package.identity?.givenName).toBe(
      CANARY,
    );
    for (const { raw } of received) {
      expect(raw).not.toContain(CANARY);
      expect(raw).not.toContain(CANARY_PHONE);
    }
  });

  it("tells the staff member who made the referral of its status and its outcome", async () => {
    await target.db.transaction(async (tx) => {
      for (const command of [
        { type: "accept" as const },
        { type: "start" as const },
        { type: "complete" as const, outcomes: [OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD] },
      ])
        await target.lifecycle.transition(tx, { referralId, scope: [TARGET], command, acting });
    });
    target.relay.wake();
    const statuses = await waitFor(
      async () => {
        const found = (await notices(referrer)).filter(
          (n) =>
            n.notice.kind === NoticeKind.NOTICE_KIND_REFERRAL_STATUS && n.notice.referralId === referralId,
        );
        return found.length === 2 && found;
      },
      { message: "the accepted and completed notices at the referrer" },
    );
    expect(statuses.map((n) => n.notice.status)).toEqual([
      ReferralStatus.REFERRAL_STATUS_ACCEPTED,
      ReferralStatus.REFERRAL_STATUS_COMPLETED,
    ]);
    expect(statuses[0]).toMatchObject({
      subject: `kopru.v1.notice.${REFERRER}`,
      notice: {
        organisationId: REFERRER,
        recipient: { $case: "actorId", value: REFERRING_STAFF },
        urgency: NoticeUrgency.NOTICE_URGENCY_LOW,
        sourceService: "intake",
      },
    });

    await target.db.transaction((tx) =>
      target.lifecycle.reportOutcome(tx, {
        referralId,
        scope: [TARGET],
        outcomes: [
          OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD,
          OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_FULL,
        ],
        acting,
      }),
    );
    target.relay.wake();
    const outcome = await waitFor(
      async () =>
        (await notices(referrer)).find(
          (n) =>
            n.notice.kind === NoticeKind.NOTICE_KIND_REFERRAL_OUTCOME && n.notice.referralId === referralId,
        ),
      { message: "the outcome notice at the referrer" },
    );
    expect(outcome.notice.recipient).toEqual({ $case: "actorId", value: REFERRING_STAFF });
    for (const { raw } of await notices(referrer)) expect(raw).not.toContain(CANARY);
  });

  it("tells the staff holding a referral under a withdrawn consent, through the consent consumer, ids and codes only", async () => {
    // Under consent c-2: one accepted and assigned, one still unanswered, one declined.
    const assigned = await send("c-2");
    const open = await send("c-2");
    const declined = await send("c-2");
    await waitForReceived([assigned, open, declined]);
    await target.db.transaction(async (tx) => {
      await target.lifecycle.transition(tx, {
        referralId: assigned,
        scope: [TARGET],
        command: { type: "accept" },
        acting,
      });
      await target.lifecycle.work.assign(tx, {
        referralId: assigned,
        organisationId: TARGET,
        assigneeActorId: ASSIGNEE,
        assignedByActorId: `supervisor-${suffix}`,
        staff: async (_org, actorId) => ({ id: actorId, active: true }),
      });
      await target.lifecycle.transition(tx, {
        referralId: declined,
        scope: [TARGET],
        command: { type: "decline", declineReason: DeclineReason.DECLINE_REASON_NO_CAPACITY },
        acting,
      });
    });

    // Intake tells the holder, as WithdrawConsent does: c-2 (naming its three referrals), c-1 (the
    // completed referral of the tests above) and a consent the target holds nothing under.
    const withdraw = (consentId: string, referralIds: string[]) =>
      referrer.db.transaction((tx) =>
        appendToOutbox(
          tx,
          { organisationId: REFERRER, service: "intake" },
          {
            definition: EVENTS.consentWithdrawn,
            payload: {
              consentId,
              beneficiaryRef: BENEFICIARY_REF,
              organisationIds: [TARGET],
              referralIds,
              reason: 1,
              withdrawnAt: new Date(),
              policy: 0,
              continuingBasis: 0,
              referrerOrganisationId: REFERRER,
            },
            aggregate: { type: "consent-withdrawal", id: consentId, sequence: 1 },
          },
        ),
      );
    await withdraw("c-none", [uuidv7()]);
    await withdraw("c-2", [assigned, open, declined]);
    await withdraw("c-1", [referralId]);
    referrer.relay.wake();
    await waitFor(
      async () => {
        const { rows } = await target.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM kopru_inbox WHERE consumer = $1 AND status = 'applied'",
          [`tn${suffix}-${TARGET}-consent`],
        );
        return rows[0]?.n === 3;
      },
      { message: "the three withdrawals applied at the target" },
    );
    target.relay.wake();

    const withdrawn = (await notices(target)).filter(
      (n) => n.notice.kind === NoticeKind.NOTICE_KIND_CONSENT_WITHDRAWN,
    );
    const summary = withdrawn.map((n) => [n.notice.referralId, n.notice.recipient, n.notice.status]);
    // The assignee and the supervisors for the assigned one, not every caseworker.
    expect(summary.filter(([id]) => id === assigned)).toEqual([
      [assigned, { $case: "actorId", value: ASSIGNEE }, ReferralStatus.REFERRAL_STATUS_CANCELLED],
      [assigned, { $case: "role", value: "supervisor" }, ReferralStatus.REFERRAL_STATUS_CANCELLED],
    ]);
    // Nobody assigned: the supervisors and the caseworkers, as at its arrival.
    expect(summary.filter(([id]) => id === open)).toEqual([
      [open, { $case: "role", value: "supervisor" }, ReferralStatus.REFERRAL_STATUS_CANCELLED],
      [open, { $case: "role", value: "caseworker" }, ReferralStatus.REFERRAL_STATUS_CANCELLED],
    ]);
    // Served to the end: the file remains, so its staff are told too.
    expect(summary.filter(([id]) => id === referralId)).toEqual([
      [referralId, { $case: "role", value: "supervisor" }, ReferralStatus.REFERRAL_STATUS_COMPLETED],
      [referralId, { $case: "role", value: "caseworker" }, ReferralStatus.REFERRAL_STATUS_COMPLETED],
    ]);
    // Declined (never taken on) and the consent it holds nothing under: nobody is told.
    expect(withdrawn).toHaveLength(6);
    for (const { subject, notice, raw } of withdrawn) {
      expect(subject).toBe(`kopru.v1.notice.${TARGET}`);
      expect(notice).toMatchObject({
        organisationId: TARGET,
        urgency: NoticeUrgency.NOTICE_URGENCY_URGENT,
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        priority: Priority.PRIORITY_HIGH,
        sourceService: "municipality",
      });
      // The package held the canaries and the withdrawal the person's reference; no notice does.
      expect(raw).not.toContain(CANARY);
      expect(raw).not.toContain(CANARY_PHONE);
      expect(raw).not.toContain(BENEFICIARY_REF);
    }
    // A re-run (redelivery past the consumer's inbox, a replay) publishes the same ids: dropped
    // downstream by the notification service.
    const event = {
      eventId: uuidv7(),
      occurredAt: new Date(),
      aggregate: { type: "consent-withdrawal", id: "c-2", sequence: 1 },
      payload: {
        consentId: "c-2",
        beneficiaryRef: BENEFICIARY_REF,
        organisationIds: [TARGET],
        referralIds: [assigned, open, declined],
        reason: 1,
        withdrawnAt: new Date(),
      },
    } as unknown as ReceivedEvent<ConsentWithdrawn>;
    await target.db.transaction((tx) => noticeConsentWithdrawn(tx, "municipality", TARGET, event));
    const again = (await notices(target))
      .filter((n) => n.notice.kind === NoticeKind.NOTICE_KIND_CONSENT_WITHDRAWN)
      .slice(withdrawn.length)
      .map((n) => n.notice.noticeId);
    expect(again).toHaveLength(4);
    expect(new Set(again)).toEqual(
      new Set(withdrawn.filter((n) => n.notice.referralId !== referralId).map((n) => n.notice.noticeId)),
    );
  });

  it("publishes notices only where each party's NATS user may (ADR 0013)", async () => {
    const subjects = async (p: Party) => (await notices(p)).map((n) => n.subject);
    expect(
      checkBusAccess(serviceBusAccess("intake", { organisations: [REFERRER] }), {
        consumers: [],
        publishes: await subjects(referrer),
      }).refused,
    ).toEqual([]);
    expect(
      checkBusAccess(serviceBusAccess("municipality", { organisations: [TARGET] }), {
        consumers: [],
        publishes: await subjects(target),
      }).refused,
    ).toEqual([]);
  });
});
