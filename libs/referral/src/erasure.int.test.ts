import { randomBytes, randomUUID } from "node:crypto";
import { busMigrations } from "@kopru/bus";
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
import {
  BeneficiaryErasureConfirmed,
  ErasureRequestReason,
  ErasureResult,
} from "@kopru/contracts/referral/v1/events";
import {
  ContactAttemptMethod,
  ContactAttemptResult,
  ReferralInboxServiceClient,
} from "@kopru/contracts/referral/v1/inbox_service";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
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
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PersonErasure } from "./erasure.js";
import { REFERRAL_ERRORS } from "./errors.js";
import { receivingServiceParts } from "./receiving.js";
import { referralMigrations, referralStore } from "./store.js";
import {
  eventsOn,
  publishAs,
  type Referrer,
  startReferrer,
  startTestService,
  type TestService,
} from "./testkit.js";

// A holder answering network-wide erasure (ADR 0023): the referral library's consumer on a real
// receiving service (real NATS, PostgreSQL), driven by BeneficiaryErasureRequested as intake sends it.

const suffix = randomBytes(4).toString("hex");
const TARGET = `mmcc-x-${suffix}`;
const REFERRER = `ngo-x-${suffix}`;
const CANARY = `Zkanaryax${suffix}`;
const DAY = 86_400_000;

/** What the service's own erase hook was asked, in order (it must run once per request). */
const hookCalls: PersonErasure[] = [];

const env = serviceEnv(0);
const spec: ServiceSpec<typeof env> = {
  name: "erasure-test",
  envSchema: env,
  migrations: [busMigrations, timerMigrations, directoryMigrations, sealingMigrations, referralMigrations],
  layout: NETWORK_LAYOUT,
  errors: new ErrorCatalogue(REFERRAL_ERRORS),
  async build(context) {
    const parts = receivingServiceParts(context, {
      organisations: [TARGET],
      erasePerson: async (_tx, erasure) => {
        hookCalls.push(erasure);
        // As a service's own tables would: a case per referral held for the person.
        return { erasedRecords: erasure.referralIds.length, retainedUnderLegalHold: false };
      },
    });
    return { grpc: parts.grpc, consumers: parts.consumers, workers: parts.workers };
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

let service: TestService<ReturnType<typeof env.parse>>;
let referrer: Referrer;
let inbox: GrpcClient<ReferralInboxServiceClient>;

beforeAll(async () => {
  service = await startTestService(spec, `erasure-${suffix}`, {});
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

async function received(beneficiaryRef: string): Promise<string> {
  const referralId = uuidv7();
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
      reasonForReferral: `eviction ${CANARY}`,
      disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: "TUR027" },
      identity: { givenName: CANARY, familyName: "Synthetic" },
      contact: { preferredLanguage: "ar", safeToContact: true, safeTimes: `mornings ${CANARY}` },
      demographics: { sex: Sex.SEX_FEMALE, birthYear: 1992, nationality: "SY" },
      needs: { needsSummary: `counselling ${CANARY}` },
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

function askToErase(erasureRequestId: string, beneficiaryRef: string, referralIds: string[]) {
  return publishAs(
    service.nats,
    EVENTS.beneficiaryErasureRequested,
    {
      erasureRequestId,
      beneficiaryRef,
      referralIds,
      reason: ErasureRequestReason.ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST,
      requestedAt: new Date(),
      confirmBy: new Date(Date.now() + 7 * DAY),
      holderOrganisationId: TARGET,
      requesterOrganisationId: REFERRER,
    },
    { organisationId: REFERRER, service: "intake" },
    // A fresh event id each time: the holder must recognise the request, not only the message.
    { type: "erasure-request", id: erasureRequestId, sequence: 1 },
  );
}

function confirmations(erasureRequestId: string, count: number) {
  return eventsOn(
    service.nats,
    STREAMS.consent.name,
    SUBJECTS.erasureConfirmedFor(REFERRER),
    BeneficiaryErasureConfirmed,
    (events) => events.filter((e) => e.payload.erasureRequestId === erasureRequestId).length >= count,
  ).then((events) => events.filter((e) => e.payload.erasureRequestId === erasureRequestId));
}

describe("a holder answering BeneficiaryErasureRequested", () => {
  it("ends the person's referrals, erases every copy it holds once, and answers the same again", async () => {
    const person = uuidv7();
    const named = await received(person);
    const foundByRef = await received(person);
    const bystander = await received(uuidv7());
    await inbox.call("recordContactAttempt", {
      requestId: randomUUID(),
      referralId: named,
      method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_CALL,
      result: ContactAttemptResult.CONTACT_ATTEMPT_RESULT_REACHED,
      internalNote: `called ${CANARY}`,
    });
    const erasureRequestId = randomUUID();

    await askToErase(erasureRequestId, person, [named]);
    const [first] = await confirmations(erasureRequestId, 1);
    expect(first?.payload).toMatchObject({
      erasureRequestId,
      organisationId: TARGET,
      requesterOrganisationId: REFERRER,
      result: ErasureResult.ERASURE_RESULT_ERASED,
      onward: [],
    });
    expect(hookCalls).toHaveLength(1);
    expect(hookCalls[0]).toMatchObject({ organisationId: TARGET, beneficiaryRef: person });
    expect([...(hookCalls[0]?.referralIds ?? [])].sort()).toEqual([named, foundByRef].sort());

    const db = service.running.context.db;
    for (const referralId of [named, foundByRef]) {
      const copy = await referralStore.find(db, referralId, "target");
      expect(copy?.status).toBe(ReferralStatus.REFERRAL_STATUS_CANCELLED);
      expect(copy?.beneficiaryRef).toMatch(/^erased-/);
      expect(copy?.package.identity).toBeUndefined();
      expect(copy?.package.reasonForReferral).toBe("");
      expect(copy?.package.referralId).toBe(referralId);
      expect(copy?.disaggregation.nationality).toBe("SY");
    }
    const left = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM referrals
        WHERE referral_id <> $3 AND (position(convert_to($1, 'UTF8') in package) > 0 OR beneficiary_ref = $2)`,
      [CANARY, person, bystander],
    );
    expect(left.rows[0]?.n).toBe(0);
    const notes = await db.query<{ internal_note: string | null }>(
      "SELECT internal_note FROM referral_contact_attempts WHERE referral_id = $1",
      [named],
    );
    expect(notes.rows).toEqual([{ internal_note: null }]);
    // Someone else's referral is untouched.
    expect((await referralStore.find(db, bystander, "target"))?.package.identity?.givenName).toBe(CANARY);

    // The same request again (a new message, as after intake re-sent it): the same answer, no second erasure.
    await askToErase(erasureRequestId, person, [named]);
    const answers = await confirmations(erasureRequestId, 2);
    expect(answers.map((a) => a.payload.result)).toEqual([
      ErasureResult.ERASURE_RESULT_ERASED,
      ErasureResult.ERASURE_RESULT_ERASED,
    ]);
    expect(answers[1]?.payload.confirmedAt).toEqual(answers[0]?.payload.confirmedAt);
    expect(hookCalls).toHaveLength(1);
  });

  it("answers NOT_HELD for a person it never received", async () => {
    const before = hookCalls.length;
    const erasureRequestId = randomUUID();
    await askToErase(erasureRequestId, uuidv7(), [uuidv7()]);
    const [answer] = await confirmations(erasureRequestId, 1);
    // The service's own tables were asked too, and held nothing either.
    expect(hookCalls.length).toBe(before + 1);
    expect(hookCalls.at(-1)?.referralIds).toEqual([]);
    expect(answer?.payload.result).toBe(ErasureResult.ERASURE_RESULT_NOT_HELD);
  });
});
