import { randomUUID } from "node:crypto";
import { DAY_MS, RetentionWorker, resolveRetentionPolicy } from "@kopru/retention";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROTECTION_RETENTION_CLASSES } from "../src/adapters/persistence/retention.js";
import { spec } from "../src/app.js";

// Closed protection cases are anonymised three years after closing by the service's own erase hook
// (ADR 0026), on its real schema in PostgreSQL; an open case of the same person is not touched.
const ORG = "protection-retention";
const CANARY = `CANARY-SAFETY-PLAN-${randomUUID().slice(0, 8)}`;
const T0 = new Date("2027-02-01T08:00:00Z");

let db: Database;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const created = await createTestDatabase({ prefix: "protection-retention" });
  db = await openDatabase({ service: "protection-retention", url: created.url });
  cleanups.push(created.drop, () => db.close());
  await migrate(db, spec.migrations);
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function protectionCase(options: { beneficiaryRef: string; closedAt: Date | null; note: string }) {
  const caseId = randomUUID();
  const referralId = randomUUID();
  await db.query(
    `INSERT INTO protection_cases (case_id, organisation_id, case_type, restricted, status, beneficiary_ref,
       opened_at, closed_at, closure_reason, closure_note, updated_at, event_sequence, disaggregation)
     VALUES ($1, $2, 1, false, $3, $4, $5, $6, $7, $8, $5, 1, '\\x'::bytea)`,
    [
      caseId,
      ORG,
      options.closedAt ? 2 : 1,
      options.beneficiaryRef,
      new Date(T0.getTime() - 400 * DAY_MS),
      options.closedAt,
      options.closedAt ? 1 : 0,
      options.closedAt ? `closed: ${options.note}` : null,
    ],
  );
  await db.query(
    "INSERT INTO protection_case_referrals (case_id, referral_id, linked_at) VALUES ($1, $2, $3)",
    [caseId, referralId, T0],
  );
  await db.query(
    `INSERT INTO risk_assessments (assessment_id, case_id, risk_level, summary, assessed_at, assessed_by_kind, next_review_at)
     VALUES ($1, $2, 3, $3, $4, 1, $5)`,
    [randomUUID(), caseId, `risk: ${options.note}`, T0, new Date(T0.getTime() + DAY_MS)],
  );
  const planId = randomUUID();
  await db.query(
    `INSERT INTO safety_plans (safety_plan_id, case_id, version, notes, created_at, created_by_kind)
     VALUES ($1, $2, 1, $3, $4, 1)`,
    [planId, caseId, `plan: ${options.note}`, T0],
  );
  await db.query(
    `INSERT INTO safety_plan_actions (safety_plan_id, position, description, responsible)
     VALUES ($1, 0, $2, 1)`,
    [planId, `call the shelter ${options.note}`],
  );
  return caseId;
}

async function everything(): Promise<string> {
  const tables = ["protection_cases", "risk_assessments", "safety_plans", "safety_plan_actions"];
  const parts: string[] = [];
  for (const table of tables) {
    const rows = await db.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t`);
    parts.push(...rows.rows.map((r) => r.row));
  }
  return parts.join("\n");
}

describe("protection retention", () => {
  it("anonymises a case closed past its period, keeps a recent or open one, and a second run does nothing more", async () => {
    const person = randomUUID();
    const old = await protectionCase({
      beneficiaryRef: person,
      closedAt: new Date(T0.getTime() - 1096 * DAY_MS),
      note: CANARY,
    });
    const recent = await protectionCase({
      beneficiaryRef: randomUUID(),
      closedAt: new Date(T0.getTime() - 1094 * DAY_MS),
      note: "recent",
    });
    const open = await protectionCase({ beneficiaryRef: person, closedAt: null, note: "still open" });

    const clock = { now: () => T0 };
    const policy = resolveRetentionPolicy({ classes: PROTECTION_RETENTION_CLASSES, organisations: [ORG] });
    const retention = new RetentionWorker({ db, clock, policy, runEveryMs: DAY_MS });
    await retention.ensureScheduled();
    expect(await retention.fireDue()).toBe(1);

    const logged = await db.query<{
      data_class: string;
      record_ids: string[];
      period_days: number;
      method: string;
    }>("SELECT data_class, record_ids, period_days, method FROM retention_destructions");
    expect(logged.rows).toEqual([
      { data_class: "closed-cases", record_ids: [old], period_days: 1095, method: "anonymised" },
    ]);
    await db.exec("VACUUM FULL");
    const left = await everything();
    expect(left).not.toContain(CANARY);
    expect(left).toContain("recent");
    expect(left).toContain("still open");
    const cases = await db.query<{ case_id: string; beneficiary_ref: string }>(
      "SELECT case_id::text, beneficiary_ref FROM protection_cases WHERE case_id = ANY($1::uuid[]) ORDER BY opened_at",
      [[old, recent, open]],
    );
    const refOf = new Map(cases.rows.map((r) => [r.case_id, r.beneficiary_ref]));
    expect(refOf.get(old)).toMatch(/^erased-/);
    expect(refOf.get(open)).toBe(person);

    clock.now = () => new Date(T0.getTime() + DAY_MS);
    expect(await retention.fireDue()).toBe(1);
    expect((await db.query("SELECT 1 FROM retention_destructions")).rows).toHaveLength(1);
  });
});
