import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { CancelReason, Priority, Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ContactMethod } from "@kopru/contracts/referral/v1/package";
import { receivingReferralClasses, referralStore } from "@kopru/referral";
import {
  DAY_MS,
  type DataClass,
  RetentionWorker,
  resolveRetentionPolicy,
  retentionMigrations,
} from "@kopru/retention";
import { startService } from "@kopru/service-kit";
import { type Database, migrate } from "@kopru/storage";
import type { NatsTestConnection } from "@kopru/testing";
import { createTestDatabase, waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INTAKE_RETENTION_CLASSES } from "../src/adapters/persistence/retention.js";
import { intakeService } from "../src/app.js";
import {
  connect,
  type IntakeUnderTest,
  publishDirectory,
  recordTestConsent,
  startIntake,
  startTarget,
  type TargetParty,
  testNetworkIds,
} from "./support.js";

// Retention at intake and at a holder on data the real services wrote (ADR 0026): a person whose
// referral ended, and one whose referral is still open, followed through two and a half years of
// business time by a destruction worker on the service's database (a second replica, as it were).
const ids = testNetworkIds();
const CANARY = `CANARY-RETAIN-${ids.suffix}`;
const KEPT = `KEPT-RETAIN-${ids.suffix}`;

let nats: NatsTestConnection;
let intake: IntakeUnderTest;
let holder: TargetParty;

beforeAll(async () => {
  nats = await connect();
  intake = await startIntake(ids, nats);
  holder = await startTarget(nats, ids.mmcc);
  await migrate(holder.db, [retentionMigrations]);
  await publishDirectory(nats, ids);
  await waitFor(
    async () => {
      const suggested = await intake.api.call("suggestTargets", {
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        criteria: {
          location: { provinceCode: ids.province, districtCode: "" },
          partnerKinds: [],
          allowWaitlist: false,
          excludedOrganisationIds: [],
        },
        limit: 10,
      });
      return suggested.candidates.length > 0;
    },
    { timeoutMs: 30_000, message: "intake never replicated the test directory" },
  );
}, 90_000);

afterAll(async () => {
  await holder?.stop();
  await intake?.stop();
  await nats?.close();
});

class TestClock {
  constructor(public at: Date) {}
  now = () => this.at;
}

async function referredPerson(marker: string) {
  const registered = await intake.api.call("registerBeneficiary", {
    requestId: uuidv4(),
    organisationId: ids.ngo,
    givenName: `Rima ${marker}`,
    familyName: "Synthetic-Retention",
    sex: Sex.SEX_FEMALE,
    birthYear: 1990,
    nationality: "SY",
    legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    residence: { provinceCode: ids.province, districtCode: "" },
    phoneNumber: "+905550000042",
    preferredLanguage: "ar",
    interpreterNeeded: false,
    safeToContact: true,
    safeTimes: `mornings ${marker}`,
    preferredContactMethod: ContactMethod.CONTACT_METHOD_PHONE_CALL,
    safeContactWindows: [],
  });
  const beneficiaryId = registered.beneficiary?.beneficiaryId ?? "";
  const screened = await intake.api.call("screenNeeds", {
    requestId: uuidv4(),
    beneficiaryId,
    servicesNeeded: [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING],
    vulnerabilities: [],
    washingtonGroupAnswers: [],
    needsSummary: `Needs counselling ${marker}`,
    household: undefined,
  });
  const consentId = await recordTestConsent(intake.api, beneficiaryId);
  const created = await intake.api.call("createReferral", {
    requestId: uuidv4(),
    beneficiaryId,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_NORMAL,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: `Needs counselling ${marker}`,
    consentId,
    routing: { $case: "explicitTarget", value: { organisationId: ids.mmcc } },
    dataCategories: [],
  });
  const referralId = created.referral?.referralId ?? "";
  await waitFor(() => referralStore.find(holder.db, referralId, "target"), {
    timeoutMs: 20_000,
    message: `referral ${referralId} at the holder`,
  });
  return { beneficiaryId, consentId, screeningId: screened.screening?.screeningId ?? "", referralId };
}

function worker(db: Database, classes: readonly DataClass[], organisation: string, clock: TestClock) {
  const policy = resolveRetentionPolicy({ classes, organisations: [organisation] });
  return new RetentionWorker({ db, clock, policy, runEveryMs: DAY_MS });
}

/** Runs the destruction at `clock` (one run: the schedule is daily and the clock moves by days). */
async function runAt(retention: RetentionWorker, clock: TestClock, at: Date): Promise<void> {
  clock.at = at;
  await retention.ensureScheduled();
  expect(await retention.fireDue()).toBe(1);
}

/** Every row of every table of the database, as text; bytea columns come out as hex. */
async function everything(db: Database): Promise<string> {
  const tables = await db.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await db.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
    parts.push(...rows.rows.map((r) => r.row));
  }
  return parts.join("\n");
}

const hex = (text: string) => Buffer.from(text, "utf8").toString("hex");

async function destroyedIds(db: Database, dataClass: string): Promise<string[]> {
  const { rows } = await db.query<{ record_ids: string[] }>(
    "SELECT record_ids FROM retention_destructions WHERE data_class = $1",
    [dataClass],
  );
  return rows.flatMap((r) => r.record_ids);
}

describe("retention at intake and at a holder", () => {
  it("destroys each class after its own period from the end of its purpose, keeps what is still needed, and leaves no canary behind", async () => {
    const ended = await referredPerson(CANARY);
    await referredPerson(KEPT);
    await intake.api.call("cancelReferral", {
      referralId: ended.referralId,
      reason: CancelReason.CANCEL_REASON_NEED_RESOLVED,
      internalNote: `Family moved ${CANARY}`,
    });
    const db = intake.running.context.db;
    await waitFor(async () => (await referralStore.find(db, ended.referralId, "referrer"))?.closedAt, {
      timeoutMs: 20_000,
      message: "the cancelled referral never closed at intake",
    });
    await waitFor(async () => (await referralStore.find(holder.db, ended.referralId, "target"))?.closedAt, {
      timeoutMs: 20_000,
      message: "the cancellation never reached the holder",
    });
    expect(await everything(db)).toContain(CANARY);
    expect(await everything(holder.db)).toContain(hex(CANARY));

    const start = Date.now();
    const clock = new TestClock(new Date(start));
    const atIntake = worker(db, INTAKE_RETENTION_CLASSES, ids.ngo, clock);
    const atHolder = worker(holder.db, receivingReferralClasses, ids.mmcc, clock);

    // 89 days after the end: inside every period.
    await runAt(atIntake, clock, new Date(start + 89 * DAY_MS));
    await runAt(atHolder, clock, new Date(start + 89 * DAY_MS));
    expect(await destroyedIds(db, "referrer-packages")).toEqual([]);
    expect(await destroyedIds(holder.db, "received-packages")).toEqual([]);

    // 91 days: both copies of the ended referral's package are anonymised; the open one is kept.
    await runAt(atIntake, clock, new Date(start + 91 * DAY_MS));
    await runAt(atHolder, clock, new Date(start + 91 * DAY_MS));
    expect(await destroyedIds(db, "referrer-packages")).toEqual([ended.referralId]);
    expect(await destroyedIds(holder.db, "received-packages")).toEqual([ended.referralId]);
    const heldByHolder = await everything(holder.db);
    expect(heldByHolder).not.toContain(hex(CANARY));
    expect(heldByHolder).toContain(hex(KEPT));
    const anonymised = await referralStore.find(holder.db, ended.referralId, "target");
    expect(anonymised?.beneficiaryRef).toMatch(/^erased-/);
    expect(anonymised?.closedAt).toBeDefined();
    // The registration, its consent (running for a year) and its screening are still needed.
    expect(await everything(db)).toContain(CANARY);

    // The outbox rows of the events sent then (the packages among them) went at 30 days.
    expect((await destroyedIds(db, "sent-events")).length).toBeGreaterThan(0);
    expect((await db.query("SELECT 1 FROM kopru_outbox WHERE sent_at IS NOT NULL")).rows).toEqual([]);

    // A second run the next day destroys nothing more.
    const logged = async () => (await db.query("SELECT 1 FROM retention_destructions")).rows.length;
    const before = await logged();
    await runAt(atIntake, clock, new Date(start + 92 * DAY_MS));
    expect(await logged()).toBe(before);

    // 800 days: the consent ended 435 days ago (expired after a year) and the screening is 800 days
    // old; the open referral keeps the other person's latest screening and consent.
    await runAt(atIntake, clock, new Date(start + 800 * DAY_MS));
    expect(await destroyedIds(db, "ended-consents")).toEqual([ended.consentId]);
    expect(await destroyedIds(db, "screenings")).toEqual([ended.screeningId]);
    expect(await destroyedIds(db, "registrations")).toEqual([]);

    // The registration counts from the person's last activity (the consent's expiry, a year in),
    // although that consent is gone: erased two years after it, and only that person.
    await runAt(atIntake, clock, new Date(start + (365 + 729) * DAY_MS));
    expect(await destroyedIds(db, "registrations")).toEqual([]);
    await runAt(atIntake, clock, new Date(start + (365 + 731) * DAY_MS));
    expect(await destroyedIds(db, "registrations")).toEqual([ended.beneficiaryId]);

    await db.exec("VACUUM FULL");
    const left = await everything(db);
    expect(left).not.toContain(CANARY);
    expect(left).not.toContain(hex(CANARY));
    expect(left).toContain(KEPT);
    // The log holds ids and counts, never what the records said.
    const log = await db.query<{ row: string }>("SELECT d::text AS row FROM retention_destructions d");
    expect(log.rows.map((r) => r.row).join()).not.toContain("Rima");
  });

  it("refuses to start with a retention policy for a class it does not hold, naming the variable", async () => {
    const config = intake.running.context.config;
    await expect(
      startService(intakeService, {
        DATABASE_URL: intake.database.url,
        NATS_URL: nats.url,
        GRPC_HOST: "127.0.0.1",
        GRPC_PORT: "0",
        LOG_LEVEL: "silent",
        INTAKE_ORGANISATIONS: config.INTAKE_ORGANISATIONS.join(","),
        INTAKE_DURABLE_PREFIX: `${config.INTAKE_DURABLE_PREFIX}-bad`,
        RETENTION_PERIODS: `${ids.ngo}:closed-cases=1y`,
        ...intake.issuer.serviceEnv(),
      }),
    ).rejects.toThrow(/RETENTION_PERIODS: entry ".*:closed-cases=1y": unknown data class "closed-cases"/);
  });

  it("runs on the service's own schedule by the business clock, and a restart fires the run that fell due while it was down", async () => {
    const database = await createTestDatabase({ prefix: "intake-retention" });
    const dir = mkdtempSync(join(tmpdir(), "kopru-intake-retention-"));
    const clockFile = join(dir, "clock-offset-ms");
    writeFileSync(clockFile, "0");
    const env = {
      DATABASE_URL: database.url,
      NATS_URL: nats.url,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: "0",
      DATA_DIR: dir,
      LOG_LEVEL: "silent",
      INTAKE_ORGANISATIONS: intake.running.context.config.INTAKE_ORGANISATIONS.join(","),
      INTAKE_DURABLE_PREFIX: `${intake.running.context.config.INTAKE_DURABLE_PREFIX}-sched`,
      KOPRU_CLOCK_OFFSET_FILE: clockFile,
      RETENTION_RUN_EVERY: "30d",
      ...intake.issuer.serviceEnv(),
    };
    const runs = async (db: Database) =>
      (
        await db.query<{ scheduled_for: Date; next_run_at: Date }>(
          "SELECT scheduled_for, next_run_at FROM retention_runs ORDER BY scheduled_for",
        )
      ).rows;
    try {
      const first = await startService(intakeService, env);
      // A new deployment runs at its first start, and sets the next run one interval later.
      const [initial] = await waitFor(
        async () => {
          const found = await runs(first.context.db);
          return found.length === 1 ? found : undefined;
        },
        { timeoutMs: 60_000, message: "the first destruction run never happened" },
      );
      expect(initial?.next_run_at.getTime()).toBe((initial?.scheduled_for.getTime() ?? 0) + 30 * DAY_MS);
      await first.stop();

      // Down while the next run fell due (the business clock moved 31 days): the restarted service
      // fires it at start, once, and is back on its cadence.
      writeFileSync(clockFile, String(31 * DAY_MS));
      const restarted = await startService(intakeService, env);
      try {
        const after = await waitFor(
          async () => {
            const found = await runs(restarted.context.db);
            return found.length === 2 ? found : undefined;
          },
          { timeoutMs: 60_000, message: "the run that fell due while the service was down never fired" },
        );
        expect(after[1]?.scheduled_for).toEqual(initial?.next_run_at);
        expect(after[1]?.next_run_at.getTime()).toBe((initial?.scheduled_for.getTime() ?? 0) + 60 * DAY_MS);
      } finally {
        await restarted.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await database.drop();
    }
    // Two starts of the whole service (migrations, streams, consumers) on a loaded machine.
  }, 240_000);
});
