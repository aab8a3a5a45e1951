import { randomBytes, randomUUID } from "node:crypto";
import { busMigrations, encodeEvent, HEADER } from "@kopru/bus";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, NoticeUrgency, StaffNotice } from "@kopru/contracts/notification/v1/events";
import type { ContactDetailsUpdated } from "@kopru/contracts/referral/v1/events";
import {
  ContactAttemptMethod,
  ContactAttemptResult,
  ReferralInboxServiceClient,
} from "@kopru/contracts/referral/v1/inbox_service";
import { type ContactSection, ReferralPackage, Weekday } from "@kopru/contracts/referral/v1/package";
import { directoryMigrations } from "@kopru/directory";
import { EVENTS, NETWORK_LAYOUT, STREAMS, SUBJECTS } from "@kopru/events";
import { sealingMigrations } from "@kopru/sealing";
import {
  channelCredentials,
  ErrorCatalogue,
  type GrpcClient,
  grpcClient,
  type ServiceSpec,
  serviceEnv,
} from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import { headers } from "@nats-io/transport-node";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFERRAL_ERRORS } from "./errors.js";
import { receivingServiceParts } from "./receiving.js";
import { referralMigrations, referralStore } from "./store.js";
import {
  eventsOn,
  type Referrer,
  refusal,
  startReferrer,
  startTestService,
  type TestService,
} from "./testkit.js";

// Safe contact at a receiving organisation (ADR 0018), over the real JetStream and PostgreSQL: a
// partner sends a package whose contact section has safe windows; the target's staff record contact
// attempts through the inbox (refused outside the windows or when not safe); the referrer's
// ContactDetailsUpdated replaces the section, never with an older version.
const suffix = randomBytes(4).toString("hex");
const TARGET = `mmcc-c-${suffix}`;
const REFERRER = `ngo-c-${suffix}`;
const DAY = 86_400_000;

const env = serviceEnv(0);
const spec: ServiceSpec<typeof env> = {
  name: "contact-test",
  envSchema: env,
  migrations: [busMigrations, timerMigrations, directoryMigrations, sealingMigrations, referralMigrations],
  layout: NETWORK_LAYOUT,
  errors: new ErrorCatalogue(REFERRAL_ERRORS),
  async build(context) {
    const parts = receivingServiceParts(context, { organisations: [TARGET] });
    return { grpc: parts.grpc, consumers: parts.consumers, workers: parts.workers, sealing: parts.sealing };
  },
};

const consent = {
  consentId: uuidv7(),
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
  expiresAt: new Date(Date.now() + 365 * DAY),
};

// Monday to Friday, 10:00-12:00 Istanbul (07:00-09:00Z). 2026-11-30 was a Monday.
const WEEKDAY_MORNINGS = {
  days: [
    Weekday.WEEKDAY_MONDAY,
    Weekday.WEEKDAY_TUESDAY,
    Weekday.WEEKDAY_WEDNESDAY,
    Weekday.WEEKDAY_THURSDAY,
    Weekday.WEEKDAY_FRIDAY,
  ],
  startMinute: 600,
  endMinute: 720,
};
const MONDAY_0800 = new Date("2026-11-30T05:00:00Z");
const MONDAY_1030 = new Date("2026-11-30T07:30:00Z");
const SATURDAY_1100 = new Date("2026-12-05T08:00:00Z");

let service: TestService<ReturnType<typeof env.parse>>;
let referrer: Referrer;
let inbox: GrpcClient<ReferralInboxServiceClient>;

beforeAll(async () => {
  service = await startTestService(spec, `contact-${suffix}`, {});
  referrer = await startReferrer(service.nats, REFERRER);
  inbox = grpcClient(
    ReferralInboxServiceClient,
    service.address,
    channelCredentials("plaintext"),
    { organisationId: TARGET, actorId: "mmcc-caseworker", roles: ["caseworker"] },
    service.auth,
  );
}, 60_000);

afterAll(async () => {
  inbox?.close();
  await referrer?.close();
  await service?.stop();
});

async function received(
  contact: Partial<ContactSection>,
  beneficiaryRef = uuidv7(),
  referralId = uuidv7(),
): Promise<string> {
  await referrer.send({
    source: ReferralPackage.fromPartial({
      referralId,
      rootReferralId: referralId,
      origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
      beneficiaryRef,
      referrer: { organisationId: REFERRER },
      target: { organisationId: TARGET },
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_NORMAL,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: "Needs counselling (synthetic).",
      disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: "TUR027" },
      identity: { givenName: "Nour", familyName: "Synthetic-Contact" },
      contact: { preferredLanguage: "ar", ...contact },
      demographics: { sex: Sex.SEX_FEMALE, birthYear: 1992, nationality: "SY" },
      needs: { needsSummary: "synthetic" },
    }),
    target: { organisationId: TARGET, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consent,
  });
  await waitFor(
    async () => {
      const found = await inbox.call("getReferral", { referralId }).catch(() => undefined);
      return found?.referral?.status === ReferralStatus.REFERRAL_STATUS_RECEIVED ? found : undefined;
    },
    { timeoutMs: 20_000, message: `referral ${referralId} received` },
  );
  return referralId;
}

function attempt(
  referralId: string,
  attemptedAt?: Date,
  method = ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_CALL,
) {
  return inbox.call("recordContactAttempt", {
    requestId: randomUUID(),
    referralId,
    method,
    attemptedAt,
    result: ContactAttemptResult.CONTACT_ATTEMPT_RESULT_REACHED,
    internalNote: undefined,
  });
}

async function audited(referralId: string, action: string): Promise<number> {
  const rows = await service.running.context.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM referral_audit WHERE referral_id = $1 AND action = $2",
    [referralId, action],
  );
  return rows.rows[0]?.n ?? 0;
}

/** Publishes a ContactDetailsUpdated as intake's outbox relay would. */
async function publishUpdate(update: ContactDetailsUpdated): Promise<void> {
  const encoded = encodeEvent(
    {
      definition: EVENTS.contactDetailsUpdated,
      payload: update,
      aggregate: { type: "beneficiary-contact", id: update.beneficiaryRef, sequence: update.version },
      correlationId: update.beneficiaryRef,
    },
    { organisationId: REFERRER, service: "intake" },
  );
  const h = headers();
  h.set(HEADER.messageId, encoded.eventId);
  h.set(HEADER.eventType, encoded.type);
  h.set(HEADER.schemaVersion, String(encoded.schemaVersion));
  h.set(HEADER.aggregateId, encoded.aggregate.id);
  h.set(HEADER.aggregateSequence, String(encoded.aggregate.sequence));
  await service.nats.js.publish(encoded.subject, encoded.envelope, { msgID: encoded.eventId, headers: h });
}

describe("RecordContactAttempt", () => {
  it("records and audits an attempt inside a safe window, and answers a retry with the same attempt", async () => {
    const referralId = await received({ safeToContact: true, safeWindows: [WEEKDAY_MORNINGS] });
    const requestId = randomUUID();
    const request = {
      requestId,
      referralId,
      method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_VISIT,
      attemptedAt: MONDAY_1030,
      result: ContactAttemptResult.CONTACT_ATTEMPT_RESULT_NOT_REACHED,
      internalNote: "Neighbour said she is at work (synthetic).",
    };
    const first = await inbox.call("recordContactAttempt", request);
    expect(first.contactAttempt).toMatchObject({
      referralId,
      method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_VISIT,
      attemptedAt: MONDAY_1030,
      result: ContactAttemptResult.CONTACT_ATTEMPT_RESULT_NOT_REACHED,
      recordedBy: { organisationId: TARGET, actorId: "mmcc-caseworker" },
    });
    const again = await inbox.call("recordContactAttempt", request);
    expect(again.contactAttempt?.attemptId).toBe(first.contactAttempt?.attemptId);
    expect(await audited(referralId, "contact-attempt")).toBe(1);
    const listed = await inbox.call("listContactAttempts", { referralId });
    expect(listed.contactAttempts.map((a) => a.attemptId)).toEqual([first.contactAttempt?.attemptId]);
    expect(await audited(referralId, "read-contact-attempts")).toBe(1);
  });

  it("refuses an attempt outside the windows, naming the next window, and stores nothing", async () => {
    const referralId = await received({ safeToContact: true, safeWindows: [WEEKDAY_MORNINGS] });
    const early = attempt(referralId, MONDAY_0800);
    expect(await refusal(early)).toEqual({
      status: "FAILED_PRECONDITION",
      code: "outside_safe_contact_window",
      fields: [],
    });
    await expect(attempt(referralId, MONDAY_0800)).rejects.toThrow(
      /next allowed window: Mon 10:00-12:00 Europe\/Istanbul, from 2026-11-30T07:00:00.000Z/,
    );
    await expect(attempt(referralId, SATURDAY_1100)).rejects.toThrow(
      /next allowed window: Mon 10:00-12:00 Europe\/Istanbul, from 2026-12-07T07:00:00.000Z/,
    );
    expect(await audited(referralId, "contact-attempt")).toBe(0);
    const stored = await service.running.context.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM referral_contact_attempts WHERE referral_id = $1",
      [referralId],
    );
    expect(stored.rows[0]?.n).toBe(0);
  });

  it("refuses every attempt when the person is not safe to contact, at any time, by any method", async () => {
    const referralId = await received({
      safeToContact: false,
      safeTimes: "only through the NGO (synthetic)",
    });
    for (const method of [
      ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_CALL,
      ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_VISIT,
      ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_MESSAGE,
    ]) {
      expect((await refusal(attempt(referralId, undefined, method))).code).toBe("not_safe_to_contact");
    }
  });

  it("allows any time (the service's clock) when safe and no windows are given", async () => {
    const referralId = await received({ safeToContact: true });
    const recorded = await attempt(referralId);
    expect(recorded.contactAttempt?.attemptedAt).toBeInstanceOf(Date);
  });

  it("refuses a referral the organisation no longer works on, and one of another organisation is not found", async () => {
    const referralId = await received({ safeToContact: true });
    await inbox.call("declineReferral", { referralId, reason: 1, internalNote: undefined });
    expect((await refusal(attempt(referralId))).code).toBe("referral_not_held_for_contact");
    const stranger = grpcClient(
      ReferralInboxServiceClient,
      service.address,
      channelCredentials("plaintext"),
      { organisationId: `other-${suffix}`, actorId: "x", roles: ["caseworker"] },
      service.auth,
    );
    try {
      expect(
        (
          await refusal(
            stranger.call("recordContactAttempt", {
              requestId: randomUUID(),
              referralId,
              method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_CALL,
              attemptedAt: undefined,
              result: 0,
              internalNote: undefined,
            }),
          )
        ).status,
      ).toBe("PERMISSION_DENIED");
    } finally {
      stranger.close();
    }
  });

  it("names each bad field", async () => {
    const bad = await refusal(
      inbox.call("recordContactAttempt", {
        requestId: "nope",
        referralId: randomUUID(),
        method: 0,
        attemptedAt: new Date(Date.now() + DAY),
        result: 0,
        internalNote: undefined,
      }),
    );
    expect(bad).toMatchObject({ status: "INVALID_ARGUMENT", fields: ["request_id", "method"] });
  });
});

describe("ContactDetailsUpdated at the holder", () => {
  it("replaces the contact section of the packages named, keeps the highest version, and then enforces it", async () => {
    const beneficiaryRef = uuidv7();
    const referralId = await received(
      { safeToContact: true, phoneNumber: "+905550000111", safeWindows: [WEEKDAY_MORNINGS] },
      beneficiaryRef,
    );
    const otherPerson = await received({ safeToContact: true }, uuidv7());
    const update = (version: number, contact: Partial<ContactSection>): ContactDetailsUpdated => ({
      beneficiaryRef,
      organisationId: TARGET,
      // A referral of another person is never touched, even if named.
      referralIds: [referralId, otherPerson],
      contact: {
        safeToContact: true,
        preferredContactMethod: 0,
        preferredLanguage: "ar",
        interpreterNeeded: false,
        safeWindows: [],
        ...contact,
      },
      version,
      updatedAt: new Date(),
      referrerOrganisationId: REFERRER,
    });
    await publishUpdate(
      update(2, { safeToContact: false, phoneNumber: "+905550000222", safeTimes: "not safe (synthetic)" }),
    );
    const db = service.running.context.db;
    const contactOf = async (id: string) => (await referralStore.find(db, id, "target"))?.package.contact;
    await waitFor(async () => (await contactOf(referralId))?.phoneNumber === "+905550000222", {
      timeoutMs: 20_000,
      message: "the contact section replaced",
    });
    expect(await contactOf(referralId)).toMatchObject({ safeToContact: false, safeWindows: [] });
    expect(await audited(referralId, "contact-updated")).toBe(1);
    expect((await refusal(attempt(referralId, MONDAY_1030))).code).toBe("not_safe_to_contact");
    // The MMCC's caseworkers are told at once, with ids and codes only.
    const SAFE_CONTACT = NoticeKind.NOTICE_KIND_SAFE_CONTACT_CHANGED;
    const notices = await eventsOn(
      service.nats,
      STREAMS.notice.name,
      SUBJECTS.noticeFor(TARGET),
      StaffNotice,
      (found) => found.some((n) => n.payload.referralId === referralId && n.payload.kind === SAFE_CONTACT),
    );
    // (Its arrival told the caseworkers too: REFERRAL_RECEIVED.)
    const notice = notices.find(
      (n) => n.payload.referralId === referralId && n.payload.kind === SAFE_CONTACT,
    );
    expect(notice?.payload).toMatchObject({
      kind: NoticeKind.NOTICE_KIND_SAFE_CONTACT_CHANGED,
      urgency: NoticeUrgency.NOTICE_URGENCY_URGENT,
      recipient: { $case: "role", value: "caseworker" },
    });
    expect(Buffer.from(notice?.envelope.payload ?? []).includes("+905550000222")).toBe(false);

    // A late copy of an older version arrives after it: applied by the consumer, changes nothing.
    await publishUpdate(update(1, { safeToContact: true, phoneNumber: "+905550000333" }));
    await publishUpdate(update(3, { safeToContact: true, phoneNumber: "+905550000444" }));
    await waitFor(async () => (await contactOf(referralId))?.phoneNumber === "+905550000444", {
      timeoutMs: 20_000,
      message: "version 3 applied",
    });
    expect(await audited(referralId, "contact-updated")).toBe(2);
    expect((await contactOf(otherPerson))?.phoneNumber).toBeUndefined();
    await attempt(referralId, MONDAY_0800);
  });

  it("applies an update that overtook the referral it names once the referral arrives", async () => {
    const beneficiaryRef = uuidv7();
    const referralId = uuidv7();
    await publishUpdate({
      beneficiaryRef,
      organisationId: TARGET,
      referralIds: [referralId],
      contact: {
        safeToContact: false,
        phoneNumber: "+905550000555",
        preferredContactMethod: 0,
        preferredLanguage: "ar",
        interpreterNeeded: false,
        safeWindows: [],
      },
      version: 1,
      updatedAt: new Date(),
      referrerOrganisationId: REFERRER,
    });
    const db = service.running.context.db;
    await waitFor(
      async () =>
        (
          await db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM referral_contact_pending WHERE referral_id = $1",
            [referralId],
          )
        ).rows[0]?.n === 1 || undefined,
      { timeoutMs: 20_000, message: "the update kept until its referral arrives" },
    );
    await received({ safeToContact: true, phoneNumber: "+905550000444" }, beneficiaryRef, referralId);
    const held = await referralStore.find(db, referralId, "target");
    expect(held?.package.contact).toMatchObject({ safeToContact: false, phoneNumber: "+905550000555" });
    expect((await refusal(attempt(referralId))).code).toBe("not_safe_to_contact");
  });
});
