import { InvalidArgumentError } from "@kopru/service-kit";
import type { Database, Sql } from "@kopru/storage";
import { migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase, type TestDatabase, waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "./audit.js";
import { type CaseOpened, openOrJoinCase } from "./open-or-join.js";
import { claimRequest } from "./requests.js";
import { caseworkMigrations } from "./service.js";

// Casework's rules against a real PostgreSQL: the advisory lock that makes two acceptances for one
// person share one case, request ids, and the append-only audit log.

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase({ prefix: "casework" });
  db = await openDatabase({ service: "casework-test", url: database.url });
  await migrate(db, [caseworkMigrations]);
  // A minimal case model of a receiving service: one row per case, the referrals it serves.
  await db.exec(`CREATE TABLE test_cases (
    case_id uuid PRIMARY KEY,
    organisation_id text NOT NULL,
    beneficiary_ref text NOT NULL,
    referral_ids text[] NOT NULL
  )`);
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

interface TestCase {
  case_id: string;
  referral_ids: string[];
}

/** Accepts `referralId` for the person inside `tx`; `beforeOpen` runs while the new case is uncommitted. */
function acceptFor(
  tx: Sql,
  person: { organisationId: string; beneficiaryRef: string },
  referralId: string,
  beforeOpen: () => Promise<void> = async () => {},
): Promise<CaseOpened<TestCase>> {
  const find = async (extra: string, params: unknown[]) =>
    (
      await tx.query<TestCase>(
        `SELECT case_id, referral_ids FROM test_cases
          WHERE organisation_id = $1 AND beneficiary_ref = $2 ${extra}`,
        [person.organisationId, person.beneficiaryRef, ...params],
      )
    ).rows[0];
  return openOrJoinCase<TestCase>(tx, person, {
    servingCase: () => find("AND $3 = ANY(referral_ids)", [referralId]),
    joinableCase: () => find("", []),
    async join(existing) {
      const updated = await tx.query<TestCase>(
        "UPDATE test_cases SET referral_ids = referral_ids || $2::text WHERE case_id = $1 RETURNING case_id, referral_ids",
        [existing.case_id, referralId],
      );
      return updated.rows[0] as TestCase;
    },
    async open() {
      const opened = await tx.query<TestCase>(
        `INSERT INTO test_cases (case_id, organisation_id, beneficiary_ref, referral_ids)
         VALUES ($1, $2, $3, ARRAY[$4::text]) RETURNING case_id, referral_ids`,
        [uuidv4(), person.organisationId, person.beneficiaryRef, referralId],
      );
      await beforeOpen();
      return opened.rows[0] as TestCase;
    },
  });
}

async function casesOf(beneficiaryRef: string): Promise<TestCase[]> {
  const result = await db.query<TestCase>(
    "SELECT case_id, referral_ids FROM test_cases WHERE beneficiary_ref = $1",
    [beneficiaryRef],
  );
  return result.rows;
}

async function advisoryLockWaiters(): Promise<number> {
  const result = await db.query<{ waiting: number | string }>(
    `SELECT count(*) AS waiting FROM pg_locks
      WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return Number(result.rows[0]?.waiting ?? 0);
}

function gate(): { opened: Promise<void>; open(): void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe("openOrJoinCase", () => {
  it("lets two concurrent acceptances for one person share one case, refusing neither", async () => {
    const person = { organisationId: "ecm-unit", beneficiaryRef: `ben-${uuidv4()}` };
    const firstHolds = gate();
    const firstInside = gate();
    const first = db.transaction((tx) =>
      acceptFor(tx, person, "referral-1", async () => {
        firstInside.open();
        await firstHolds.opened;
      }),
    );
    await firstInside.opened;
    const second = db.transaction((tx) => acceptFor(tx, person, "referral-2"));
    // The second acceptance is queued on the person's lock while the first has opened an uncommitted case.
    await waitFor(async () => (await advisoryLockWaiters()) > 0, {
      message: "the second acceptance waiting on the person's advisory lock",
    });
    firstHolds.open();

    const [opened, joined] = await Promise.all([first, second]);
    expect(opened.action).toBe("opened");
    expect(joined.action).toBe("joined");
    expect(joined.case.case_id).toBe(opened.case.case_id);
    const cases = await casesOf(person.beneficiaryRef);
    expect(cases).toHaveLength(1);
    expect(cases[0]?.referral_ids.sort()).toEqual(["referral-1", "referral-2"]);
  });

  it("never holds up another person's acceptance", async () => {
    const holder = { organisationId: "ecm-unit", beneficiaryRef: `ben-${uuidv4()}` };
    const other = { organisationId: "ecm-unit", beneficiaryRef: `ben-${uuidv4()}` };
    const holds = gate();
    const inside = gate();
    const first = db.transaction((tx) =>
      acceptFor(tx, holder, "referral-a", async () => {
        inside.open();
        await holds.opened;
      }),
    );
    await inside.opened;
    // Completes while the first transaction still holds its person's lock.
    const unrelated = await db.transaction((tx) => acceptFor(tx, other, "referral-b"));
    expect(unrelated.action).toBe("opened");
    holds.open();
    expect((await first).action).toBe("opened");
  });

  it("keeps the serving case when the same acceptance is applied again", async () => {
    const person = { organisationId: "mmcc-adana", beneficiaryRef: `ben-${uuidv4()}` };
    const opened = await db.transaction((tx) => acceptFor(tx, person, "referral-x"));
    const again = await db.transaction((tx) => acceptFor(tx, person, "referral-x"));
    expect(again).toEqual({ action: "served", case: opened.case });
    expect(await casesOf(person.beneficiaryRef)).toHaveLength(1);
  });
});

describe("claimRequest", () => {
  const claim = (requestId: string, request: unknown, operation = "open-case", entityId = uuidv4()) =>
    db.transaction((tx) =>
      claimRequest(tx, { organisationId: "ecm-unit", requestId, operation, request, entityId }),
    );

  it("returns what the first request created to a retry of the same request", async () => {
    const requestId = uuidv4();
    const entityId = uuidv4();
    expect(await claim(requestId, { beneficiaryRef: "b-1" }, "open-case", entityId)).toBeUndefined();
    expect(await claim(requestId, { beneficiaryRef: "b-1" })).toBe(entityId);
  });

  it("refuses a request id reused for another request or another command, naming request_id", async () => {
    const requestId = uuidv4();
    await claim(requestId, { beneficiaryRef: "b-1" });
    for (const reuse of [
      () => claim(requestId, { beneficiaryRef: "b-2" }),
      () => claim(requestId, { beneficiaryRef: "b-1" }, "close-case"),
    ]) {
      const error = await reuse().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).violations.map((v) => v.field)).toEqual(["request_id"]);
    }
  });

  it("matches a request id recorded before requests were hashed on its command alone", async () => {
    const requestId = uuidv4();
    const entityId = uuidv4();
    await db.query(
      `INSERT INTO casework_requests (organisation_id, request_id, operation, fingerprint, entity_id)
       VALUES ('ecm-unit', $1, 'open-case', NULL, $2)`,
      [requestId, entityId],
    );
    expect(await claim(requestId, { anything: true })).toBe(entityId);
  });
});

describe("recordAudit", () => {
  it("appends entries that can be neither changed nor removed", async () => {
    const caseId = uuidv4();
    await recordAudit(db, [
      {
        organisationId: "ecm-unit",
        actorId: "cw-1",
        role: "caseworker",
        subject: "cw-1",
        clientId: "kopru-console",
        via: "service-gateway",
        action: "read-case",
        entity: "case",
        entityId: caseId,
      },
      {
        organisationId: "ecm-unit",
        action: "open-case",
        entity: "case",
        entityId: caseId,
        at: new Date("2026-01-02T03:04:05Z"),
      },
    ]);
    // Append-only: a change or removal fails rather than being silently ignored.
    await expect(
      db.query("UPDATE casework_audit SET action = 'nothing' WHERE entity_id = $1", [caseId]),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.query("DELETE FROM casework_audit WHERE entity_id = $1", [caseId])).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    const rows = await db.query<{ action: string; actor_id: string | null; role: string | null }>(
      `SELECT action, actor_id, role, subject, client_id, via_client_id
         FROM casework_audit WHERE entity_id = $1 ORDER BY action`,
      [caseId],
    );
    expect(rows.rows).toEqual([
      {
        action: "open-case",
        actor_id: null,
        role: null,
        subject: null,
        client_id: null,
        via_client_id: null,
      },
      {
        action: "read-case",
        actor_id: "cw-1",
        role: "caseworker",
        subject: "cw-1",
        client_id: "kopru-console",
        via_client_id: "service-gateway",
      },
    ]);
  });
});
