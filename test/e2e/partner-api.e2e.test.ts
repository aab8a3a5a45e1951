import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PARTNER_API_AUDIENCE } from "@kopru/identity-client";
import { partnerClientId } from "@kopru/local";
import { waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canary, location } from "../support/access.js";
import { findPersonalData, query } from "../support/database.js";
import type { TestNetwork } from "../support/network.js";
import { type PartnerApi, partnerApi, trustingFetch } from "../support/partner-api.js";
import { registerPerson as registerSomeone, startPartnerNetwork } from "../support/partner-network.js";

// The partner API across the real network: the gateway as its own process over HTTPS, the real
// identity service issuing partner tokens (client credentials, audience urn:kopru:gateway, scopes),
// intake and the receiving services behind it over mutual TLS, each call relayed with the
// partner's own token. Every request goes through the client generated from the gateway's OpenAPI
// document.

let network: TestNetwork;
let ngo: PartnerApi;

const key = () => ({ "idempotency-key": randomUUID() });

beforeAll(async () => {
  network = await startPartnerNetwork();
  ngo = partnerApi(network, network.orgs.ngo);
}, 300_000);

afterAll(async () => {
  await network?.close();
});

async function registerPerson(api: PartnerApi, givenName?: string) {
  const person = await registerSomeone(api, givenName ? { givenName } : {});
  expect(person.location).toBe(`/v1/beneficiaries/${person.beneficiaryId}`);
  return person;
}

async function refer(
  api: PartnerApi,
  person: { beneficiaryId: string; consentId: string },
  reason = "needs counselling",
) {
  return waitFor(
    async () => {
      const created = await api.POST("/v1/referrals", {
        headers: key(),
        body: {
          beneficiaryId: person.beneficiaryId,
          consentId: person.consentId,
          serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
          priority: "PRIORITY_NORMAL",
          purpose: "PURPOSE_SERVICE_PROVISION",
          reasonForReferral: reason,
          explicitTarget: { organisationId: network.orgs.mmccGaziantep },
        },
      });
      if (created.error) throw new Error(JSON.stringify(created.error));
      return created;
    },
    { timeoutMs: 30_000, message: "a referral through the partner API" },
  );
}

describe("the referrer's flow through the partner API", () => {
  it("registers a person, records consent, refers them, and reads the referral back with its ETag", async () => {
    const person = await registerPerson(ngo);
    const created = await refer(ngo, person);
    expect(created.response.status).toBe(201);
    const referral = created.data?.referral;
    expect(referral?.status).toBe("REFERRAL_STATUS_REQUESTED");
    expect(created.response.headers.get("etag")).toBe(`"${referral?.sequence}"`);

    const read = await ngo.GET("/v1/referrals/{referralId}", {
      params: { path: { referralId: referral?.referralId as string } },
    });
    expect(read.data?.referral?.referralId).toBe(referral?.referralId);
    // The MMCC in this network may already have received it, which moves the sequence on.
    expect(Number(read.data?.referral?.sequence)).toBeGreaterThanOrEqual(Number(referral?.sequence));
    expect(read.response.headers.get("etag")).toBe(`"${read.data?.referral?.sequence}"`);

    const listed = await ngo.GET("/v1/referrals", {
      params: {
        query: {
          status: ["REFERRAL_STATUS_REQUESTED", "REFERRAL_STATUS_RECEIVED"],
          beneficiaryId: person.beneficiaryId,
        },
      },
    });
    expect(listed.data?.referrals?.map((r) => r.referralId)).toEqual([referral?.referralId]);

    const timeline = await ngo.GET("/v1/referrals/{referralId}/timeline", {
      params: { path: { referralId: referral?.referralId as string } },
    });
    expect(timeline.data?.transitions?.length).toBeGreaterThan(0);
  });

  it("acts at intake as the partner system, with the gateway recorded as the relay", async () => {
    const person = await registerPerson(ngo);
    const referralId = (await refer(ngo, person)).data?.referral?.referralId as string;
    const audit = await query<{ actor_organisation_id: string; client_id: string; via_client_id: string }>(
      network.database("intake").url,
      "SELECT actor_organisation_id, client_id, via_client_id FROM referral_audit WHERE referral_id = $1",
      [referralId],
    );
    expect(audit.length).toBeGreaterThan(0);
    expect(audit[0]).toMatchObject({
      actor_organisation_id: network.orgs.ngo,
      client_id: partnerClientId(network.orgs.ngo),
      via_client_id: "service-gateway",
    });
    const registered = await query<{ client_id: string; via_client_id: string }>(
      network.database("intake").url,
      "SELECT client_id, via_client_id FROM intake_audit WHERE entity_id = $1",
      [person.beneficiaryId],
    );
    expect(registered[0]).toMatchObject({
      client_id: partnerClientId(network.orgs.ngo),
      via_client_id: "service-gateway",
    });
  });

  it("ranks targets with the reasons for each, and withdrawing the consent cancels the open referral", async () => {
    const person = await registerPerson(ngo);
    const suggested = await ngo.POST("/v1/target-suggestions", {
      body: {
        serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
        beneficiaryId: person.beneficiaryId,
        consentId: person.consentId,
        criteria: { location: location as never, allowWaitlist: true },
      },
    });
    expect(suggested.response.status, JSON.stringify(suggested.error)).toBe(200);
    const candidates = suggested.data?.candidates ?? [];
    expect(candidates.map((c) => c.serviceOffering?.organisationId)).toContain(network.orgs.mmccGaziantep);
    expect(candidates[0]?.reasons?.length).toBeGreaterThan(0);

    const referralId = (await refer(ngo, person)).data?.referral?.referralId as string;
    const withdrawn = await ngo.POST("/v1/consents/{consentId}/withdraw", {
      params: { path: { consentId: person.consentId } },
      headers: key(),
      body: { reason: "CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST", cancelOpenReferrals: true },
    });
    expect(withdrawn.response.status, JSON.stringify(withdrawn.error)).toBe(200);
    expect(withdrawn.data?.consent?.withdrawnAt).toBeDefined();
    await waitFor(
      async () =>
        (await ngo.GET("/v1/referrals/{referralId}", { params: { path: { referralId } } })).data?.referral
          ?.status === "REFERRAL_STATUS_CANCELLED",
      { timeoutMs: 30_000, message: "the referral to be cancelled with its consent" },
    );
  });

  it("refuses a change against a stale ETag (412), and one without If-Match (428), before anything runs", async () => {
    const person = await registerPerson(ngo);
    const referral = (await refer(ngo, person)).data?.referral;
    const referralId = referral?.referralId as string;
    const missing = await ngo.POST("/v1/referrals/{referralId}/cancel", {
      params: { path: { referralId } },
      headers: key(),
      body: { reason: "CANCEL_REASON_NEED_RESOLVED" },
    });
    expect(missing.response.status).toBe(428);
    expect(missing.error?.code).toBe("precondition_required");
    const stale = await ngo.POST("/v1/referrals/{referralId}/cancel", {
      params: { path: { referralId } },
      headers: { ...key(), "if-match": `"${(referral?.sequence ?? 0) + 5}"` },
      body: { reason: "CANCEL_REASON_NEED_RESOLVED" },
    });
    expect(stale.response.status).toBe(412);
    expect(stale.response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const cancelled = await ngo.POST("/v1/referrals/{referralId}/cancel", {
      params: { path: { referralId } },
      headers: { ...key(), "if-match": `"${referral?.sequence}"` },
      body: { reason: "CANCEL_REASON_NEED_RESOLVED" },
    });
    expect(cancelled.response.status).toBe(200);
    // The target confirms the cancellation; its status event brings it back to intake.
    await waitFor(
      async () =>
        (await ngo.GET("/v1/referrals/{referralId}", { params: { path: { referralId } } })).data?.referral
          ?.status === "REFERRAL_STATUS_CANCELLED",
      { timeoutMs: 30_000, message: "the cancellation to come back from the target" },
    );
  });

  it("replays the first answer to a retried Idempotency-Key, refuses the key for another body, and of concurrent duplicates runs one", async () => {
    const person = await registerPerson(ngo);
    const body = {
      beneficiaryId: person.beneficiaryId,
      consentId: person.consentId,
      serviceType: "SERVICE_TYPE_MMCC_COUNSELLING" as const,
      priority: "PRIORITY_NORMAL" as const,
      purpose: "PURPOSE_SERVICE_PROVISION" as const,
      reasonForReferral: "needs counselling",
      explicitTarget: { organisationId: network.orgs.mmccGaziantep },
    };
    const headers = key();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => ngo.POST("/v1/referrals", { headers, body })),
    );
    const ids = new Set(answers.map((a) => a.data?.referral?.referralId));
    expect(answers.map((a) => a.response.status)).toEqual(Array(8).fill(201));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.response.headers.get("idempotent-replayed") === "true")).toHaveLength(7);
    const listed = await ngo.GET("/v1/referrals", {
      params: { query: { beneficiaryId: person.beneficiaryId } },
    });
    expect(listed.data?.referrals).toHaveLength(1);

    const reused = await ngo.POST("/v1/referrals", {
      headers,
      body: { ...body, reasonForReferral: "other" },
    });
    expect(reused.response.status).toBe(422);
    expect(reused.error?.code).toBe("idempotency_key_reused");
    const keyless = await ngo.POST("/v1/referrals", { body });
    expect(keyless.response.status).toBe(400);
    expect(keyless.error?.code).toBe("idempotency_key_missing");
  });

  it("names every invalid field of a bad body, and writes nothing", async () => {
    const marker = canary();
    const bad = await ngo.POST("/v1/beneficiaries", {
      headers: key(),
      body: { givenName: marker, familyName: 7, sex: "SEX_ROBOT", nickname: "x" } as never,
    });
    expect(bad.response.status).toBe(400);
    expect(bad.error?.code).toBe("invalid_argument");
    expect(bad.error?.invalid_params?.map((p) => p.name).sort()).toEqual(["familyName", "nickname", "sex"]);
    const service = await ngo.POST("/v1/beneficiaries", {
      headers: key(),
      body: { givenName: "", familyName: "" } as never,
    });
    expect(service.response.status).toBe(400);
    expect(service.error?.invalid_params?.map((p) => p.name)).toContain("givenName");
  });

  it("answers 401 without a token, 403 without the scope, 404 for another organisation's referral", async () => {
    const person = await registerPerson(ngo);
    const referralId = (await refer(ngo, person)).data?.referral?.referralId as string;
    const anonymous = partnerApi(network, network.orgs.ngo, { authorization: null });
    const noToken = await anonymous.GET("/v1/referrals/{referralId}", { params: { path: { referralId } } });
    expect(noToken.response.status).toBe(401);
    expect(noToken.response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const forged = partnerApi(network, network.orgs.ngo, { authorization: "Bearer not.a.token" });
    expect((await forged.GET("/v1/referrals", {})).response.status).toBe(401);

    const readOnly = partnerApi(network, network.orgs.ngo, { scopes: ["referrals:read"] });
    expect(
      (await readOnly.GET("/v1/referrals/{referralId}", { params: { path: { referralId } } })).response
        .status,
    ).toBe(200);
    const write = await readOnly.POST("/v1/referrals/{referralId}/cancel", {
      params: { path: { referralId } },
      headers: { ...key(), "if-match": '"1"' },
      body: { reason: "CANCEL_REASON_NEED_RESOLVED" },
    });
    expect(write.response.status).toBe(403);
    expect(write.error?.code).toBe("insufficient_scope");

    const other = partnerApi(network, network.orgs.ngoOther);
    const foreign = await other.GET("/v1/referrals/{referralId}", { params: { path: { referralId } } });
    expect(foreign.response.status).toBe(404);
  });
});

type OpenApi = {
  paths: Record<string, Record<string, { operationId: string; security?: { oauth2: string[] }[] }>>;
};
const committed = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve("@kopru/contracts/openapi/partner-api.json"), "utf8"),
) as OpenApi;

describe("every route of the partner API", () => {
  const operations = () =>
    Object.entries(committed.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        path,
        method: method.toUpperCase(),
        operation,
      })),
    );
  const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
    const url = `${network.gatewayUrl()}${path.replace(/\{[^}]+\}/g, randomUUID())}`;
    const response = await trustingFetch(network.pki.caFile)(
      new Request(url, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(method === "POST"
            ? { "content-type": "application/json", "idempotency-key": randomUUID() }
            : {}),
          "if-match": '"1"',
        },
        ...(method === "POST" ? { body: JSON.stringify(body ?? {}) } : {}),
      }),
    );
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      body: (await response.json()) as { code?: string; detail?: string },
    };
  };

  it("serves the document the contracts hold, every operation needing a scope", async () => {
    const served = (await (
      await trustingFetch(network.pki.caFile)(new Request(`${network.gatewayUrl()}/openapi.json`))
    ).json()) as OpenApi;
    expect(served.paths).toEqual(committed.paths);
    for (const { path, method, operation } of operations()) {
      expect(operation.security?.[0]?.oauth2?.length, `${method} ${path}`).toBe(1);
    }
  });

  it("answers 401 problem details to every operation without a token, and with a token that does not verify", async () => {
    for (const { path, method } of operations()) {
      const anonymous = await call(method, path, undefined);
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      expect(anonymous.type).toMatch(/^application\/problem\+json/);
      expect(anonymous.body.code).toBe("unauthenticated");
      const forged = await call(method, path, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
      expect(forged.status, `${method} ${path}`).toBe(401);
    }
  });

  it("answers 403 insufficient_scope to every operation for a partner system registered without scopes", async () => {
    const scopeless = await network.identity.partnerWithScopes(network.orgs.ngo, []);
    const token = await scopeless.token(PARTNER_API_AUDIENCE);
    for (const { path, method, operation } of operations()) {
      const answer = await call(method, path, token);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.code).toBe("insufficient_scope");
      expect(answer.body.detail).toContain(operation.security?.[0]?.oauth2?.[0]);
    }
  });

  it("answers 404 for another organisation's person, consent and referral, as for one that does not exist", async () => {
    const person = await registerPerson(ngo);
    const referralId = (await refer(ngo, person)).data?.referral?.referralId as string;
    const other = partnerApi(network, network.orgs.ngoOther);
    const beneficiary = { params: { path: { beneficiaryId: person.beneficiaryId } } };
    const referral = { params: { path: { referralId } } };
    const answers = [
      (await other.GET("/v1/beneficiaries/{beneficiaryId}", beneficiary)).response.status,
      (
        await other.POST("/v1/beneficiaries/{beneficiaryId}/screenings", {
          ...beneficiary,
          headers: key(),
          body: { servicesNeeded: ["SERVICE_TYPE_MMCC_COUNSELLING"] },
        })
      ).response.status,
      (
        await other.POST("/v1/consents/{consentId}/withdraw", {
          params: { path: { consentId: person.consentId } },
          headers: key(),
          body: { reason: "CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST" },
        })
      ).response.status,
      (await other.GET("/v1/referrals/{referralId}", referral)).response.status,
      (await other.GET("/v1/referrals/{referralId}/timeline", referral)).response.status,
      (
        await other.POST("/v1/referrals/{referralId}/cancel", {
          ...referral,
          headers: { ...key(), "if-match": '"1"' },
          body: { reason: "CANCEL_REASON_NEED_RESOLVED" },
        })
      ).response.status,
    ];
    expect(answers).toEqual([404, 404, 404, 404, 404, 404]);
    // Its own list does not hold it either.
    const listed = await other.GET("/v1/referrals", {
      params: { query: { beneficiaryId: person.beneficiaryId } },
    });
    expect(listed.data?.referrals ?? []).toEqual([]);
  });
});

describe("personal data through the partner API", () => {
  it("leaves a person's name nowhere in the gateway: not in its logs, not in its tables beyond the expiring idempotency records", async () => {
    const name = canary();
    const person = await registerPerson(ngo, name);
    await refer(ngo, person, `reason ${name}`);
    const read = await ngo.GET("/v1/beneficiaries/{beneficiaryId}", {
      params: { path: { beneficiaryId: person.beneficiaryId } },
    });
    expect(read.data?.beneficiary?.givenName).toBe(name);
    expect(network.logs("gateway")).not.toContain(name);
    expect(network.logs("gateway")).toContain("http request");
    const hits = await findPersonalData(network.database("gateway").url, [name]);
    expect(
      hits.every((hit) => hit.startsWith("idempotency_records")),
      hits.join("\n"),
    ).toBe(true);
  });
});
