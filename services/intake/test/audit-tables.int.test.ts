import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";
import { referralStore } from "@kopru/referral";
import { type Database, migrate, openDatabase, verifyAuditChains } from "@kopru/storage";
import { createTestDatabase } from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "../src/adapters/persistence/audit.js";
import { intakeService } from "../src/app.js";

// Intake's audit tables (its own intake_audit and the referral library's referral_audit) on both
// backends a deployment runs: appended to as the application writes them, never changed or removed
// through the application's connection, and checked by the verifier.
const scratch = mkdtempSync(join(tmpdir(), "kopru-intake-audit-"));
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const backends = [
  {
    name: "postgresql",
    async open(): Promise<Database> {
      const database = await createTestDatabase({ prefix: "intake_audit" });
      cleanups.push(database.drop);
      return openDatabase({ service: "intake", url: database.url });
    },
  },
  { name: "pglite", open: () => openDatabase({ service: "intake", dataDir: scratch }) },
];

describe.each(backends)("intake's audit tables on $name", (backend) => {
  let db: Database;
  beforeAll(async () => {
    db = await backend.open();
    await migrate(db, intakeService.migrations);
    const token = { subject: "caseworker-1", clientId: "kopru-console", via: undefined };
    await db.transaction(async (tx) => {
      await auditLog.record(tx, {
        organisationId: "ngo-hayat",
        actor: {
          kind: ActorKind.ACTOR_KIND_STAFF,
          organisationId: "ngo-hayat",
          actorId: "caseworker-1",
          role: StaffRole.STAFF_ROLE_CASEWORKER,
        },
        action: "register",
        entityType: "beneficiary",
        entityId: uuidv7(),
        token,
      });
      await referralStore.audit(tx, {
        referralId: uuidv7(),
        action: "read-package",
        organisationId: "ngo-hayat",
        actorId: "caseworker-1",
        token,
      });
      await referralStore.auditList(tx, {
        referralIds: [],
        action: "list-referrals",
        organisationId: "ngo-hayat",
        actorId: "caseworker-1",
        token,
        filter: { statuses: [2] },
      });
    });
  }, 120_000);
  afterAll(async () => {
    await db.close();
  });

  it.each(["intake_audit", "referral_audit"])("refuses UPDATE, DELETE and TRUNCATE on %s", async (table) => {
    for (const statement of [
      `UPDATE ${table} SET action = 'x'`,
      `DELETE FROM ${table}`,
      `TRUNCATE ${table}`,
    ]) {
      await expect(db.exec(statement), statement).rejects.toThrow(/append-only|permission denied/);
    }
  });

  it("chains every row the application wrote, and the verifier finds them intact", async () => {
    const reports = await verifyAuditChains(db);
    expect(reports.map((r) => [r.table, r.rowsChecked, r.broken])).toEqual([
      ["intake_audit", 1, undefined],
      ["referral_audit", 2, undefined],
    ]);
  });
});
