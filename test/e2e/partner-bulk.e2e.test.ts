import { randomUUID } from "node:crypto";
import { PARTNER_API_AUDIENCE } from "@kopru/identity-client";
import { waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, partnerSystem } from "../support/access.js";
import { query } from "../support/database.js";
import type { TestNetwork } from "../support/network.js";
import { type PartnerApi, partnerApi, trustingFetch } from "../support/partner-api.js";
import { registerPerson, startPartnerNetwork } from "../support/partner-network.js";

// Bulk referrals through the partner API on the real network: a JSON batch and a CSV import, each
// row created at intake on its own (one row's failure never stops another), idempotent per row, and
// every refusal a problem naming the row's field or column.

let network: TestNetwork;
let ngo: PartnerApi;
let person: { beneficiaryId: string; consentId: string };

const key = () => ({ "idempotency-key": randomUUID() });

beforeAll(async () => {
  network = await startPartnerNetwork();
  ngo = partnerApi(network, network.orgs.ngo);
  person = await registerPerson(ngo);
}, 300_000);

afterAll(async () => {
  await network?.close();
});

function referral(reason = "needs counselling (synthetic)") {
  return {
    beneficiaryId: person.beneficiaryId,
    consentId: person.consentId,
    serviceType: "SERVICE_TYPE_MMCC_COUNSELLING" as const,
    priority: "PRIORITY_NORMAL" as const,
    purpose: "PURPOSE_SERVICE_PROVISION" as const,
    reasonForReferral: reason,
    explicitTarget: { organisationId: network.orgs.mmccGaziantep },
  };
}

async function referralCount(): Promise<number> {
  const [row] = await query<{ n: string }>(
    network.database("intake").url,
    "SELECT count(*) AS n FROM referrals",
  );
  return Number(row?.n);
}

/** The CSV import as a partner's script posts it: raw text/csv through the same HTTPS trust. */
async function importCsv(csv: string, options: { key?: string; contentType?: string; url?: string } = {}) {
  const token = await network.tokens(partnerSystem(network.orgs.ngo), PARTNER_API_AUDIENCE);
  const fetch = trustingFetch(network.pki.caFile);
  const response = await fetch(
    new Request(`${network.gatewayUrl()}${options.url ?? "/v1/referrals:import"}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": options.contentType ?? "text/csv",
        "idempotency-key": options.key ?? randomUUID(),
      },
      body: csv,
    }),
  );
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as never as Json,
  };
}

type Json = {
  results?: {
    clientReference?: string;
    status?: number;
    referralId?: string;
    line?: number;
    problem?: { code?: string; invalidParams?: { name: string; reason: string }[] };
  }[];
  code?: string;
  invalid_params?: { name: string; reason: string }[];
};

const HEADER =
  "client_reference,beneficiary_id,consent_id,service_type,priority,purpose,reason_for_referral,target_organisation_id,data_categories";

describe("a batch of referrals", () => {
  it("creates each valid row and answers every row in order, the failing one with its own problem", async () => {
    // The service directory reaches intake asynchronously: the first referral may need a retry.
    await waitFor(
      async () => {
        const probe = await ngo.POST("/v1/referrals", { headers: key(), body: referral() });
        if (probe.error) throw new Error(JSON.stringify(probe.error));
        return true;
      },
      { timeoutMs: 30_000, message: "intake accepting referrals" },
    );
    const secret = canary();
    const before = await referralCount();
    const { data, error, response } = await ngo.POST("/v1/referrals:batch", {
      headers: key(),
      body: {
        referrals: [
          { clientReference: "crm-1", referral: referral(`${secret} first`) },
          { clientReference: "crm-2", referral: { ...referral(), consentId: randomUUID() } },
          { clientReference: "crm-3", referral: referral() },
          { clientReference: "crm-4", referral: {} },
        ],
      },
    });
    expect(error, JSON.stringify(error)).toBeUndefined();
    expect(response.status).toBe(200);
    const results = data?.results ?? [];
    expect(results.map((r) => r.clientReference)).toEqual(["crm-1", "crm-2", "crm-3", "crm-4"]);
    expect(results.map((r) => r.status)).toEqual([201, expect.any(Number), 201, 400]);
    expect(results[1]?.status).toBeGreaterThanOrEqual(400);
    expect(results[1]?.status).toBeLessThan(500);
    expect(results[1]?.problem?.code).toBeTruthy();
    expect(results[3]?.problem?.code).toBe("invalid_argument");
    for (const param of results[3]?.problem?.invalidParams ?? [])
      expect(param.name).toMatch(/^referrals\[3\]\.referral\./);
    expect(await referralCount()).toBe(before + 2);

    const read = await ngo.GET("/v1/referrals/{referralId}", {
      params: { path: { referralId: results[0]?.referralId as string } },
    });
    expect(read.data?.referral?.referralId).toBe(results[0]?.referralId);
    // The MMCC in this network may already have received it by the time it is read back.
    expect(["REFERRAL_STATUS_REQUESTED", "REFERRAL_STATUS_RECEIVED"]).toContain(read.data?.referral?.status);
    expect(network.logs("gateway")).not.toContain(secret);
  });

  it("answers a retried batch as the first time without creating anything again", async () => {
    const headers = key();
    const body = {
      referrals: [
        { clientReference: "retry-1", referral: referral() },
        { clientReference: "retry-2", referral: referral() },
      ],
    };
    const first = await ngo.POST("/v1/referrals:batch", { headers, body });
    expect(first.data?.results?.map((r) => r.status)).toEqual([201, 201]);
    const count = await referralCount();
    const again = await ngo.POST("/v1/referrals:batch", { headers, body });
    expect(again.response.headers.get("idempotent-replayed")).toBe("true");
    expect(again.data).toEqual(first.data);
    expect(await referralCount()).toBe(count);

    // The same key with other rows is another request: refused, nothing created.
    const reused = await ngo.POST("/v1/referrals:batch", {
      headers,
      body: { referrals: [{ clientReference: "retry-3", referral: referral() }] },
    });
    expect(reused.response.status).toBe(422);
    expect(await referralCount()).toBe(count);
  });

  it("takes the largest batch, 500 rows, in one request", async () => {
    const before = await referralCount();
    const rows = Array.from({ length: 500 }, (_, i) => ({
      clientReference: `big-${i}`,
      referral: referral(),
    }));
    const { data, response } = await ngo.POST("/v1/referrals:batch", {
      headers: key(),
      body: { referrals: rows },
    });
    expect(response.status).toBe(200);
    const results = data?.results ?? [];
    expect(results.map((r) => r.clientReference)).toEqual(rows.map((r) => r.clientReference));
    // On a loaded machine the rows the batch had no time for come back 503, not attempted: sent
    // again (a new batch, a new key), they are created, and nothing was created twice.
    const late = results.filter((r) => r.status !== 201);
    for (const result of late)
      expect(result).toMatchObject({ status: 503, problem: { code: "service_unavailable" } });
    expect(await referralCount()).toBe(before + 500 - late.length);
    if (late.length > 0) {
      const again = await ngo.POST("/v1/referrals:batch", {
        headers: key(),
        body: {
          referrals: rows.filter((row) => late.some((r) => r.clientReference === row.clientReference)),
        },
      });
      expect(again.data?.results?.every((r) => r.status === 201)).toBe(true);
    }
    const ids = [...results.map((r) => r.referralId)].filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
    expect(await referralCount()).toBe(before + 500);
  });

  it("refuses a batch whose references repeat, or that is empty or too large, naming the field", async () => {
    const count = await referralCount();
    const repeated = await ngo.POST("/v1/referrals:batch", {
      headers: key(),
      body: {
        referrals: [
          { clientReference: "same", referral: referral() },
          { clientReference: "same", referral: referral() },
        ],
      },
    });
    expect(repeated.response.status).toBe(400);
    expect(repeated.error?.invalid_params?.map((p) => p.name)).toEqual(["referrals[1].clientReference"]);

    const missing = await ngo.POST("/v1/referrals:batch", {
      headers: key(),
      body: { referrals: [{ clientReference: "", referral: referral() }] },
    });
    expect(missing.error?.invalid_params?.map((p) => p.name)).toEqual(["referrals[0].clientReference"]);

    const empty = await ngo.POST("/v1/referrals:batch", { headers: key(), body: { referrals: [] } });
    expect(empty.response.status).toBe(400);
    expect(empty.error?.invalid_params?.map((p) => p.name)).toEqual(["referrals"]);

    const tooMany = await ngo.POST("/v1/referrals:batch", {
      headers: key(),
      body: {
        referrals: Array.from({ length: 501 }, (_, i) => ({
          clientReference: `r${i}`,
          referral: referral(),
        })),
      },
    });
    expect(tooMany.response.status).toBe(400);
    expect(tooMany.error?.invalid_params?.map((p) => p.name)).toEqual(["referrals"]);

    const badEnum = await ngo.POST("/v1/referrals:batch", {
      headers: key(),
      body: {
        referrals: [
          { clientReference: "a", referral: referral() },
          { clientReference: "b", referral: { ...referral(), serviceType: "SERVICE_TYPE_NOPE" as never } },
        ],
      },
    });
    expect(badEnum.response.status).toBe(400);
    expect(badEnum.error?.invalid_params?.map((p) => p.name)).toEqual(["referrals[1].referral.serviceType"]);

    const ownRequestId = await ngo.POST("/v1/referrals:batch", {
      headers: key(),
      body: { referrals: [{ clientReference: "a", referral: { ...referral(), requestId: randomUUID() } }] },
    });
    expect(ownRequestId.error?.invalid_params?.map((p) => p.name)).toEqual([
      "referrals[0].referral.requestId",
    ]);
    expect(await referralCount()).toBe(count);
  });

  it("needs the referrals:write scope and a token", async () => {
    const readOnly = partnerApi(network, network.orgs.ngo, { scopes: ["referrals:read"] });
    const body = { referrals: [{ clientReference: "x", referral: referral() }] };
    const refused = await readOnly.POST("/v1/referrals:batch", { headers: key(), body });
    expect(refused.response.status).toBe(403);
    expect(refused.error?.code).toBe("insufficient_scope");
    const anonymous = partnerApi(network, network.orgs.ngo, { authorization: null });
    expect((await anonymous.POST("/v1/referrals:batch", { headers: key(), body })).response.status).toBe(401);
  });
});

describe("a CSV import", () => {
  it("creates a referral per valid row and names the column and line of each invalid one", async () => {
    const secret = canary();
    const target = network.orgs.mmccGaziantep;
    const { beneficiaryId, consentId } = person;
    const csv = [
      HEADER,
      `csv-1,${beneficiaryId},${consentId},SERVICE_TYPE_MMCC_COUNSELLING,PRIORITY_NORMAL,PURPOSE_SERVICE_PROVISION,"${secret}, rent",${target},`,
      `csv-2,${beneficiaryId},${consentId},COUNSELLING,PRIORITY_NORMAL,,reason,${target},`,
      `csv-3,,${consentId},SERVICE_TYPE_MMCC_COUNSELLING,,,reason,${target},DATA_CATEGORY_NOPE`,
      `csv-4,${beneficiaryId},${randomUUID()},SERVICE_TYPE_MMCC_COUNSELLING,,PURPOSE_SERVICE_PROVISION,reason,${target},`,
    ].join("\r\n");
    const before = await referralCount();
    const answer = await importCsv(csv);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const results = answer.body.results ?? [];
    expect(results.map((r) => [r.clientReference, r.line])).toEqual([
      ["csv-1", 2],
      ["csv-2", 3],
      ["csv-3", 4],
      ["csv-4", 5],
    ]);
    expect(results[0]?.status).toBe(201);
    expect(results[1]?.status).toBe(400);
    expect(results[1]?.problem?.invalidParams?.map((p) => p.name)).toEqual(["service_type"]);
    expect(results[2]?.problem?.invalidParams?.map((p) => p.name)).toEqual([
      "beneficiary_id",
      "data_categories",
    ]);
    expect(results[3]?.status).toBeGreaterThanOrEqual(400);
    expect(results[3]?.status).toBeLessThan(500);
    expect(await referralCount()).toBe(before + 1);
    expect(JSON.stringify(answer.body)).not.toContain(secret);
    expect(network.logs("gateway")).not.toContain(secret);

    const replayed = await importCsv(csv, { key: "same-import" });
    const again = await importCsv(csv, { key: "same-import" });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(replayed.body);
    expect(await referralCount()).toBe(before + 2);
  });

  it("refuses a file it cannot read as a whole, naming the column or the line", async () => {
    const count = await referralCount();
    const unknown = await importCsv(`${HEADER},shoe_size\r\nr1,a,b,SERVICE_TYPE_MMCC_COUNSELLING,,,x,t,,42`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.invalid_params?.map((p) => p.name)).toEqual(["shoe_size"]);

    const missing = await importCsv("client_reference,beneficiary_id\r\nr1,a");
    expect(missing.status).toBe(400);
    expect(missing.body.invalid_params?.map((p) => p.name)).toEqual([
      "consent_id",
      "service_type",
      "target_organisation_id",
    ]);

    const ragged = await importCsv(`${HEADER}\r\nr1,a,b\r\n`);
    expect(ragged.status).toBe(400);
    expect(ragged.body.invalid_params?.[0]?.reason).toMatch(/line 2/);

    const repeated = await importCsv(
      `${HEADER}\r\nr1,a,b,SERVICE_TYPE_MMCC_COUNSELLING,,,x,t,\r\nr1,a,b,SERVICE_TYPE_MMCC_COUNSELLING,,,x,t,`,
    );
    expect(repeated.status).toBe(400);
    expect(repeated.body.invalid_params).toEqual([
      { name: "client_reference", reason: "line 3 repeats the reference of line 2" },
    ]);

    expect((await importCsv("")).status).toBe(400);
    expect((await importCsv(HEADER)).status).toBe(400);
    expect(await referralCount()).toBe(count);
  });

  it("takes CSV only where a route reads it, and JSON not at the import", async () => {
    const csvAtJson = await importCsv(HEADER, { url: "/v1/referrals" });
    expect(csvAtJson.status).toBe(415);
    const jsonAtImport = await importCsv("{}", { contentType: "application/json" });
    expect(jsonAtImport.status).toBe(415);
  });
});
