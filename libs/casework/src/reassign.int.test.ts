import { ActorKind } from "@kopru/contracts/common/v1/refs";
import { type Database, migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase, type TestDatabase } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reassignCasesServing } from "./reassign.js";
import { caseworkMigrations } from "./service.js";

// The case follows its referral: a (re)assignment of a received referral moves the open case serving
// it to the same caseworker, in the same transaction, with an audit row; closed cases and other
// organisations' cases stay as they were. Against a real PostgreSQL and a case table shaped as the
// receiving services' are.

let database: TestDatabase;
let db: Database;
const tables = { cases: "test_cases", referrals: "test_case_referrals" };

beforeAll(async () => {
  database = await createTestDatabase({ prefix: "casework_reassign" });
  db = await openDatabase({ service: "casework-reassign-test", url: database.url });
  await migrate(db, [caseworkMigrations]);
  await db.exec(`CREATE TABLE test_cases (
    case_id uuid PRIMARY KEY,
    organisation_id text NOT NULL,
    status integer NOT NULL,
    assigned_caseworker_id text,
    updated_at timestamptz NOT NULL
  );
  CREATE TABLE test_case_referrals (case_id uuid NOT NULL, referral_id text NOT NULL, linked_at timestamptz NOT NULL,
    PRIMARY KEY (case_id, referral_id))`);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

async function caseServing(referralId: string, organisationId: string, status: number, assignee: string) {
  const caseId = uuidv4();
  await db.query(
    "INSERT INTO test_cases (case_id, organisation_id, status, assigned_caseworker_id, updated_at) VALUES ($1, $2, $3, $4, now())",
    [caseId, organisationId, status, assignee],
  );
  await db.query("INSERT INTO test_case_referrals (case_id, referral_id, linked_at) VALUES ($1, $2, now())", [
    caseId,
    referralId,
  ]);
  return caseId;
}

const assigneeOf = async (caseId: string) =>
  (
    await db.query<{ a: string }>("SELECT assigned_caseworker_id AS a FROM test_cases WHERE case_id = $1", [
      caseId,
    ])
  ).rows[0]?.a;

describe("reassignCasesServing", () => {
  it("moves the open case serving the referral to the new assignee and audits it, nothing else", async () => {
    const referralId = uuidv4();
    const open = await caseServing(referralId, "mmcc-a", 1, "caseworker-1");
    const closed = await caseServing(referralId, "mmcc-a", 2, "caseworker-1");
    const elsewhere = await caseServing(referralId, "mmcc-b", 1, "caseworker-9");
    const acting = {
      actor: { party: "target" as const, kind: ActorKind.ACTOR_KIND_STAFF, organisationId: "mmcc-a" },
      actorId: "supervisor-1",
    };
    const assignment = {
      referralId,
      sequence: 2,
      assigneeActorId: "caseworker-2",
      previousAssigneeActorId: "caseworker-1",
      assignedByActorId: "supervisor-1",
      assignedAt: new Date(),
    };
    const moved = await db.transaction((tx) =>
      reassignCasesServing(tx, tables, { organisationId: "mmcc-a", assignment, acting, at: new Date() }),
    );
    expect(moved).toEqual([open]);
    expect(await assigneeOf(open)).toBe("caseworker-2");
    expect(await assigneeOf(closed)).toBe("caseworker-1");
    expect(await assigneeOf(elsewhere)).toBe("caseworker-9");
    const audit = await db.query<{ action: string; entity_id: string; actor_id: string }>(
      "SELECT action, entity_id, actor_id FROM casework_audit WHERE action = 'reassign'",
    );
    expect(audit.rows).toEqual([{ action: "reassign", entity_id: open, actor_id: "supervisor-1" }]);

    // Assigned to whom it already is: nothing moves, nothing is audited again.
    const again = await db.transaction((tx) =>
      reassignCasesServing(tx, tables, { organisationId: "mmcc-a", assignment, acting, at: new Date() }),
    );
    expect(again).toEqual([]);
  });
});
