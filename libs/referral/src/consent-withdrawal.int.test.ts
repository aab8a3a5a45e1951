import { randomBytes } from "node:crypto";
import { appendToOutbox, busMigrations, EventConsumer, OutboxRelay, on, provisionStreams } from "@kopru/bus";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  CancelReason,
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  ConsentGiver,
  ConsentMethod,
  ConsentWithdrawalPolicy,
  ConsentWithdrawalReason,
  ContinuingLawfulBasis,
} from "@kopru/contracts/referral/v1/consent";
import { ConsentWithdrawalRecorded, DisclosureKind } from "@kopru/contracts/referral/v1/events";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { directoryMigrations } from "@kopru/directory";
import { checkBusAccess, EVENTS, NETWORK_LAYOUT, SUBJECTS, serviceBusAccess } from "@kopru/events";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { connectNats, createTestDatabase, type NatsTestConnection, waitFor } from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disclosureLedger, withdrawalRegister } from "./consent-ledger.js";
import { receivingConsumers, referrerStatusConsumer } from "./consumers.js";
import { preparePackage, ReferralLifecycle } from "./lifecycle.js";
import { referralMigrations, referralStore } from "./store.js";

// Three organisations, each with its own PostgreSQL database, over the real JetStream: a referrer
// (the consent's owner), a holder (an MMCC) and the holder's onward target (an ECM unit). The person
// withdraws consent while a package is in flight and after the holder accepted: the holder records
// the withdrawal, acknowledges it to the referrer, and no onward referral under it succeeds.
const suffix = randomBytes(4).toString("hex");
const REFERRER = `ngo-w-${suffix}`;
const HOLDER = `mmcc-w-${suffix}`;
const ONWARD = `ecm-w-${suffix}`;
const HOUR = 3_600_000;

class MovableClock {
  offset = 0;
  now = () => new Date(Date.now() + this.offset);
}

interface Party {
  organisationId: string;
  db: Database;
  relay: OutboxRelay;
  lifecycle: ReferralLifecycle;
}

const clock = new MovableClock();
const cleanups: (() => Promise<void>)[] = [];
const consumers: EventConsumer[] = [];
let nats: NatsTestConnection;
let referrer: Party;
let holder: Party;
let onward: Party;

async function party(service: string, organisationId: string, kind?: PartnerKind): Promise<Party> {
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
  const lifecycle = new ReferralLifecycle({ organisationId, service }, clock, {
    partnerKindOf: kind === undefined ? undefined : async (_sql, _organisation) => kind,
  });
  return { organisationId, db, relay, lifecycle };
}

const base = (db: Database) => ({ db, js: nats.js, jsm: nats.jsm });

async function started(...list: EventConsumer[]): Promise<void> {
  for (const consumer of list) {
    await consumer.start();
    consumers.push(consumer);
  }
}

const scope = {
  organisationIds: [],
  partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
  purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
  dataCategories: [
    DataCategory.DATA_CATEGORY_IDENTITY,
    DataCategory.DATA_CATEGORY_CONTACT,
    DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
    DataCategory.DATA_CATEGORY_NEEDS,
  ],
};

const referrerActing = {
  actor: { party: "referrer" as const, kind: ActorKind.ACTOR_KIND_STAFF, organisationId: REFERRER },
  actorId: "referrer-staff-1",
};
const holderActing = {
  actor: { party: "target" as const, kind: ActorKind.ACTOR_KIND_STAFF, organisationId: HOLDER },
  actorId: "holder-staff-1",
};

/** Sends a synthetic person's package from the referrer to the holder under a fresh consent id. */
async function send(consent: { scope?: typeof scope; expiresAt?: Date } = {}) {
  const referralId = uuidv7();
  const consentId = uuidv7();
  const { pkg } = preparePackage({
    source: ReferralPackage.fromPartial({
      referralId,
      rootReferralId: referralId,
      origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
      beneficiaryRef: uuidv7(),
      referrer: { organisationId: REFERRER },
      target: { organisationId: HOLDER },
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_NORMAL,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: "Needs counselling (synthetic).",
      disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: "TUR027" },
      identity: { givenName: "Demo", familyName: "Withdrawn (synthetic)" },
      contact: { phoneNumber: "+905550000077" },
      demographics: { sex: Sex.SEX_FEMALE, birthYear: 1991, nationality: "SY" },
      needs: { needsSummary: "synthetic" },
    }),
    consent: {
      consentId,
      scope: consent.scope ?? scope,
      expiresAt: consent.expiresAt ?? new Date(Date.now() + 365 * 24 * HOUR),
    },
    target: { organisationId: HOLDER, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    at: clock.now(),
  });
  await referrer.db.transaction((tx) =>
    referrer.lifecycle.send(tx, pkg, referrerActing, {
      targetPartnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
    }),
  );
  referrer.relay.wake();
  return { referralId, consentId, beneficiaryRef: pkg.beneficiaryRef };
}

/** The referrer withdraws the consent and tells the holder (as intake's WithdrawConsent does). */
async function withdraw(
  sent: { consentId: string; beneficiaryRef: string; referralId: string },
  policy: ConsentWithdrawalPolicy = ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_CANCEL_ALL_OPEN,
  continuingBasis: ContinuingLawfulBasis = ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_UNSPECIFIED,
) {
  await referrer.db.transaction((tx) =>
    appendToOutbox(
      tx,
      { organisationId: REFERRER, service: "intake" },
      {
        definition: EVENTS.consentWithdrawn,
        payload: {
          consentId: sent.consentId,
          beneficiaryRef: sent.beneficiaryRef,
          organisationIds: [HOLDER],
          referralIds: [sent.referralId],
          reason: ConsentWithdrawalReason.CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST,
          withdrawnAt: clock.now(),
          policy,
          continuingBasis,
          referrerOrganisationId: REFERRER,
        },
        aggregate: { type: "consent-withdrawal", id: sent.consentId, sequence: 1 },
        correlationId: sent.consentId,
      },
    ),
  );
  referrer.relay.wake();
}

/** The holder's acknowledgement as the referrer received it. */
async function acknowledgement(consentId: string): Promise<ConsentWithdrawalRecorded> {
  let found: ConsentWithdrawalRecorded | undefined;
  await waitFor(
    async () => {
      const rows = await referrer.db.query<{ event: Uint8Array }>(
        "SELECT event FROM test_withdrawal_acks WHERE consent_id = $1",
        [consentId],
      );
      found = rows.rows[0] ? ConsentWithdrawalRecorded.decode(rows.rows[0].event) : undefined;
      return found !== undefined;
    },
    { timeoutMs: 20_000, message: "the referrer never learnt that the holder recorded the withdrawal" },
  );
  return found as ConsentWithdrawalRecorded;
}

async function statusAt(p: Party, id: string, role: "referrer" | "target") {
  return (await referralStore.find(p.db, id, role))?.status;
}

async function referrerSees(id: string, status: ReferralStatus) {
  await waitFor(async () => (await statusAt(referrer, id, "referrer")) === status, {
    timeoutMs: 20_000,
    message: `the referrer never saw ${ReferralStatus[status]}`,
  });
  return referralStore.find(referrer.db, id, "referrer");
}

function onwardFromHolder(
  parentReferralId: string,
  freshConsent?: Parameters<ReferralLifecycle["referOnward"]>[1]["freshConsent"],
) {
  return holder.db.transaction((tx) =>
    holder.lifecycle.referOnward(tx, {
      parentReferralId,
      scope: [HOLDER],
      newTarget: { organisationId: ONWARD, partnerKind: PartnerKind.PARTNER_KIND_ECM_UNIT },
      serviceType: ServiceType.SERVICE_TYPE_ECM_TRANSPORT,
      priority: Priority.PRIORITY_NORMAL,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: "Transport to the hospital (synthetic).",
      acting: holderActing,
      freshConsent,
    }),
  );
}

beforeAll(async () => {
  nats = await connectNats();
  await provisionStreams(nats.jsm, NETWORK_LAYOUT);
  referrer = await party("referrer", REFERRER);
  holder = await party("holder", HOLDER, PartnerKind.PARTNER_KIND_MUNICIPALITY);
  onward = await party("onward", ONWARD, PartnerKind.PARTNER_KIND_ECM_UNIT);
  await referrer.db.query(
    "CREATE TABLE test_withdrawal_acks (consent_id text PRIMARY KEY, holder text NOT NULL, event bytea NOT NULL)",
  );
  await started(
    ...receivingConsumers(`h${suffix}`, HOLDER, holder.lifecycle, base(holder.db)),
    ...receivingConsumers(`o${suffix}`, ONWARD, onward.lifecycle, base(onward.db)),
    referrerStatusConsumer(
      `r${suffix}-status`,
      `kopru.v1.referral.status.${REFERRER}.*`,
      referrer.lifecycle,
      base(referrer.db),
    ),
    // What intake does with holders' acknowledgements and onward disclosures (PII-free events).
    new EventConsumer({
      ...base(referrer.db),
      name: `r${suffix}-acks`,
      stream: "KOPRU_CONSENT",
      filterSubject: SUBJECTS.withdrawalRecordedFor(REFERRER),
      handlers: [
        on(EVENTS.consentWithdrawalRecorded, async (tx, event) => {
          await tx.query(
            "INSERT INTO test_withdrawal_acks (consent_id, holder, event) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [
              event.payload.consentId,
              event.payload.organisationId,
              Buffer.from(ConsentWithdrawalRecorded.encode(event.payload).finish()),
            ],
          );
        }),
      ],
    }),
    new EventConsumer({
      ...base(referrer.db),
      name: `r${suffix}-disclosures`,
      stream: "KOPRU_CONSENT",
      filterSubject: SUBJECTS.disclosuresFor(REFERRER),
      handlers: [
        on(EVENTS.disclosureRecorded, (tx, event) =>
          disclosureLedger.record(tx, {
            ...event.payload,
            ledgerOrganisationId: REFERRER,
            disclosedAt: event.payload.disclosedAt ?? event.occurredAt,
            reported: true,
          }),
        ),
      ],
    }),
  );
}, 90_000);

afterAll(async () => {
  for (const consumer of consumers) await consumer.stop();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await nats.close();
});

describe("consent withdrawal across organisations", () => {
  it("refuses a package withdrawn while in flight: not stored, cancelled CONSENT_WITHDRAWN, acknowledged", async () => {
    // The holder's referral consumer is down while the package and the withdrawal are sent.
    const requested = consumers.find((c) => c.name === `h${suffix}-${HOLDER}-requested`);
    await requested?.stop();
    const sent = await send();
    await withdraw(sent);
    await waitFor(
      async () => (await withdrawalRegister.find(holder.db, HOLDER, sent.consentId)) !== undefined,
      {
        timeoutMs: 20_000,
        message: "the holder never recorded the withdrawal",
      },
    );
    const ack = await acknowledgement(sent.consentId);
    expect(ack).toMatchObject({
      organisationId: HOLDER,
      referrerOrganisationId: REFERRER,
      cancelledReferralIds: [],
    });

    await started(
      receivingConsumers(`h${suffix}`, HOLDER, holder.lifecycle, base(holder.db))[0] as EventConsumer,
    );
    const seen = await referrerSees(sent.referralId, ReferralStatus.REFERRAL_STATUS_CANCELLED);
    expect(seen?.cancelReason).toBe(CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN);
    const kept = await referralStore.find(holder.db, sent.referralId, "target");
    expect(kept?.package.identity).toBeUndefined();
    expect(kept?.package.contact).toBeUndefined();
    expect(kept?.package.reasonForReferral).toBe("");
    await expect(onwardFromHolder(sent.referralId)).rejects.toBeDefined();
  });

  it("lets accepted work finish under the stated basis but refuses any onward referral under the withdrawn consent", async () => {
    const sent = await send();
    await waitFor(
      async () =>
        (await statusAt(holder, sent.referralId, "target")) === ReferralStatus.REFERRAL_STATUS_RECEIVED,
    );
    await holder.db.transaction((tx) =>
      holder.lifecycle.transition(tx, {
        referralId: sent.referralId,
        scope: [HOLDER],
        command: { type: "accept" },
        acting: holderActing,
      }),
    );
    await withdraw(
      sent,
      ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_FINISH_ACCEPTED_WORK,
      ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_VITAL_INTEREST,
    );
    const ack = await acknowledgement(sent.consentId);
    expect(ack.restrictedReferralIds).toEqual([sent.referralId]);
    expect(ack.continuingReferralIds).toEqual([sent.referralId]);
    expect(ack.cancelledReferralIds).toEqual([]);
    expect(ack.continuingBasis).toBe(ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_VITAL_INTEREST);
    expect(await statusAt(holder, sent.referralId, "target")).toBe(ReferralStatus.REFERRAL_STATUS_ACCEPTED);
    expect(await withdrawalRegister.restrictedAt(holder.db, sent.referralId)).toBeInstanceOf(Date);

    const refused = await onwardFromHolder(sent.referralId).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "consent_not_covering" });
    expect((refused as Error).message).toContain(sent.consentId);
    expect((refused as Error).message).toMatch(/withdrawn/);
    const outbox = await holder.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM kopru_outbox WHERE event_type = 'kopru.referral.v1.ReferralRequested'",
    );
    expect(outbox.rows[0]?.n).toBe(0);

    // The person gives the holder a fresh consent for the onward referral: it is recorded there, the
    // child carries it, and the referrer's ledger learns of the disclosure.
    const child = await onwardFromHolder(sent.referralId, {
      givenBy: ConsentGiver.CONSENT_GIVER_SELF,
      method: ConsentMethod.CONSENT_METHOD_VERBAL_RECORDED,
      explainedInLanguage: "ar",
      interpreterUsed: true,
      scope: {
        organisationIds: [ONWARD],
        partnerKinds: [],
        purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
        dataCategories: scope.dataCategories,
      },
      expiresAt: new Date(Date.now() + 30 * 24 * HOUR),
    });
    holder.relay.wake();
    expect(child.consentId).not.toBe(sent.consentId);
    expect(child.package.rootReferrerOrganisationId).toBe(REFERRER);
    const [own] = await disclosureLedger.forReferral(holder.db, child.referralId);
    expect(own).toMatchObject({
      kind: DisclosureKind.DISCLOSURE_KIND_ONWARD,
      senderOrganisationId: HOLDER,
      recipientOrganisationId: ONWARD,
      consentId: child.consentId,
      freshConsent: true,
      disclosedBy: { kind: ActorKind.ACTOR_KIND_STAFF, actorId: "holder-staff-1" },
    });
    await waitFor(
      async () => (await disclosureLedger.forReferral(referrer.db, child.referralId)).length === 1,
      {
        timeoutMs: 20_000,
        message: "the root referrer's ledger never learnt of the onward disclosure",
      },
    );
    const reported = await disclosureLedger.forBeneficiary(referrer.db, REFERRER, sent.beneficiaryRef);
    expect(reported.map((d) => [d.senderOrganisationId, d.recipientOrganisationId])).toEqual([
      [REFERRER, HOLDER],
      [HOLDER, ONWARD],
    ]);
    expect(reported[1]?.disclosedBy).toBeUndefined();
    await waitFor(
      async () =>
        (await statusAt(onward, child.referralId, "target")) === ReferralStatus.REFERRAL_STATUS_RECEIVED,
      {
        timeoutMs: 20_000,
        message: "the onward target never received the child under the fresh consent",
      },
    );
  });

  it("cancels accepted work when the withdrawal asks it, and the referrer sees it", async () => {
    const sent = await send();
    await waitFor(
      async () =>
        (await statusAt(holder, sent.referralId, "target")) === ReferralStatus.REFERRAL_STATUS_RECEIVED,
    );
    await holder.db.transaction((tx) =>
      holder.lifecycle.transition(tx, {
        referralId: sent.referralId,
        scope: [HOLDER],
        command: { type: "accept" },
        acting: holderActing,
      }),
    );
    holder.relay.wake();
    await withdraw(sent);
    const ack = await acknowledgement(sent.consentId);
    expect(ack.cancelledReferralIds).toEqual([sent.referralId]);
    const seen = await referrerSees(sent.referralId, ReferralStatus.REFERRAL_STATUS_CANCELLED);
    expect(seen?.cancelReason).toBe(CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN);
    await expect(onwardFromHolder(sent.referralId)).rejects.toMatchObject({ code: "parent_referral_closed" });
  });

  it("re-checks the consent on arrival: a package outside it, or expired on the way, is not stored", async () => {
    // Covers community centres only: the municipality it reached is not covered.
    const elsewhere = await send({
      scope: { ...scope, partnerKinds: [PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE], organisationIds: [] },
    }).catch(() => undefined);
    // preparePackage refuses it at the sender already; bypass it as a faulty sender would.
    expect(elsewhere).toBeUndefined();
    const referralId = uuidv7();
    const faulty = ReferralPackage.fromPartial({
      referralId,
      rootReferralId: referralId,
      beneficiaryRef: uuidv7(),
      referrer: { organisationId: REFERRER },
      target: { organisationId: HOLDER },
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_NORMAL,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      consentId: uuidv7(),
      consentScope: { ...scope, partnerKinds: [PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE] },
      consentExpiresAt: new Date(Date.now() + HOUR * 24),
      identity: { givenName: "Demo", familyName: "Outside (synthetic)" },
      contact: { phoneNumber: "+905550000078" },
      demographics: { birthYear: 1990 },
      needs: { needsSummary: "synthetic" },
    });
    await referrer.db.transaction((tx) => referrer.lifecycle.send(tx, faulty, referrerActing));
    referrer.relay.wake();
    const refused = await referrerSees(referralId, ReferralStatus.REFERRAL_STATUS_CANCELLED);
    expect(refused?.cancelReason).toBe(CancelReason.CANCEL_REASON_CONSENT_NOT_COVERING);
    expect((await referralStore.find(holder.db, referralId, "target"))?.package.identity).toBeUndefined();

    // Expires between sending and arrival (the holder's consumer is down meanwhile).
    const requested = consumers.filter((c) => c.name === `h${suffix}-${HOLDER}-requested`);
    for (const consumer of requested) await consumer.stop();
    const late = await send({ expiresAt: new Date(Date.now() + HOUR) });
    clock.offset += 2 * HOUR;
    try {
      await started(
        receivingConsumers(`h${suffix}`, HOLDER, holder.lifecycle, base(holder.db))[0] as EventConsumer,
      );
      const expired = await referrerSees(late.referralId, ReferralStatus.REFERRAL_STATUS_CANCELLED);
      expect(expired?.cancelReason).toBe(CancelReason.CANCEL_REASON_CONSENT_EXPIRED);
    } finally {
      clock.offset -= 2 * HOUR;
    }
  });

  it("records every package sent in the sender's ledger, and published only what NATS users may", async () => {
    const sent = await send();
    const [entry] = await disclosureLedger.forReferral(referrer.db, sent.referralId);
    expect(entry).toMatchObject({
      kind: DisclosureKind.DISCLOSURE_KIND_REFERRAL_PACKAGE,
      ledgerOrganisationId: REFERRER,
      beneficiaryRef: sent.beneficiaryRef,
      senderOrganisationId: REFERRER,
      recipientOrganisationId: HOLDER,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      consentId: sent.consentId,
      freshConsent: false,
      disclosedBy: { kind: ActorKind.ACTOR_KIND_STAFF, actorId: "referrer-staff-1" },
    });
    expect([...(entry?.dataCategories ?? [])].sort()).toEqual(
      [
        DataCategory.DATA_CATEGORY_IDENTITY,
        DataCategory.DATA_CATEGORY_CONTACT,
        DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
        DataCategory.DATA_CATEGORY_NEEDS,
      ].sort(),
    );
    const subjects = async (p: Party) =>
      (await p.db.query<{ subject: string }>("SELECT DISTINCT subject FROM kopru_outbox")).rows.map(
        (r) => r.subject,
      );
    const asHolder = serviceBusAccess("municipality", { organisations: [HOLDER] });
    const published = await subjects(holder);
    expect(published.some((s) => s.startsWith("kopru.v1.consent.recorded."))).toBe(true);
    expect(published.some((s) => s.startsWith("kopru.v1.consent.disclosure."))).toBe(true);
    expect(checkBusAccess(asHolder, { consumers: [], publishes: published }).refused).toEqual([]);
    // Canary: the acknowledgements and reported disclosures carry ids and codes only — no name, phone,
    // free text or staff id of the holder.
    const piiFree = await holder.db.query<{ envelope: Uint8Array }>(
      `SELECT envelope FROM kopru_outbox
        WHERE event_type IN ('kopru.referral.v1.ConsentWithdrawalRecorded', 'kopru.referral.v1.DisclosureRecorded')`,
    );
    expect(piiFree.rows.length).toBeGreaterThan(1);
    for (const row of piiFree.rows) {
      const text = Buffer.from(row.envelope).toString("latin1");
      for (const canary of [
        "Withdrawn (synthetic)",
        "+905550000077",
        "Demo",
        "Transport to",
        "holder-staff-1",
      ])
        expect(text).not.toContain(canary);
    }
    const asIntake = serviceBusAccess("intake", { organisations: [REFERRER] });
    expect(asIntake.consumers.map((c) => c.filterSubject)).toEqual(
      expect.arrayContaining([SUBJECTS.withdrawalRecordedFor(REFERRER), SUBJECTS.disclosuresFor(REFERRER)]),
    );
  });
});
