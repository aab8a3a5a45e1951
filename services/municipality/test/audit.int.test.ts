import { randomBytes } from "node:crypto";
import { networkTestRun, sourceTestPackage } from "@kopru/casework/testkit";
import { AuditServiceClient } from "@kopru/contracts/audit/v1/audit_service";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { MunicipalityServiceClient } from "@kopru/contracts/municipality/v1/municipality_service";
import { refusal } from "@kopru/referral/testkit";
import { channelCredentials, GrpcClient, serviceAudience } from "@kopru/service-kit";
import { type Database, verifyAuditChains } from "@kopru/storage";
import { waitFor } from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";

// The audit of a receiving service as it runs: list calls (ListInbox, ListCases) leave audit rows
// with what was listed and under which filter; the application's own connection cannot change or
// remove them; the verifier finds a row a DBA edited or deleted; and each MMCC's supervisor reads
// its own organisation's audit, never the other's.
const suffix = `t${randomBytes(3).toString("hex")}`;
const MMCC_A = `mmcc-gaziantep-${suffix}`;
const MMCC_B = `mmcc-kilis-${suffix}`;
const REFERRER = `ngo-hayat-${suffix}`;
const DAY = 86_400_000;

const staffA = { organisationId: MMCC_A, actorId: "mmcc-a-counsellor", role: "caseworker" };
const supervisorA = { organisationId: MMCC_A, actorId: "mmcc-a-supervisor", roles: ["supervisor"] };
const supervisorB = { organisationId: MMCC_B, actorId: "mmcc-b-supervisor", roles: ["supervisor"] };

const run = networkTestRun(spec, MunicipalityServiceClient, {
  databasePrefix: "municipality_audit",
  hostedOrganisations: [MMCC_A, MMCC_B],
  referrer: REFERRER,
  runId: suffix,
  caller: staffA,
});

function auditApi(caller: { organisationId: string; actorId: string; roles?: string[]; role?: string }) {
  return new GrpcClient(
    new AuditServiceClient(run.service.grpc.address, channelCredentials("plaintext")),
    caller,
    { audience: serviceAudience(spec.name), tokens: run.issuer.tokens },
  );
}

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

async function sendToA(): Promise<string> {
  const sent = await run.referrer.send({
    source: sourceTestPackage(
      {
        from: REFERRER,
        to: MMCC_A,
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        priority: Priority.PRIORITY_HIGH,
        purpose: Purpose.PURPOSE_SERVICE_PROVISION,
        consent,
      },
      {
        reasonForReferral: "Counselling (synthetic).",
        identity: { givenName: "AUDIT-CANARY-NAME", familyName: "Synthetic" },
        contact: { phoneNumber: "+905550001234", safeToContact: true, preferredLanguage: "ar" },
        demographics: { birthYear: 1990, nationality: "SY" },
        needs: { needsSummary: "AUDIT-CANARY-NEEDS" },
      },
    ),
    target: { organisationId: MMCC_A, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consent,
  });
  return sent.referralId;
}

/** What a DBA with disk access can do: change audit rows with the append-only triggers not firing. */
async function asDbaBypassingTriggers(db: Database, statement: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec("SET LOCAL session_replication_role = replica");
    await tx.exec(statement);
  });
}

beforeAll(run.start, 60_000);
afterAll(run.stop);

describe("the municipality service's audit", () => {
  let referralId: string;

  it("audits ListInbox and ListCases with the ids listed, how many, and the filter", async () => {
    referralId = await sendToA();
    await waitFor(
      async () => {
        const page = await run.inbox.call("listInbox", {
          organisationId: MMCC_A,
          statuses: [ReferralStatus.REFERRAL_STATUS_RECEIVED],
          serviceTypes: [],
          priorities: [],
          overdueOnly: false,
        });
        return page.referrals.some((r) => r.referralId === referralId);
      },
      { timeoutMs: 20_000, message: `referral ${referralId} in MMCC A's inbox` },
    );
    const db = run.service.context.db;
    const inboxRows = await db.query<{ actor_id: string; subject: string; detail: unknown }>(
      `SELECT actor_id, subject, detail FROM referral_audit
        WHERE action = 'list-inbox' AND referral_id = $1`,
      [referralId],
    );
    expect(inboxRows.rows[0]).toEqual({
      actor_id: staffA.actorId,
      subject: staffA.actorId,
      detail: { listed: 1, filter: { statuses: [ReferralStatus.REFERRAL_STATUS_RECEIVED] } },
    });

    await run.inbox.call("acceptReferral", { referralId });
    const cases = await run.api.call("listCases", { organisationId: MMCC_A, statuses: [] });
    const caseIds = cases.municipalityCases.map((c) => c.caseId);
    expect(caseIds).toHaveLength(1);
    const caseRows = await db.query<{ entity_id: string; detail: { listed: number } }>(
      "SELECT entity_id, detail FROM casework_audit WHERE action = 'list-cases' AND organisation_id = $1",
      [MMCC_A],
    );
    expect(caseRows.rows).toEqual([
      { entity_id: caseIds[0], detail: { listed: 1, filter: { limit: 50, offset: 0 } } },
    ]);

    // An empty answer is audited too: one row naming no case.
    const none = await run.api.as({ ...staffA, organisationId: MMCC_B }).call("listCases", {
      organisationId: MMCC_B,
      statuses: [],
    });
    expect(none.municipalityCases).toEqual([]);
    const empty = await db.query(
      "SELECT entity_id, detail FROM casework_audit WHERE action = 'list-cases' AND organisation_id = $1",
      [MMCC_B],
    );
    expect(empty.rows).toEqual([
      { entity_id: null, detail: { listed: 0, filter: { limit: 50, offset: 0 } } },
    ]);

    // The audit names ids and codes, never the person.
    const dump = await db.query<{ t: string }>(
      "SELECT (SELECT string_agg(to_jsonb(r)::text, '') FROM referral_audit r) || (SELECT string_agg(to_jsonb(c)::text, '') FROM casework_audit c) AS t",
    );
    expect(dump.rows[0]?.t).not.toMatch(/AUDIT-CANARY/);
  });

  it("lets a supervisor read their own organisation's audit, page by page, and nobody else's", async () => {
    const db = run.service.context.db;
    const own = await db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM referral_audit WHERE actor_organisation_id = $1)
            + (SELECT count(*) FROM casework_audit WHERE organisation_id = $1) AS n`,
      [MMCC_A],
    );
    const seen: { auditTable: string; organisationId: string; action: string; entityId: string }[] = [];
    let pageToken = "";
    do {
      const page = await auditApi(supervisorA).call("listAuditEntries", {
        organisationId: MMCC_A,
        auditTable: "",
        page: { pageSize: 2, pageToken },
      });
      seen.push(...page.entries);
      pageToken = page.page?.nextPageToken ?? "";
    } while (pageToken !== "");
    // Reading the audit is itself not audited, so the count is stable while paging.
    expect(seen.length).toBe(Number(own.rows[0]?.n));
    expect(new Set(seen.map((e) => e.organisationId))).toEqual(new Set([MMCC_A]));
    expect(seen).toContainEqual(
      expect.objectContaining({ auditTable: "referral_audit", action: "list-inbox", entityId: referralId }),
    );
    expect(seen).toContainEqual(
      expect.objectContaining({ auditTable: "casework_audit", action: "list-cases" }),
    );

    const fromB = await auditApi(supervisorB).call("listAuditEntries", {
      organisationId: MMCC_B,
      auditTable: "",
    });
    expect(fromB.entries.length).toBeGreaterThan(0);
    expect(fromB.entries.every((e) => e.organisationId === MMCC_B)).toBe(true);

    expect(
      await refusal(
        auditApi(supervisorB).call("listAuditEntries", { organisationId: MMCC_A, auditTable: "" }),
      ),
    ).toMatchObject({ status: "NOT_FOUND" });
    expect(
      await refusal(auditApi(staffA).call("listAuditEntries", { organisationId: MMCC_A, auditTable: "" })),
    ).toMatchObject({ status: "PERMISSION_DENIED" });
    expect(
      await refusal(
        auditApi(supervisorA).call("listAuditEntries", {
          organisationId: MMCC_A,
          auditTable: "",
          page: { pageSize: 10, pageToken: "not-a-token" },
        }),
      ),
    ).toMatchObject({ status: "INVALID_ARGUMENT", fields: ["page.page_token"] });
  });

  it("refuses the application's UPDATE, DELETE and TRUNCATE on every audit table", async () => {
    const db = run.service.context.db;
    for (const table of ["referral_audit", "casework_audit"]) {
      // Row triggers fire on rows: the refusal is tested on a table that has some.
      expect((await db.query(`SELECT 1 FROM ${table} LIMIT 1`)).rows).toHaveLength(1);
      for (const statement of [
        `UPDATE ${table} SET action = 'x'`,
        `DELETE FROM ${table}`,
        `TRUNCATE ${table}`,
      ]) {
        await expect(db.exec(statement), statement).rejects.toMatchObject({ code: "42501" });
      }
    }
  });

  it("the verifier finds a row a DBA edited and one a DBA deleted, with table and position", async () => {
    const db = run.service.context.db;
    const clean = await verifyAuditChains(db);
    expect(clean.map((r) => [r.table, r.broken])).toEqual([
      ["casework_audit", undefined],
      ["referral_audit", undefined],
    ]);
    await asDbaBypassingTriggers(
      db,
      `UPDATE casework_audit SET actor_id = 'someone-else'
        WHERE id = (SELECT row_id FROM kopru_audit_chain WHERE audit_table = 'casework_audit' AND position = 1)`,
    );
    await asDbaBypassingTriggers(
      db,
      `DELETE FROM referral_audit
        WHERE id = (SELECT row_id FROM kopru_audit_chain WHERE audit_table = 'referral_audit' AND position = 2)`,
    );
    const broken = await verifyAuditChains(db);
    expect(broken.map((r) => [r.table, r.broken?.kind, r.broken?.position])).toEqual([
      ["casework_audit", "edited", 1],
      ["referral_audit", "missing", 2],
    ]);
  });
});
