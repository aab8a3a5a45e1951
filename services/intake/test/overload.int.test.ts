import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { Priority, Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { CreateReferralRequest } from "@kopru/contracts/intake/v1/intake_service";
import { openDatabase } from "@kopru/storage";
import type { NatsTestConnection } from "@kopru/testing";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  grpcCode,
  type IntakeUnderTest,
  publishDirectory,
  recordTestConsent,
  startIntake,
  testNetworkIds,
} from "./support.js";

// The service's pool holds 10 connections (the default of `openDatabase`); the edge admits 14 calls,
// so with every admitted call stuck on a lock, 4 wait for a connection and the rest are shed.
const POOL = 10;
const ADMITTED = 14;
const CALLS = 20;

const ids = testNetworkIds();
let nats: NatsTestConnection;
let intake: IntakeUnderTest;

beforeAll(async () => {
  nats = await connect();
  intake = await startIntake(ids, nats, { env: { GRPC_MAX_CALLS_IN_FLIGHT: String(ADMITTED) } });
  await publishDirectory(nats, ids);
  await waitFor(
    async () => {
      const replica = await intake.running.context.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM directory_organisations WHERE organisation_id = $1",
        [ids.mmcc],
      );
      return replica.rows[0]?.n === 1;
    },
    { timeoutMs: 30_000, message: "intake never replicated the test directory" },
  );
}, 90_000);

afterAll(async () => {
  await intake?.stop();
  await nats?.close();
});

async function personWithConsent(): Promise<{ beneficiaryId: string; consentId: string }> {
  const registered = await intake.api.call("registerBeneficiary", {
    requestId: uuidv4(),
    organisationId: ids.ngo,
    givenName: "Amal",
    familyName: "Synthetic-Overload",
    sex: Sex.SEX_FEMALE,
    birthYear: 1990,
    nationality: "SY",
    legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    residence: { provinceCode: ids.province, districtCode: "" },
    phoneNumber: "+905550000009",
    preferredLanguage: "ar",
    interpreterNeeded: false,
    interpreterLanguage: "",
    safeToContact: true,
    safeTimes: "",
    preferredContactMethod: 0,
    safeContactWindows: [],
  });
  const beneficiaryId = registered.beneficiary?.beneficiaryId ?? "";
  await intake.api.call("screenNeeds", {
    requestId: uuidv4(),
    beneficiaryId,
    servicesNeeded: [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING],
    vulnerabilities: [],
    washingtonGroupAnswers: [],
    needsSummary: "Needs counselling (synthetic).",
    household: { size: 1, childrenCount: 0, femaleHeaded: true, dependantsWithDisability: 0 },
  });
  return { beneficiaryId, consentId: await recordTestConsent(intake.api, beneficiaryId) };
}

function referral(person: { beneficiaryId: string; consentId: string }): CreateReferralRequest {
  return {
    requestId: uuidv4(),
    beneficiaryId: person.beneficiaryId,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_NORMAL,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: "Needs counselling (synthetic).",
    consentId: person.consentId,
    routing: { $case: "explicitTarget", value: { organisationId: ids.mmcc } },
    dataCategories: [],
  };
}

describe("intake under overload, against real PostgreSQL", () => {
  it("answers the calls it cannot take UNAVAILABLE, not INTERNAL, and writes nothing of them", async () => {
    const person = await personWithConsent();
    // Another session holds the people table: every admitted call waits on it holding a connection.
    const blocker = await openDatabase({
      service: "overload-blocker",
      url: intake.database.url,
      poolSize: 2,
    });
    let unlock = () => {};
    const unlocked = new Promise<void>((resolve) => {
      unlock = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = blocker.transaction(async (tx) => {
      await tx.query("LOCK TABLE beneficiaries IN EXCLUSIVE MODE");
      locked();
      await unlocked;
    });
    try {
      await isLocked;
      const requests = Array.from({ length: CALLS }, () => referral(person));
      const outcomes = requests.map((request) =>
        intake.api.call("createReferral", request).then(
          (answer) => ({ request, code: "OK", referralId: answer.referral?.referralId, message: "" }),
          (error: Error) => ({
            request,
            code: grpcCode(error),
            referralId: undefined,
            message: error.message,
          }),
        ),
      );
      const settled: { code: string; message: string }[] = [];
      for (const outcome of outcomes) void outcome.then((o) => settled.push(o));
      // Every connection of the pool waits on the lock, and the calls past the pool and the edge were answered.
      await waitFor(
        async () => {
          const waiting = await blocker.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
              WHERE c.relname = 'beneficiaries' AND NOT l.granted`,
          );
          return waiting.rows[0]?.n === POOL && settled.length === CALLS - POOL;
        },
        {
          timeoutMs: 30_000,
          message: "the pool's connections to wait on the lock and the rest to be answered",
        },
      );
      expect(settled.map((o) => o.code)).toEqual(Array(CALLS - POOL).fill("UNAVAILABLE"));
      // Shed at the edge at once, and after waiting for a connection: both say to retry later.
      expect(settled.filter((o) => /at capacity/.test(o.message))).toHaveLength(CALLS - ADMITTED);
      expect(settled.filter((o) => /busy/.test(o.message))).toHaveLength(ADMITTED - POOL);
      unlock();
      await holder;

      const answered = await Promise.all(outcomes);
      const created = answered.filter((o) => o.code === "OK");
      expect(created).toHaveLength(POOL);
      expect(answered.filter((o) => o.code !== "OK" && o.code !== "UNAVAILABLE")).toEqual([]);

      // Exactly the calls answered OK were written: their request keys, referrals and outbox rows.
      const db = intake.running.context.db;
      const keys = await db.query<{ request_id: string }>("SELECT request_id FROM referral_requests");
      expect(keys.rows.map((r) => r.request_id).sort()).toEqual(
        created.map((o) => o.request.requestId).sort(),
      );
      const referrals = await db.query<{ referral_id: string }>("SELECT referral_id FROM referrals");
      expect(referrals.rows.map((r) => r.referral_id).sort()).toEqual(
        created.map((o) => o.referralId).sort(),
      );
      const requested = await db.query<{ aggregate_id: string }>(
        "SELECT aggregate_id FROM kopru_outbox WHERE event_type = 'kopru.referral.v1.ReferralRequested'",
      );
      expect(requested.rows.map((r) => r.aggregate_id).sort()).toEqual(
        created.map((o) => o.referralId).sort(),
      );
    } finally {
      unlock();
      await holder.catch(() => {});
      await blocker.close();
    }
  }, 60_000);
});
