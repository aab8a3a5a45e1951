// Creating referrals through the partner API, measured against what PostgreSQL alone allows.
//
// Starts a Köprü network as the e2e tests do (each service its own process on its own PostgreSQL
// database, identity issuing the partner's client-credentials token, the gateway over HTTPS,
// mutual TLS behind it), registers one synthetic person per client, then for each concurrency
// level runs that many clients, each POSTing /v1/referrals back to back with a fresh
// Idempotency-Key for BENCH_SECONDS. In the same run and at the same concurrency it measures the
// raw bound: one referral row plus one outbox row committed in one transaction directly on
// PostgreSQL (a pool as large as the concurrency), which is the least any create-referral must write.
//
//   node --import tsx --conditions=kopru-source test/bench/partner-api.ts
//   knobs: BENCH_SECONDS (10) BENCH_LEVELS (8,16,32,64) BENCH_WARMUP_SECONDS (2)
//          BENCH_CPU_PROFILE_DIR: every service writes a V8 CPU profile there when it stops

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { appendToOutbox, busMigrations } from "@kopru/bus";
import { Disaggregation, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { EVENTS } from "@kopru/events";
import { PARTNER_API_AUDIENCE } from "@kopru/identity-client";
import { type ReferralRecord, referralMigrations, referralStore } from "@kopru/referral";
import { migrate, openDatabase } from "@kopru/storage";
import { createTestDatabase } from "@kopru/testing";
import { Agent, request } from "undici";
import { consentFor, location, partnerSystem } from "../support/access.js";
import { GAZIANTEP, seedDirectoryAndWait } from "../support/clients.js";
import { TestNetwork } from "../support/network.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const LEVELS = (process.env.BENCH_LEVELS ?? "8,16,32,64").split(",").map(Number);

interface Measure {
  done: number;
  failed: number;
  seconds: number;
  latencies: number[];
}

const perSecond = (m: Measure) => m.done / m.seconds;
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** `clients` loops calling `once` back to back: a warm-up, then BENCH_SECONDS measured. */
async function run(clients: number, once: (client: number) => Promise<boolean>): Promise<Measure> {
  const measure: Measure = { done: 0, failed: 0, seconds: SECONDS, latencies: [] };
  let measuring = false;
  let stop = false;
  const loops = Array.from({ length: clients }, async (_, client) => {
    while (!stop) {
      const started = performance.now();
      const ok = await once(client).catch(() => false);
      if (!measuring) continue;
      if (ok) {
        measure.done += 1;
        measure.latencies.push(performance.now() - started);
      } else measure.failed += 1;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, WARMUP * 1000));
  measuring = true;
  const from = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  measuring = false;
  measure.seconds = (performance.now() - from) / 1000;
  stop = true;
  await Promise.all(loops);
  measure.latencies.sort((a, b) => a - b);
  return measure;
}

// ------------------------------------------------------------------ the network

console.error(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
const profileDir = process.env.BENCH_CPU_PROFILE_DIR;
const network = await TestNetwork.create(
  undefined,
  profileDir ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` } : {},
);
try {
  await network.start("coordination");
  await network.start("intake", "municipality");
  await network.start("gateway");
  await seedDirectoryAndWait(network);

  const base = network.gatewayUrl();
  const maxClients = Math.max(...LEVELS);
  const agent = new Agent({ connect: { ca: readFileSync(network.pki.caFile) }, connections: maxClients });
  let token = await network.tokens(partnerSystem(network.orgs.ngo), PARTNER_API_AUDIENCE);

  async function post(
    path: string,
    body: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const answer = await request(`${base}${path}`, {
      method: "POST",
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "idempotency-key": randomUUID(),
      },
      body: JSON.stringify(body),
    });
    return { status: answer.statusCode, json: (await answer.body.json()) as Record<string, unknown> };
  }

  // One synthetic person per client, registered, consented and screened through the API itself.
  const people: { beneficiaryId: string; consentId: string }[] = [];
  for (let i = 0; i < maxClients; i += 1) {
    const registered = await post("/v1/beneficiaries", {
      givenName: `Bench${i}`,
      familyName: "Synthetic-Person",
      sex: "SEX_FEMALE",
      birthYear: 1990,
      nationality: "SY",
      legalStatus: "LEGAL_STATUS_TEMPORARY_PROTECTION",
      residence: location,
      phoneNumber: "+905550009999",
      preferredLanguage: "ar",
      safeToContact: true,
    });
    const beneficiaryId = (registered.json.beneficiary as { beneficiaryId: string }).beneficiaryId;
    const {
      requestId: _r,
      beneficiaryId: _b,
      ...consent
    } = consentFor(beneficiaryId) as Record<string, unknown>;
    const recorded = await post(`/v1/beneficiaries/${beneficiaryId}/consents`, consent);
    await post(`/v1/beneficiaries/${beneficiaryId}/screenings`, {
      servicesNeeded: ["SERVICE_TYPE_MMCC_COUNSELLING"],
      safeToContact: true,
      preferredLanguage: "ar",
      needsSummary: "Needs counselling (synthetic).",
    });
    people.push({ beneficiaryId, consentId: (recorded.json.consent as { consentId: string }).consentId });
  }
  const target = network.orgs.mmccGaziantep;
  const createReferral = async (client: number) => {
    const person = people[client] as { beneficiaryId: string; consentId: string };
    const answer = await post("/v1/referrals", {
      beneficiaryId: person.beneficiaryId,
      consentId: person.consentId,
      serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
      priority: "PRIORITY_NORMAL",
      purpose: "PURPOSE_SERVICE_PROVISION",
      reasonForReferral: "Needs counselling (synthetic).",
      explicitTarget: { organisationId: target },
    });
    if (answer.status !== 201)
      console.error(`create-referral answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    return answer.status === 201;
  };
  // The first referrals wait for nothing: make sure the path works before measuring it.
  if (!(await createReferral(0))) throw new Error("create-referral does not work");

  // ------------------------------------------------------------------ the raw bound

  const rawDatabase = await createTestDatabase({ prefix: "bench_raw" });
  const raw = await openDatabase({ service: "bench-raw", url: rawDatabase.url, poolSize: maxClients });
  await migrate(raw, [busMigrations, referralMigrations]);
  const template = ReferralPackage.fromPartial({
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    referrer: { organisationId: network.orgs.ngo },
    target: { organisationId: target },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_NORMAL,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    requestedBy: {
      kind: ActorKind.ACTOR_KIND_PARTNER_CLIENT,
      organisationId: network.orgs.ngo,
      actorId: "",
      role: 0,
    },
    reasonForReferral: "Needs counselling (synthetic).",
    disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: GAZIANTEP },
    identity: { givenName: "Bench", familyName: "Synthetic-Person" },
    needs: { needsSummary: "synthetic" },
  });
  const rawInsert = async () => {
    const referralId = randomUUID();
    const now = new Date();
    const pkg: ReferralPackage = {
      ...template,
      referralId,
      rootReferralId: referralId,
      beneficiaryRef: randomUUID(),
      consentId: randomUUID(),
      requestedAt: now,
    };
    const record: ReferralRecord = {
      referralId,
      role: "referrer",
      rootReferralId: referralId,
      parentReferralId: undefined,
      origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
      beneficiaryRef: pkg.beneficiaryRef,
      referrerOrganisationId: network.orgs.ngo,
      targetOrganisationId: target,
      serviceOfferingId: undefined,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_NORMAL,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      consentId: pkg.consentId,
      status: ReferralStatus.REFERRAL_STATUS_REQUESTED,
      sequence: 1,
      requestedAt: now,
      respondBy: new Date(now.getTime() + 14 * 86_400_000),
      updatedAt: now,
      outcomes: [],
      childReferralIds: [],
      declineReason: 0,
      onHoldReason: 0,
      notCompletedReason: 0,
      cancelReason: 0,
      redirectReason: 0,
      cancellationRequestedAt: undefined,
      disaggregation: pkg.disaggregation ?? Disaggregation.fromPartial({}),
      package: pkg,
    };
    await raw.transaction(async (tx) => {
      await referralStore.insert(tx, record);
      await appendToOutbox(
        tx,
        { organisationId: network.orgs.ngo, service: "intake" },
        {
          definition: EVENTS.referralRequested,
          payload: { referralPackage: pkg },
          aggregate: { type: "referral", id: referralId, sequence: 1 },
        },
      );
    });
    return true;
  };

  // ------------------------------------------------------------------ the levels

  const rows: string[] = [];
  for (const clients of LEVELS) {
    token = await network.tokens(partnerSystem(network.orgs.ngo), PARTNER_API_AUDIENCE);
    const bound = await run(clients, () => rawInsert());
    const api = await run(clients, createReferral);
    const line = {
      clients,
      rawPerSecond: perSecond(bound),
      rawP50: percentile(bound.latencies, 50),
      rawP99: percentile(bound.latencies, 99),
      apiPerSecond: perSecond(api),
      apiP50: percentile(api.latencies, 50),
      apiP99: percentile(api.latencies, 99),
      apiFailed: api.failed,
      ratio: perSecond(api) / perSecond(bound),
    };
    console.error(JSON.stringify(line));
    rows.push(
      `| ${clients} | ${line.rawPerSecond.toFixed(0)} tx/s | ${line.rawP50.toFixed(1)} / ${line.rawP99.toFixed(1)} | ` +
        `${line.apiPerSecond.toFixed(0)} req/s | ${line.apiP50.toFixed(1)} / ${line.apiP99.toFixed(1)} | ${line.ratio.toFixed(2)} | ${line.apiFailed} |`,
    );
  }
  console.log(
    "| clients | raw bound | raw p50 / p99 ms | REST create-referral | REST p50 / p99 ms | ratio | non-201 |",
  );
  console.log("|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of rows) console.log(row);
  console.error(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  await raw.close();
  await rawDatabase.drop();
  await agent.close();
} finally {
  await network.close();
}
