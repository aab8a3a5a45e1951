// A package and the withdrawal of its consent reach the holder at the same moment, each through its
// own consumer (its own transaction). Whichever commits first, the other must see it: the package
// ends cancelled (CONSENT_WITHDRAWN) and restricted, never RECEIVED with the withdrawal recorded
// beside it. The test holds the arrival's transaction open, waits until the withdrawal's transaction
// is seen waiting for the holder's consent lock in pg_locks, then lets the arrival commit.
import type { ReceivedEvent } from "@kopru/bus";
import { busMigrations } from "@kopru/bus";
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
  ConsentWithdrawalPolicy,
  ConsentWithdrawalReason,
  ContinuingLawfulBasis,
} from "@kopru/contracts/referral/v1/consent";
import type { ConsentWithdrawn, ReferralRequested } from "@kopru/contracts/referral/v1/events";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { directoryMigrations } from "@kopru/directory";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase, type TestDatabase, waitFor } from "@kopru/testing";
import { timerMigrations } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preparePackage, ReferralLifecycle } from "./lifecycle.js";
import { referralMigrations, referralStore } from "./store.js";

const REFERRER = "ngo-race";
const HOLDER = "mmcc-race";
const clock = { now: () => new Date() };

let database: TestDatabase;
let db: Database;
let lifecycle: ReferralLifecycle;

beforeAll(async () => {
  database = await createTestDatabase({ prefix: "consent_race" });
  db = await openDatabase({ service: "consent-race", url: database.url, poolSize: 4 });
  await migrate(db, [busMigrations, timerMigrations, directoryMigrations, referralMigrations]);
  lifecycle = new ReferralLifecycle({ organisationId: HOLDER, service: "municipality" }, clock, {
    partnerKindOf: async () => PartnerKind.PARTNER_KIND_MUNICIPALITY,
  });
}, 60_000);

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

function envelope<T>(payload: T, type: string, aggregateId: string): ReceivedEvent<T> {
  return {
    eventId: uuidv7(),
    type,
    schemaVersion: 1,
    occurredAt: clock.now(),
    producer: { organisationId: REFERRER, service: "intake" },
    correlationId: aggregateId,
    causationId: "",
    aggregate: { type: "referral", id: aggregateId, sequence: 1 },
    subject: `test.${HOLDER}`,
    payload,
  };
}

function arrival(): { referralId: string; consentId: string; event: ReceivedEvent<ReferralRequested> } {
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
      requestedAt: clock.now(),
      respondBy: new Date(Date.now() + 7 * 24 * 3_600_000),
      requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: REFERRER, actorId: "s1", role: 0 },
      disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: "TUR027" },
      identity: { givenName: "Race", familyName: "Synthetic" },
      contact: { phoneNumber: "+905550000099" },
      demographics: { sex: Sex.SEX_FEMALE, birthYear: 1990, nationality: "SY" },
      needs: { needsSummary: "synthetic" },
    }),
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
      expiresAt: new Date(Date.now() + 365 * 24 * 3_600_000),
    },
    target: { organisationId: HOLDER, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    at: clock.now(),
  });
  return {
    referralId,
    consentId,
    event: envelope({ referralPackage: pkg }, "kopru.referral.v1.ReferralRequested", referralId),
  };
}

function withdrawal(consentId: string, referralId: string): ReceivedEvent<ConsentWithdrawn> {
  return envelope(
    {
      consentId,
      beneficiaryRef: "",
      organisationIds: [HOLDER],
      referralIds: [referralId],
      reason: ConsentWithdrawalReason.CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST,
      withdrawnAt: clock.now(),
      policy: ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_CANCEL_ALL_OPEN,
      continuingBasis: ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_UNSPECIFIED,
      referrerOrganisationId: REFERRER,
    },
    "kopru.referral.v1.ConsentWithdrawn",
    consentId,
  );
}

async function waitingForAdvisoryLock(): Promise<boolean> {
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return (rows.rows[0]?.n ?? 0) > 0;
}

describe("a package and its consent's withdrawal arriving together", () => {
  it("ends the package cancelled and restricted when the withdrawal waited for the arrival", async () => {
    const { referralId, consentId, event } = arrival();
    let releaseArrival: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      releaseArrival = resolve;
    });
    let arrivalStored: () => void = () => {};
    const stored = new Promise<void>((resolve) => {
      arrivalStored = resolve;
    });
    const arriving = db.transaction(async (tx) => {
      await lifecycle.receive(tx, event);
      arrivalStored();
      await held;
    });
    await stored;
    const withdrawing = db.transaction((tx) =>
      lifecycle.applyConsentWithdrawal(tx, HOLDER, withdrawal(consentId, referralId)),
    );
    await waitFor(waitingForAdvisoryLock, {
      timeoutMs: 30_000,
      message: "the withdrawal waiting for the holder's consent lock",
    });
    releaseArrival();
    await arriving;
    await withdrawing;

    const record = await db.transaction((tx) => referralStore.find(tx, referralId, "target"));
    expect(record?.status).toBe(ReferralStatus.REFERRAL_STATUS_CANCELLED);
    expect(record?.cancelReason).toBe(CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN);
    const restricted = await db.query<{ restricted_at: Date | null }>(
      "SELECT restricted_at FROM referrals WHERE referral_id = $1 AND role = 'target'",
      [referralId],
    );
    expect(restricted.rows[0]?.restricted_at).not.toBeNull();
    // Never accepted: the holder keeps no personal data of it, as if the withdrawal had come first.
    expect(record?.package.identity).toBeUndefined();
    expect(record?.package.reasonForReferral).toBe("");
  });

  it("refuses the package on arrival when the withdrawal was recorded first", async () => {
    const { referralId, consentId, event } = arrival();
    await db.transaction((tx) =>
      lifecycle.applyConsentWithdrawal(tx, HOLDER, withdrawal(consentId, referralId)),
    );
    await db.transaction((tx) => lifecycle.receive(tx, event));
    const record = await db.transaction((tx) => referralStore.find(tx, referralId, "target"));
    expect(record?.status).toBe(ReferralStatus.REFERRAL_STATUS_CANCELLED);
    expect(record?.cancelReason).toBe(CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN);
    expect(record?.package.identity).toBeUndefined();
  });
});
