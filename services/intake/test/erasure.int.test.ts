import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@grpc/grpc-js";
import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { CoordinationServiceClient } from "@kopru/contracts/coordination/v1/coordination_service";
import { CapacityStatus } from "@kopru/contracts/coordination/v1/directory";
import { EcmServiceClient } from "@kopru/contracts/ecm/v1/ecm_service";
import { ConsentGiver } from "@kopru/contracts/referral/v1/consent";
import { ErasureRequestReason, ErasureResult } from "@kopru/contracts/referral/v1/events";
import { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import { coordinationSpec } from "@kopru/coordination";
import { spec as ecmSpec } from "@kopru/ecm";
import { EVENTS } from "@kopru/events";
import { spec as protectionSpec } from "@kopru/protection";
import { referralStore } from "@kopru/referral";
import {
  channelCredentials,
  type GrpcClient,
  grpcClient,
  type RunningService,
  type ServiceConfig,
  type ServiceSpec,
  serviceAudience,
  startService,
} from "@kopru/service-kit";
import { openDatabase, type Sql } from "@kopru/storage";
import {
  createTestDatabase,
  type NatsTestConnection,
  startTestIssuer,
  type TestDatabase,
  type TestIssuer,
  waitFor,
} from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALL_CATEGORIES,
  connect,
  failure,
  grpcCode,
  type IntakeUnderTest,
  publish,
  publishDirectory,
  startIntake,
  testNetworkIds,
} from "./support.js";

// Network-wide erasure (ADR 0023) against the real network: intake, ECM and protection (each its own
// PostgreSQL database, real NATS JetStream) and coordination. Protection is down while the request
// is made: the request stays open, protection shows overdue once the business clock passes its
// deadline, and the request completes when it is back. Afterwards a canary seeded in every personal
// field is in no table of any database involved.

const ids = testNetworkIds();
const letters = ids.suffix.replace(/[0-9]/g, (d) => "ghijklmnop"[Number(d)] ?? "x");
const CANARY = `Zkanaryaq${letters}`;
const CANARY_PHONE = `+90555${String(Number.parseInt(ids.suffix, 16) % 10_000_000).padStart(7, "0")}`;
const DAY = 24 * 3_600_000;

let nats: NatsTestConnection;
let intake: IntakeUnderTest;
let issuer: TestIssuer;
const clockDir = mkdtempSync(join(tmpdir(), "kopru-erasure-clock-"));
const clockFile = join(clockDir, "offset-ms");
writeFileSync(clockFile, "0");

/** A service of this test on its own database, which survives a stop so it can start again. */
interface Hosted<C extends ServiceConfig> {
  database: TestDatabase;
  running: RunningService<C> | undefined;
  start(): Promise<RunningService<C>>;
  stop(): Promise<void>;
}

function hosted<C extends ServiceConfig>(
  spec: ServiceSpec<never, C>,
  name: string,
  audience: string,
  env: Record<string, string>,
  database: TestDatabase,
): Hosted<C> {
  const dataDir = mkdtempSync(join(tmpdir(), `kopru-${name}-`));
  const self: Hosted<C> = {
    database,
    running: undefined,
    async start() {
      self.running = await startService({ ...spec, name }, {
        NATS_URL: nats.url,
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        GRPC_HOST: "127.0.0.1",
        GRPC_PORT: "0",
        LOG_LEVEL: process.env.KOPRU_TEST_LOG === "1" ? "info" : "silent",
        KOPRU_CLOCK_OFFSET_FILE: clockFile,
        ...issuer.serviceEnv(),
        AUTH_AUDIENCE: audience,
        ...env,
      } as never);
      return self.running;
    },
    async stop() {
      await self.running?.stop();
      self.running = undefined;
    },
  };
  return self;
}

let ecm: Hosted<ServiceConfig>;
let protection: Hosted<ServiceConfig>;
let coordination: Hosted<ServiceConfig>;

function client<T extends Client>(
  Client: new (address: string, credentials: ReturnType<typeof channelCredentials>) => T,
  running: RunningService<ServiceConfig> | undefined,
  service: string,
  caller: { organisationId: string; actorId: string; roles: string[] },
): GrpcClient<T> {
  if (!running) throw new Error(`${service} is not running`);
  return grpcClient(Client, running.grpc.address, channelCredentials("plaintext"), caller, {
    audience: serviceAudience(service),
    tokens: issuer.tokens,
  });
}

function moveClock(ms: number): void {
  writeFileSync(clockFile, String(ms));
  intake.setClockOffset(ms);
}

beforeAll(async () => {
  nats = await connect();
  intake = await startIntake(ids, nats);
  issuer = await startTestIssuer();
  ecm = hosted(
    ecmSpec as never,
    `ecm-e-${ids.suffix}`,
    serviceAudience("ecm"),
    { HOSTED_ORGANISATIONS: ids.ecm },
    await createTestDatabase({ prefix: "erasure_ecm" }),
  );
  protection = hosted(
    protectionSpec as never,
    `prot-e-${ids.suffix}`,
    serviceAudience("protection"),
    { HOSTED_ORGANISATIONS: ids.protection },
    await createTestDatabase({ prefix: "erasure_protection" }),
  );
  coordination = hosted(
    coordinationSpec({ trackingConsumerName: `coord-e-${ids.suffix}-status` }) as never,
    "coordination",
    serviceAudience("coordination"),
    {},
    await createTestDatabase({ prefix: "erasure_coordination" }),
  );
  await ecm.start();
  await protection.start();
  await coordination.start();
  await publishDirectory(nats, ids);
  // A general protection offering (the shared test directory only has a GBV one).
  await publish(
    nats,
    EVENTS.serviceOfferingUpserted,
    {
      serviceOffering: {
        serviceOfferingId: `${ids.protection}-general`,
        organisationId: ids.protection,
        serviceType: ServiceType.SERVICE_TYPE_PROTECTION_GENERAL,
        name: "Protection (test)",
        coverage: [{ provinceCode: ids.province, districtCode: "", provinceName: "Test", districtName: "" }],
        languages: ["ar"],
        eligibility: { sexes: [], nationalities: [], legalStatuses: [] },
        capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
        intakeChannel: undefined,
        requiredDataCategories: [],
        acceptedDataCategories: [],
        active: true,
        updatedAt: new Date(),
      },
    },
    { type: "offering", id: `${ids.protection}-general`, sequence: 1_000 },
  );
}, 180_000);

afterAll(async () => {
  for (const service of [ecm, protection, coordination]) {
    await service?.stop();
    await service?.database.drop();
  }
  await issuer?.close();
  await intake?.stop();
  await nats?.close();
  rmSync(clockDir, { recursive: true, force: true });
});

/** A person with the canary in every personal field intake keeps, consented to ECM and protection. */
async function registerCanaryPerson(): Promise<{ beneficiaryId: string; consentId: string }> {
  const registered = await intake.api.call("registerBeneficiary", {
    requestId: uuidv4(),
    organisationId: ids.ngo,
    givenName: CANARY,
    familyName: CANARY,
    preferredName: CANARY,
    sex: Sex.SEX_FEMALE,
    birthYear: 1990,
    nationality: "SY",
    legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    residence: { provinceCode: ids.province, districtCode: "" },
    phoneNumber: CANARY_PHONE,
    preferredLanguage: "ar",
    interpreterNeeded: false,
    safeToContact: true,
    safeTimes: `after noon ${CANARY}`,
    preferredContactMethod: 0,
    safeContactWindows: [],
  });
  const beneficiaryId = registered.beneficiary?.beneficiaryId ?? "";
  const consent = await intake.api.call("recordConsent", {
    requestId: uuidv4(),
    beneficiaryId,
    givenBy: ConsentGiver.CONSENT_GIVER_CAREGIVER,
    caregiverRelationship: `aunt ${CANARY}`,
    method: 1,
    explainedInLanguage: "ar",
    interpreterUsed: false,
    scope: {
      organisationIds: [],
      partnerKinds: [PartnerKind.PARTNER_KIND_ECM_UNIT, PartnerKind.PARTNER_KIND_PROTECTION_PARTNER],
      purposes: [Purpose.PURPOSE_SERVICE_PROVISION, Purpose.PURPOSE_ASSISTANCE_DELIVERY],
      dataCategories: ALL_CATEGORIES,
    },
    expiresAt: new Date(Date.now() + 365 * DAY),
  });
  await intake.api.call("screenNeeds", {
    requestId: uuidv4(),
    beneficiaryId,
    servicesNeeded: [ServiceType.SERVICE_TYPE_ECM_CASH, ServiceType.SERVICE_TYPE_PROTECTION_GENERAL],
    vulnerabilities: [],
    washingtonGroupAnswers: [],
    needsSummary: `rent arrears ${CANARY}`,
    household: { size: 5, childrenCount: 3 },
    protection: { riskLevel: 2, concerns: [], concernsSummary: `threatened ${CANARY}` },
  });
  return { beneficiaryId, consentId: consent.consent?.consentId ?? "" };
}

async function refer(
  person: { beneficiaryId: string; consentId: string },
  target: string,
  serviceType: ServiceType,
  db: Sql,
): Promise<string> {
  const created = await intake.api.call("createReferral", {
    requestId: uuidv4(),
    beneficiaryId: person.beneficiaryId,
    serviceType,
    priority: Priority.PRIORITY_NORMAL,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: `eviction notice ${CANARY}`,
    consentId: person.consentId,
    routing: { $case: "explicitTarget", value: { organisationId: target } },
    dataCategories: [],
  });
  const referralId = created.referral?.referralId ?? "";
  await waitFor(() => referralStore.find(db, referralId, "target"), {
    timeoutMs: 30_000,
    message: `referral ${referralId} at ${target}`,
  });
  return referralId;
}

/** Rows of every table of a database holding the canary in a text, jsonb, array or bytea column. */
async function canaryHits(url: string, canaries: readonly string[]): Promise<string[]> {
  const db = await openDatabase({ service: "canary-scan", url, poolSize: 1 });
  try {
    const columns = await db.query<{ table_name: string; column_name: string; data_type: string }>(
      `SELECT c.table_name, c.column_name, c.data_type
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
          AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea', 'ARRAY')`,
    );
    const hits: string[] = [];
    for (const { table_name, column_name, data_type } of columns.rows) {
      for (const canary of canaries) {
        const test =
          data_type === "bytea"
            ? `position(convert_to($1, 'UTF8') in "${column_name}") > 0`
            : `"${column_name}"::text LIKE '%' || $1 || '%'`;
        const found = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM "${table_name}" WHERE ${test}`,
          [canary],
        );
        if ((found.rows[0]?.n ?? 0) > 0) hits.push(`${table_name}.${column_name}`);
      }
    }
    return hits;
  } finally {
    await db.close();
  }
}

describe("network-wide erasure", () => {
  let person: { beneficiaryId: string; consentId: string };
  let ecmReferral: string;
  let protectionReferral: string;
  let erasureRequestId = "";
  const requestId = uuidv4();

  it("finds the canary in every holder before erasure (the scan can fail)", async () => {
    person = await registerCanaryPerson();
    ecmReferral = await refer(person, ids.ecm, ServiceType.SERVICE_TYPE_ECM_CASH, ecmDb());
    protectionReferral = await refer(
      person,
      ids.protection,
      ServiceType.SERVICE_TYPE_PROTECTION_GENERAL,
      protectionDb(),
    );
    // ECM accepts (a case opens) and records an assessment with the canary in its summary.
    const caseworker = { organisationId: ids.ecm, actorId: "cw-erasure", roles: ["caseworker"] };
    const inbox = client(ReferralInboxServiceClient, ecm.running, "ecm", caseworker);
    const ecmApi = client(EcmServiceClient, ecm.running, "ecm", caseworker);
    try {
      await inbox.call("acceptReferral", { referralId: ecmReferral });
      const cases = await ecmApi.call("listCases", { organisationId: ids.ecm, statuses: [] });
      const caseId = cases.ecmCases.find((c) => c.referralIds.includes(ecmReferral))?.caseId ?? "";
      expect(caseId).not.toBe("");
      await ecmApi.call("recordAssessment", {
        requestId: uuidv4(),
        caseId,
        needsIdentified: [1],
        severity: 2,
        summary: `five in the household ${CANARY}`,
      });
    } finally {
      inbox.close();
      ecmApi.close();
    }
    expect(await canaryHits(intake.database.url, [CANARY, CANARY_PHONE])).not.toEqual([]);
    expect(await canaryHits(ecm.database.url, [CANARY])).toEqual(
      expect.arrayContaining(["referrals.package", "ecm_assessments.summary"]),
    );
    expect(await canaryHits(protection.database.url, [CANARY, CANARY_PHONE])).toContain("referrals.package");
  });

  it("asks every holder, with one down, and answers the same request again", async () => {
    await protection.stop();
    const requested = await intake.api.call("requestErasure", {
      requestId,
      beneficiaryId: person.beneficiaryId,
      reason: ErasureRequestReason.ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST,
    });
    const request = requested.erasureRequest;
    erasureRequestId = request?.erasureRequestId ?? "";
    expect(request?.confirmations.map((c) => c.organisationId).sort()).toEqual(
      [ids.ecm, ids.protection].sort(),
    );
    expect(request?.confirmations.every((c) => c.result === ErasureResult.ERASURE_RESULT_UNSPECIFIED)).toBe(
      true,
    );
    expect(request?.completedAt).toBeUndefined();
    // The KVKK clock: 30 days from the request.
    expect((request?.kvkkDueBy?.getTime() ?? 0) - (request?.requestedAt?.getTime() ?? 0)).toBe(30 * DAY);
    // Intake's own copy is gone at once.
    expect(await canaryHits(intake.database.url, [CANARY, CANARY_PHONE])).toEqual([]);

    const again = await intake.api.call("requestErasure", {
      requestId,
      beneficiaryId: person.beneficiaryId,
      reason: ErasureRequestReason.ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST,
    });
    expect(again.erasureRequest?.erasureRequestId).toBe(erasureRequestId);
    const second = await intake.api.call("requestErasure", {
      requestId: uuidv4(),
      beneficiaryId: person.beneficiaryId,
      reason: ErasureRequestReason.ERASURE_REQUEST_REASON_RECORDED_IN_ERROR,
    });
    expect(second.erasureRequest?.erasureRequestId).toBe(erasureRequestId);
    // One request per holder left intake, however often it was asked.
    const count = await intake.running.context.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM erasure_holders WHERE erasure_request_id = $1",
      [erasureRequestId],
    );
    expect(count.rows[0]?.n).toBe(2);
  });

  it("records ECM's confirmation and keeps the request open while protection is down", async () => {
    const confirmed = await waitFor(
      async () => {
        const got = await intake.api.call("getErasureRequest", { erasureRequestId });
        const ecmAnswer = got.erasureRequest?.confirmations.find((c) => c.organisationId === ids.ecm);
        return ecmAnswer?.result === ErasureResult.ERASURE_RESULT_ERASED ? got.erasureRequest : undefined;
      },
      { timeoutMs: 30_000, message: "ECM's confirmation" },
    );
    expect(confirmed.completedAt).toBeUndefined();
    expect(confirmed.confirmations.find((c) => c.organisationId === ids.ecm)?.confirmedAt).toBeDefined();
    expect(await canaryHits(ecm.database.url, [CANARY, CANARY_PHONE])).toEqual([]);
    // ECM's referral ended (cancelled, consent withdrawn) and its case closed through the late-end hook.
    const ended = await referralStore.find(ecmDb(), ecmReferral, "target");
    expect(ended?.status).toBe(ReferralStatus.REFERRAL_STATUS_CANCELLED);
    const cases = await ecmDb().query<{ status: number }>(
      `SELECT c.status FROM ecm_cases c JOIN ecm_case_referrals r USING (case_id) WHERE r.referral_id = $1`,
      [ecmReferral],
    );
    expect(cases.rows).toEqual([{ status: 2 }]);
  });

  it("shows protection overdue to the coordinator once its deadline passed", async () => {
    moveClock(8 * DAY);
    const overdue = await waitFor(
      async () => {
        const got = await intake.api.call("getErasureRequest", { erasureRequestId });
        const answer = got.erasureRequest?.confirmations.find((c) => c.organisationId === ids.protection);
        return answer?.overdue && answer.overdueSince ? got.erasureRequest : undefined;
      },
      { timeoutMs: 30_000, message: "protection overdue at intake" },
    );
    expect(overdue.overdue).toBe(true);
    const coordinator = client(CoordinationServiceClient, coordination.running, "coordination", {
      organisationId: "coordination",
      actorId: "coordinator-1",
      roles: ["coordinator"],
    });
    try {
      const listed = await waitFor(
        async () => {
          const got = await coordinator.call("listErasureRequests", {
            overdueOnly: true,
            includeCompleted: false,
          });
          const mine = got.erasureRequests.find((r) => r.erasureRequestId === erasureRequestId);
          return mine?.holders.find((h) => h.organisationId === ids.protection)?.overdueSince
            ? mine
            : undefined;
        },
        { timeoutMs: 30_000, message: "the overdue erasure in coordination's list" },
      );
      expect(listed.requesterOrganisationId).toBe(ids.ngo);
      expect(listed.kvkkDueBy).toEqual(overdue.kvkkDueBy);
      const holders = Object.fromEntries(listed.holders.map((h) => [h.organisationId, h]));
      expect(holders[ids.protection]?.overdue).toBe(true);
      expect(holders[ids.ecm]?.result).toBe(ErasureResult.ERASURE_RESULT_ERASED);
      expect(holders[ids.ecm]?.overdue).toBe(false);
      // PII-free: the tracked report names no person.
      expect(await canaryHits(coordination.database.url, [CANARY, CANARY_PHONE])).toEqual([]);
    } finally {
      coordinator.close();
    }
  });

  it("completes once protection is back, and no canary is left in any database", async () => {
    await protection.start();
    const completed = await waitFor(
      async () => {
        const got = await intake.api.call("getErasureRequest", { erasureRequestId });
        return got.erasureRequest?.completedAt ? got.erasureRequest : undefined;
      },
      { timeoutMs: 60_000, message: "the erasure request to complete" },
    );
    const answers = Object.fromEntries(completed.confirmations.map((c) => [c.organisationId, c]));
    expect(answers[ids.protection]?.result).toBe(ErasureResult.ERASURE_RESULT_ERASED);
    // Confirmed late: the overdue mark stays as a record, the holder is no longer overdue.
    expect(answers[ids.protection]?.overdueSince).toBeDefined();
    expect(answers[ids.protection]?.overdue).toBe(false);
    expect(completed.overdue).toBe(false);
    const ended = await referralStore.find(protectionDb(), protectionReferral, "target");
    expect(ended?.package.identity).toBeUndefined();

    for (const [name, url] of [
      ["intake", intake.database.url],
      ["ecm", ecm.database.url],
      ["protection", protection.database.url],
      ["coordination", coordination.database.url],
    ] as const) {
      expect({ name, hits: await canaryHits(url, [CANARY, CANARY_PHONE]) }).toEqual({ name, hits: [] });
    }
    // Coordination lists it completed (with every filter off), to the coordinator only.
    const asCoordinator = client(CoordinationServiceClient, coordination.running, "coordination", {
      organisationId: "coordination",
      actorId: "coordinator-1",
      roles: ["coordinator"],
    });
    const asOther = client(CoordinationServiceClient, coordination.running, "coordination", {
      organisationId: ids.ecm,
      actorId: "ecm-supervisor",
      roles: ["supervisor"],
    });
    try {
      const tracked = await waitFor(
        async () => {
          const got = await asCoordinator.call("listErasureRequests", {
            overdueOnly: false,
            includeCompleted: true,
          });
          return got.erasureRequests.find((r) => r.erasureRequestId === erasureRequestId && r.completedAt);
        },
        { timeoutMs: 30_000, message: "the completed request in coordination's list" },
      );
      expect(tracked.holders.every((h) => h.result === ErasureResult.ERASURE_RESULT_ERASED)).toBe(true);
      const open = await asCoordinator.call("listErasureRequests", {
        overdueOnly: true,
        includeCompleted: false,
      });
      expect(open.erasureRequests.map((r) => r.erasureRequestId)).not.toContain(erasureRequestId);
      const others = await asOther.call("listErasureRequests", {
        overdueOnly: false,
        includeCompleted: true,
      });
      expect(others.erasureRequests).toEqual([]);
    } finally {
      asCoordinator.close();
      asOther.close();
    }
    // A retry of the first request still answers it, complete.
    const retried = await intake.api.call("requestErasure", {
      requestId,
      beneficiaryId: person.beneficiaryId,
      reason: ErasureRequestReason.ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST,
    });
    expect(retried.erasureRequest?.completedAt).toEqual(completed.completedAt);
  });

  it("asks a holder it learns of from another holder's onward referrals", async () => {
    // Protection holds the person; while it is down, its answer names an onward referral to ECM that
    // intake never heard of (its status event still on the way). Intake asks ECM too.
    const other = await registerCanaryPerson();
    await refer(other, ids.protection, ServiceType.SERVICE_TYPE_PROTECTION_GENERAL, protectionDb());
    await protection.stop();
    try {
      const requested = await intake.api.call("requestErasure", {
        requestId: uuidv4(),
        beneficiaryId: other.beneficiaryId,
        reason: ErasureRequestReason.ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST,
      });
      const id = requested.erasureRequest?.erasureRequestId ?? "";
      expect(requested.erasureRequest?.confirmations.map((c) => c.organisationId)).toEqual([ids.protection]);
      const onwardReferral = uuidv4();
      await publish(
        nats,
        EVENTS.beneficiaryErasureConfirmed,
        {
          erasureRequestId: id,
          organisationId: ids.protection,
          result: ErasureResult.ERASURE_RESULT_ERASED,
          confirmedAt: new Date(),
          requesterOrganisationId: ids.ngo,
          onward: [{ referralId: onwardReferral, organisationId: ids.ecm }],
        },
        { type: "erasure-confirmation", id: `${id}.${ids.protection}`, sequence: 1 },
        { organisationId: ids.protection, service: "protection" },
      );
      const completed = await waitFor(
        async () => {
          const got = await intake.api.call("getErasureRequest", { erasureRequestId: id });
          return got.erasureRequest?.completedAt ? got.erasureRequest : undefined;
        },
        { timeoutMs: 30_000, message: "the request to complete with the holder learnt late" },
      );
      const answers = Object.fromEntries(completed.confirmations.map((c) => [c.organisationId, c.result]));
      // ECM never received that referral: it says so.
      expect(answers).toEqual({
        [ids.protection]: ErasureResult.ERASURE_RESULT_ERASED,
        [ids.ecm]: ErasureResult.ERASURE_RESULT_NOT_HELD,
      });
      const asked = await intake.running.context.db.query<{ referral_ids: string[] }>(
        "SELECT referral_ids FROM erasure_holders WHERE erasure_request_id = $1 AND organisation_id = $2",
        [id, ids.ecm],
      );
      expect(asked.rows).toEqual([{ referral_ids: [onwardReferral] }]);
    } finally {
      await protection.start();
    }
  });

  it("answers NOT_FOUND for an unknown request or person and names the bad field", async () => {
    const unknown = await failure(intake.api.call("getErasureRequest", { erasureRequestId: uuidv4() }));
    expect(grpcCode(unknown)).toBe("NOT_FOUND");
    const nobody = await failure(
      intake.api.call("requestErasure", { requestId: uuidv4(), beneficiaryId: uuidv4(), reason: 1 }),
    );
    expect(grpcCode(nobody)).toBe("NOT_FOUND");
    const bad = await failure(intake.api.call("getErasureRequest", { erasureRequestId: "not-a-uuid" }));
    expect(grpcCode(bad)).toBe("INVALID_ARGUMENT");
    expect(bad.details).toMatch(/erasure_request_id/);
    const noReason = await failure(
      intake.api.call("requestErasure", { requestId: uuidv4(), beneficiaryId: randomUUID(), reason: 0 }),
    );
    expect(grpcCode(noReason)).toBe("INVALID_ARGUMENT");
    expect(noReason.details).toMatch(/reason/);
  });
});

function ecmDb(): Sql {
  const running = ecm.running;
  if (!running) throw new Error("ECM is not running");
  return running.context.db;
}

function protectionDb(): Sql {
  const running = protection.running;
  if (!running) throw new Error("protection is not running");
  return running.context.db;
}
