import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { referralStore } from "@kopru/referral";
import { type Database, migrate, openDatabase, verifyAuditChains } from "@kopru/storage";
import { createTestDatabase } from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordCaseAudit } from "./audit.js";
import { receivingMigrations } from "./service.js";

// casework_audit, as every receiving service has it, on both backends: appended to by the library's
// writer (a list call too, even one that listed nothing), never changed or removed through the
// application's connection, and checked by the verifier.
const scratch = mkdtempSync(join(tmpdir(), "kopru-casework-audit-"));
const ownMigrations = join(scratch, "own");
mkdirSync(ownMigrations);
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const backends = [
  {
    name: "postgresql",
    async open(): Promise<Database> {
      const database = await createTestDatabase({ prefix: "casework_audit" });
      cleanups.push(database.drop);
      return openDatabase({ service: "ecm", url: database.url });
    },
  },
  { name: "pglite", open: () => openDatabase({ service: "ecm", dataDir: scratch }) },
];

describe.each(backends)("casework_audit on $name", (backend) => {
  let db: Database;
  const caller = { organisationId: "ecm-unit", actorId: "cw-1", role: "caseworker", subject: "cw-1" };
  beforeAll(async () => {
    db = await backend.open();
    await migrate(db, receivingMigrations({ name: "ecm", dir: ownMigrations }));
    await db.transaction(async (tx) => {
      await recordCaseAudit(tx, { caller, action: "read-case", caseIds: [uuidv7()] });
      await recordCaseAudit(tx, {
        caller,
        action: "list-cases",
        caseIds: [uuidv7(), uuidv7()],
        listFilter: { statuses: [1], limit: 50, offset: 0 },
      });
      await recordCaseAudit(tx, { caller, action: "list-cases", caseIds: [], listFilter: { statuses: [2] } });
      await referralStore.audit(tx, {
        referralId: uuidv7(),
        action: "read-package",
        organisationId: "ecm-unit",
      });
    });
  }, 120_000);
  afterAll(async () => {
    await db.close();
  });

  it("records a list call per case listed, and an empty one once, with the count and filter", async () => {
    const rows = await db.query<{ entity_id: string | null; detail: unknown }>(
      "SELECT entity_id, detail FROM casework_audit WHERE action = 'list-cases' ORDER BY id",
    );
    expect(rows.rows.map((r) => [r.entity_id === null, r.detail])).toEqual([
      [false, { listed: 2, filter: { statuses: [1], limit: 50, offset: 0 } }],
      [false, { listed: 2, filter: { statuses: [1], limit: 50, offset: 0 } }],
      [true, { listed: 0, filter: { statuses: [2] } }],
    ]);
  });

  it("refuses UPDATE, DELETE and TRUNCATE on casework_audit and referral_audit", async () => {
    for (const table of ["casework_audit", "referral_audit"]) {
      for (const statement of [
        `UPDATE ${table} SET action = 'x'`,
        `DELETE FROM ${table}`,
        `TRUNCATE ${table}`,
      ]) {
        await expect(db.exec(statement), statement).rejects.toThrow(/append-only|permission denied/);
      }
    }
    expect((await db.query("SELECT 1 FROM casework_audit")).rows).toHaveLength(4);
  });

  it("the verifier finds both chains intact", async () => {
    const reports = await verifyAuditChains(db);
    expect(reports.map((r) => [r.table, r.rowsChecked, r.broken])).toEqual([
      ["casework_audit", 4, undefined],
      ["referral_audit", 1, undefined],
    ]);
  });
});
