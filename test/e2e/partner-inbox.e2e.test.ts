import { randomUUID } from "node:crypto";
import { waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSENTED_CATEGORIES, canary } from "../support/access.js";
import type { TestNetwork } from "../support/network.js";
import { type PartnerApi, partnerApi, staffApi } from "../support/partner-api.js";
import { registerPerson, startPartnerNetwork } from "../support/partner-network.js";

// The receiving side of the partner API across the real network: a referral made through the
// gateway by an NGO's system reaches the Gaziantep MMCC (held by the municipality process), whose
// own system lists it, reads its package and walks it through every step — always with If-Match,
// always with its own token relayed to the municipality, which applies the state machine, roles
// and audit. Batches act on many referrals, each on its own. Coordination's figures come from
// its read model, fed by the same events.

let network: TestNetwork;
/** The referrer's system. */
let ngo: PartnerApi;
/** The receiving MMCC's system. */
let mmcc: PartnerApi;
/** Another MMCC, served by the same process: it must never see the first one's referrals. */
let kilis: PartnerApi;
let referralsMade = 0;

const key = () => ({ "idempotency-key": randomUUID() });
const etag = (sequence: number | undefined) => `"${sequence}"`;
const path = (referralId: string) => ({ path: { referralId } });
/** The ids of a page of the inbox (proto3 JSON leaves an empty list out). */
const idsOf = (answer: { data?: { referrals?: { referralId?: string }[] } }) =>
  (answer.data?.referrals ?? []).map((r) => r.referralId);

beforeAll(async () => {
  // Two MMCCs in the directory: a referral can be redirected from one to the other.
  network = await startPartnerNetwork({ services: ["intake", "municipality", "ecm"], candidates: 2 });
  ngo = partnerApi(network, network.orgs.ngo);
  mmcc = partnerApi(network, network.orgs.mmccGaziantep);
  kilis = partnerApi(network, network.orgs.mmccKilis);
}, 300_000);

afterAll(async () => {
  await network?.close();
});

/** A person registered by the NGO with consent, referred to the Gaziantep MMCC. */
async function referToMmcc(options: { categories?: readonly string[] } = {}) {
  const { beneficiaryId, consentId } = await registerPerson(ngo, {
    servicesNeeded: ["SERVICE_TYPE_MMCC_COUNSELLING", "SERVICE_TYPE_ECM_CASH"],
  });
  const created = await waitFor(
    async () => {
      const answer = await ngo.POST("/v1/referrals", {
        headers: key(),
        body: {
          beneficiaryId,
          consentId,
          serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
          priority: "PRIORITY_NORMAL",
          purpose: "PURPOSE_SERVICE_PROVISION",
          reasonForReferral: "needs counselling (synthetic)",
          explicitTarget: { organisationId: network.orgs.mmccGaziantep },
          dataCategories: (options.categories ?? ["DATA_CATEGORY_IDENTITY"]) as never,
        },
      });
      if (answer.error) throw new Error(JSON.stringify(answer.error));
      return answer;
    },
    { timeoutMs: 30_000, message: "a referral through the partner API" },
  );
  referralsMade++;
  const referralId = created.data?.referral?.referralId as string;
  // The municipality records receipt when the request reaches it.
  const received = await waitFor(
    async () => {
      const read = await mmcc.GET("/v1/inbox/{referralId}", { params: path(referralId) });
      return read.data?.referral?.status === "REFERRAL_STATUS_RECEIVED" ? read : undefined;
    },
    { timeoutMs: 60_000, message: "the referral never reached the MMCC's inbox" },
  );
  return { referralId, beneficiaryId, consentId, sequence: received.data?.referral?.sequence as number };
}

describe("the receiving partner's inbox through the partner API", () => {
  it("lists the referrals made to the organisation with filters, and reads one with its package and ETag", async () => {
    const { referralId, sequence } = await referToMmcc();

    const listed = await mmcc.GET("/v1/inbox", {
      params: {
        query: { status: ["REFERRAL_STATUS_RECEIVED"], serviceType: ["SERVICE_TYPE_MMCC_COUNSELLING"] },
      },
    });
    expect(listed.response.status).toBe(200);
    expect(idsOf(listed)).toContain(referralId);
    const otherService = await mmcc.GET("/v1/inbox", {
      params: { query: { serviceType: ["SERVICE_TYPE_ECM_CASH"] } },
    });
    expect(idsOf(otherService)).not.toContain(referralId);
    const urgentOnly = await mmcc.GET("/v1/inbox", {
      params: { query: { priority: ["PRIORITY_EMERGENCY"] } },
    });
    expect(idsOf(urgentOnly)).not.toContain(referralId);
    const overdue = await mmcc.GET("/v1/inbox", {
      params: { query: { overdueOnly: true, followUpOverdueOnly: false } },
    });
    expect(idsOf(overdue)).not.toContain(referralId);
    const paged = await mmcc.GET("/v1/inbox", { params: { query: { pageSize: 1 } } });
    expect(paged.data?.referrals).toHaveLength(1);
    const since = await mmcc.GET("/v1/inbox", {
      params: { query: { updatedSince: new Date(Date.now() - 3_600_000).toISOString() } },
    });
    expect(since.response.status).toBe(200);

    const read = await mmcc.GET("/v1/inbox/{referralId}", { params: path(referralId) });
    expect(read.response.status).toBe(200);
    expect(read.response.headers.get("etag")).toBe(etag(sequence));
    expect(read.data?.referral?.referrer?.organisationId).toBe(network.orgs.ngo);
    expect(read.data?.referralPackage?.sharedDataCategories).toContain("DATA_CATEGORY_IDENTITY");

    // The filters are the contract's values only, named when wrong.
    const bad = await mmcc.GET("/v1/inbox", {
      params: { query: { status: ["REFERRAL_STATUS_SOMEWHERE"] as never, updatedSince: "yesterday" } },
    });
    expect(bad.response.status).toBe(400);
    const names = bad.error?.invalid_params?.map((p) => p.name).join(" ");
    expect(names).toMatch(/status/);
    expect(names).toMatch(/updatedSince/);
    const notUuid = await mmcc.GET("/v1/inbox/{referralId}", { params: path("not-a-referral") });
    expect(notUuid.response.status).toBe(400);
    expect(notUuid.error?.invalid_params?.[0]?.name).toMatch(/referralId/);
  });

  it("acknowledges, accepts, starts, completes and revises the outcome, each behind If-Match", async () => {
    const { referralId, sequence } = await referToMmcc();

    const acknowledged = await mmcc.POST("/v1/inbox/{referralId}/acknowledge", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(sequence) },
    });
    expect(acknowledged.response.status).toBe(200);
    expect(acknowledged.data?.referral?.status).toBe("REFERRAL_STATUS_RECEIVED");

    // Not yet accepted: it cannot start (409, the state machine's code).
    const early = await mmcc.POST("/v1/inbox/{referralId}/start", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(sequence) },
    });
    expect(early.response.status).toBe(409);
    expect(early.error?.code).toBe("transition_not_allowed");

    const missing = await mmcc.POST("/v1/inbox/{referralId}/accept", {
      params: path(referralId),
      headers: key(),
    });
    expect(missing.response.status).toBe(428);
    expect(missing.error?.code).toBe("precondition_required");
    const stale = await mmcc.POST("/v1/inbox/{referralId}/accept", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(sequence - 1) },
    });
    expect(stale.response.status).toBe(412);
    expect(stale.error?.code).toBe("precondition_failed");
    const malformed = await mmcc.POST("/v1/inbox/{referralId}/accept", {
      params: path(referralId),
      headers: { ...key(), "if-match": "four" },
    });
    expect(malformed.response.status).toBe(400);
    expect(malformed.error?.invalid_params?.[0]?.name).toBe("If-Match");

    const accepted = await mmcc.POST("/v1/inbox/{referralId}/accept", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(sequence) },
    });
    expect(accepted.response.status).toBe(200);
    expect(accepted.data?.referral?.status).toBe("REFERRAL_STATUS_ACCEPTED");
    const acceptedSequence = accepted.data?.referral?.sequence as number;
    expect(accepted.response.headers.get("etag")).toBe(etag(acceptedSequence));

    const started = await mmcc.POST("/v1/inbox/{referralId}/start", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(acceptedSequence) },
    });
    expect(started.data?.referral?.status).toBe("REFERRAL_STATUS_IN_PROGRESS");
    const startedSequence = started.data?.referral?.sequence as number;

    const noOutcome = await mmcc.POST("/v1/inbox/{referralId}/complete", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(startedSequence) },
      body: {} as never,
    });
    expect(noOutcome.response.status).toBe(400);
    expect(noOutcome.error?.invalid_params?.map((p) => p.name)).toEqual(["outcomeCodes"]);
    const wrongCode = await mmcc.POST("/v1/inbox/{referralId}/complete", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(startedSequence) },
      body: { outcomeCodes: ["OUTCOME_CODE_TEA"] as never },
    });
    expect(wrongCode.response.status).toBe(400);
    expect(wrongCode.error?.invalid_params?.[0]?.name).toBe("outcomeCodes[0]");
    const completed = await mmcc.POST("/v1/inbox/{referralId}/complete", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(startedSequence) },
      body: { outcomeCodes: ["OUTCOME_CODE_SERVICE_PROVIDED_FULL"] },
    });
    expect(completed.response.status, JSON.stringify(completed.error)).toBe(200);
    expect(completed.data?.referral?.status).toBe("REFERRAL_STATUS_COMPLETED");

    const revised = await mmcc.POST("/v1/inbox/{referralId}/outcome", {
      params: path(referralId),
      headers: key(),
      body: {
        outcomeCodes: ["OUTCOME_CODE_SERVICE_PROVIDED_FULL", "OUTCOME_CODE_COUNSELLING_SESSIONS_HELD"],
      },
    });
    expect(revised.response.status, JSON.stringify(revised.error)).toBe(200);
    expect(revised.data?.referral?.outcomeCodes).toEqual(
      expect.arrayContaining([
        "OUTCOME_CODE_SERVICE_PROVIDED_FULL",
        "OUTCOME_CODE_COUNSELLING_SESSIONS_HELD",
      ]),
    );

    // The referrer sees the same story at intake.
    await waitFor(
      async () =>
        (await ngo.GET("/v1/referrals/{referralId}", { params: path(referralId) })).data?.referral?.status ===
        "REFERRAL_STATUS_COMPLETED",
      { timeoutMs: 30_000, message: "the completion to reach the referrer" },
    );
  });

  it("declines with a reason, puts on hold, and reports an accepted referral not completed", async () => {
    const declinedOne = await referToMmcc();
    // The internal note stays in the MMCC's own records: never in a log, never at the referrer.
    const note = canary();
    const noReason = await mmcc.POST("/v1/inbox/{referralId}/decline", {
      params: path(declinedOne.referralId),
      headers: { ...key(), "if-match": etag(declinedOne.sequence) },
      body: { internalNote: "no reason given" } as never,
    });
    expect(noReason.response.status).toBe(400);
    expect(noReason.error?.invalid_params?.map((p) => p.name)).toEqual(["reason"]);
    const declined = await mmcc.POST("/v1/inbox/{referralId}/decline", {
      params: path(declinedOne.referralId),
      headers: { ...key(), "if-match": etag(declinedOne.sequence) },
      body: { reason: "DECLINE_REASON_NO_CAPACITY", internalNote: note },
    });
    expect(declined.response.status, JSON.stringify(declined.error)).toBe(200);
    expect(declined.data?.referral?.status).toBe("REFERRAL_STATUS_DECLINED");
    const atReferrer = await waitFor(
      async () => {
        const read = await ngo.GET("/v1/referrals/{referralId}", { params: path(declinedOne.referralId) });
        return read.data?.referral?.status === "REFERRAL_STATUS_DECLINED" ? read : undefined;
      },
      { timeoutMs: 30_000, message: "the decline to reach the referrer" },
    );
    expect(JSON.stringify(atReferrer.data)).not.toContain(note);
    for (const name of ["gateway", "municipality", "intake"] as const)
      expect(network.logs(name), `${name} logs`).not.toContain(note);
    // Declined is final: accepting it now is a conflict, not a success.
    const late = await mmcc.POST("/v1/inbox/{referralId}/accept", {
      params: path(declinedOne.referralId),
      headers: { ...key(), "if-match": etag(declined.data?.referral?.sequence) },
    });
    expect(late.response.status).toBe(409);

    const held = await referToMmcc();
    const onHold = await mmcc.POST("/v1/inbox/{referralId}/hold", {
      params: path(held.referralId),
      headers: { ...key(), "if-match": etag(held.sequence) },
      body: {
        reason: "ON_HOLD_REASON_CAPACITY_FULL",
        reviewBy: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      },
    });
    expect(onHold.response.status, JSON.stringify(onHold.error)).toBe(200);
    expect(onHold.data?.referral?.status).toBe("REFERRAL_STATUS_ON_HOLD");

    const unserved = await referToMmcc();
    const accepted = await mmcc.POST("/v1/inbox/{referralId}/accept", {
      params: path(unserved.referralId),
      headers: { ...key(), "if-match": etag(unserved.sequence) },
    });
    const notCompleted = await mmcc.POST("/v1/inbox/{referralId}/not-completed", {
      params: path(unserved.referralId),
      headers: { ...key(), "if-match": etag(accepted.data?.referral?.sequence) },
      body: { reason: "NOT_COMPLETED_REASON_BENEFICIARY_UNREACHABLE" },
    });
    expect(notCompleted.response.status, JSON.stringify(notCompleted.error)).toBe(200);
    expect(notCompleted.data?.referral?.status).toBe("REFERRAL_STATUS_NOT_COMPLETED");
  });

  it("redirects a referral to a better-placed partner, and refers the person onward while it stays open", async () => {
    const redirected = await referToMmcc();
    const noTarget = await mmcc.POST("/v1/inbox/{referralId}/redirect", {
      params: path(redirected.referralId),
      headers: { ...key(), "if-match": etag(redirected.sequence) },
      body: { reason: "REDIRECT_REASON_BETTER_PLACED_PARTNER", consentId: redirected.consentId } as never,
    });
    expect(noTarget.response.status).toBe(400);
    expect(noTarget.error?.invalid_params?.map((p) => p.name)).toEqual(["targetOrganisationId"]);
    const redirect = await mmcc.POST("/v1/inbox/{referralId}/redirect", {
      params: path(redirected.referralId),
      headers: { ...key(), "if-match": etag(redirected.sequence) },
      // No serviceType: the new referral keeps the original's.
      body: {
        targetOrganisationId: network.orgs.mmccKilis,
        reason: "REDIRECT_REASON_BETTER_PLACED_PARTNER",
        consentId: redirected.consentId,
      },
    });
    expect(redirect.response.status, JSON.stringify(redirect.error)).toBe(200);
    expect(redirect.data?.childReferral?.serviceType).toBe("SERVICE_TYPE_MMCC_COUNSELLING");
    expect(redirect.data?.referral?.status).toBe("REFERRAL_STATUS_REDIRECTED");
    expect(redirect.response.headers.get("etag")).toBe(etag(redirect.data?.referral?.sequence));
    const childId = redirect.data?.childReferral?.referralId as string;
    expect(childId).toBeTruthy();
    // The new target's own system finds the child in its inbox.
    await waitFor(
      async () =>
        (await kilis.GET("/v1/inbox/{referralId}", { params: path(childId) })).response.status === 200,
      { timeoutMs: 60_000, message: "the redirected referral to reach Kilis" },
    );

    // What the MMCC passes on must be what it received: the whole consented package here.
    const open = await referToMmcc({ categories: CONSENTED_CATEGORIES });
    const onward = await mmcc.POST("/v1/inbox/{referralId}/onward", {
      params: path(open.referralId),
      headers: key(),
      body: {
        targetOrganisationId: network.orgs.ecm,
        serviceType: "SERVICE_TYPE_ECM_CASH",
        priority: "PRIORITY_NORMAL",
        purpose: "PURPOSE_SERVICE_PROVISION",
        consentId: open.consentId,
        reasonForReferral: "also needs cash assistance (synthetic)",
      },
    });
    expect(onward.response.status, JSON.stringify(onward.error)).toBe(201);
    expect(onward.data?.referral?.parentReferralId).toBe(open.referralId);
    expect(onward.data?.referral?.target?.organisationId).toBe(network.orgs.ecm);
    const parent = await mmcc.GET("/v1/inbox/{referralId}", { params: path(open.referralId) });
    expect(parent.data?.referral?.status).toBe("REFERRAL_STATUS_RECEIVED");
  });

  it("lets a supervisor's own token assign a referral and lists the history; a partner system may not assign", async () => {
    const { referralId } = await referToMmcc();
    const orgId = network.orgs.mmccGaziantep;
    const supervisor = staffApi(network, {
      organisationId: orgId,
      actorId: "mmcc-supervisor-1",
      roles: ["supervisor"],
    });
    const colleague = { organisationId: orgId, actorId: "mmcc-staff-2", roles: ["caseworker"] };
    const colleagueId = await network.identity.staffMember(colleague);

    const bySystem = await mmcc.POST("/v1/inbox/{referralId}/assign", {
      params: path(referralId),
      headers: key(),
      body: { assigneeActorId: colleagueId },
    });
    expect(bySystem.response.status).toBe(403);
    const noAssignee = await supervisor.POST("/v1/inbox/{referralId}/assign", {
      params: path(referralId),
      headers: key(),
      body: {} as never,
    });
    expect(noAssignee.response.status).toBe(400);
    expect(noAssignee.error?.invalid_params?.map((p) => p.name)).toEqual(["assigneeActorId"]);
    const stranger = await supervisor.POST("/v1/inbox/{referralId}/assign", {
      params: path(referralId),
      headers: key(),
      body: { assigneeActorId: `nobody-${randomUUID()}` },
    });
    expect(stranger.response.status).toBe(400);
    expect(stranger.error?.invalid_params?.map((p) => p.name)).toEqual(["assigneeActorId"]);

    const assigned = await supervisor.POST("/v1/inbox/{referralId}/assign", {
      params: path(referralId),
      headers: key(),
      body: { assigneeActorId: colleagueId },
    });
    expect(assigned.response.status, JSON.stringify(assigned.error)).toBe(200);
    expect(assigned.data?.referral?.assigneeActorId).toBe(colleagueId);

    const history = await mmcc.GET("/v1/inbox/{referralId}/assignments", { params: path(referralId) });
    expect(history.response.status).toBe(200);
    expect(history.data?.assignments?.map((a) => a.assigneeActorId)).toEqual([colleagueId]);

    // "My cases" is a staff member's view; a partner system has no cases of its own.
    const mine = await staffApi(network, colleague).GET("/v1/inbox", {
      params: { query: { assignedToMe: true } },
    });
    expect(idsOf(mine)).toEqual([referralId]);
    const systemMine = await mmcc.GET("/v1/inbox", { params: { query: { assignedToMe: true } } });
    expect(systemMine.response.status).toBe(403);
  });

  it("records contact attempts on a referral it holds, and refuses them once it no longer does", async () => {
    const shared = await referToMmcc({ categories: ["DATA_CATEGORY_IDENTITY", "DATA_CATEGORY_CONTACT"] });
    const noMethod = await mmcc.POST("/v1/inbox/{referralId}/contact-attempts", {
      params: path(shared.referralId),
      headers: key(),
      body: { result: "CONTACT_ATTEMPT_RESULT_REACHED" } as never,
    });
    expect(noMethod.response.status).toBe(400);
    expect(noMethod.error?.invalid_params?.map((p) => p.name)).toEqual(["method"]);
    const recorded = await mmcc.POST("/v1/inbox/{referralId}/contact-attempts", {
      params: path(shared.referralId),
      headers: key(),
      body: { method: "CONTACT_ATTEMPT_METHOD_CALL", result: "CONTACT_ATTEMPT_RESULT_REACHED" },
    });
    expect(recorded.response.status, JSON.stringify(recorded.error)).toBe(201);
    const listed = await mmcc.GET("/v1/inbox/{referralId}/contact-attempts", {
      params: path(shared.referralId),
    });
    expect(listed.data?.contactAttempts?.map((a) => a.attemptId)).toEqual([
      recorded.data?.contactAttempt?.attemptId,
    ]);

    // Once declined, the person is no longer the organisation's to contact.
    const declined = await referToMmcc({ categories: ["DATA_CATEGORY_IDENTITY", "DATA_CATEGORY_CONTACT"] });
    const decline = await mmcc.POST("/v1/inbox/{referralId}/decline", {
      params: path(declined.referralId),
      headers: { ...key(), "if-match": etag(declined.sequence) },
      body: { reason: "DECLINE_REASON_OUTSIDE_MANDATE" },
    });
    expect(decline.response.status).toBe(200);
    const refused = await mmcc.POST("/v1/inbox/{referralId}/contact-attempts", {
      params: path(declined.referralId),
      headers: key(),
      body: { method: "CONTACT_ATTEMPT_METHOD_CALL", result: "CONTACT_ATTEMPT_RESULT_NOT_REACHED" },
    });
    expect(refused.response.status).toBe(409);
    expect(refused.error?.code).toBe("referral_not_held_for_contact");
  });
});

describe("batch inbox actions", () => {
  it("accepts many referrals, each on its own: one failing never stops the others", async () => {
    const [first, second, third] = await Promise.all([referToMmcc(), referToMmcc(), referToMmcc()]);
    if (!first || !second || !third) throw new Error("referrals not made");
    const unknown = randomUUID();
    const headers = key();
    const body = {
      items: [
        { referralId: first.referralId },
        { referralId: second.referralId, expectedSequence: second.sequence - 1 },
        { referralId: unknown },
        { referralId: "not-a-referral" },
        { referralId: third.referralId, expectedSequence: third.sequence },
      ],
    };
    const batch = await mmcc.POST("/v1/inbox:batch-accept", { headers, body });
    expect(batch.response.status, JSON.stringify(batch.error)).toBe(200);
    const results = batch.data?.results ?? [];
    expect(results.map((r) => [r.referralId, r.status])).toEqual([
      [first.referralId, 200],
      [second.referralId, 412],
      [unknown, 404],
      ["not-a-referral", 400],
      [third.referralId, 200],
    ]);
    expect(results[1]?.problem?.code).toBe("precondition_failed");
    expect(results[2]?.problem?.code).toBe("not_found");
    expect(results[3]?.problem?.invalidParams?.[0]?.name).toBe("items[3].referralId");
    for (const ok of [first, third]) {
      const read = await mmcc.GET("/v1/inbox/{referralId}", { params: path(ok.referralId) });
      expect(read.data?.referral?.status).toBe("REFERRAL_STATUS_ACCEPTED");
      expect(results.find((r) => r.referralId === ok.referralId)?.sequence).toBe(
        read.data?.referral?.sequence,
      );
    }
    const untouched = await mmcc.GET("/v1/inbox/{referralId}", { params: path(second.referralId) });
    expect(untouched.data?.referral?.status).toBe("REFERRAL_STATUS_RECEIVED");

    // A retry with the same key gets the first answer, without running again.
    const replay = await mmcc.POST("/v1/inbox:batch-accept", { headers, body });
    expect(replay.response.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.data).toEqual(batch.data);
  });

  it("acknowledges a batch, and refuses a batch it cannot read as a whole, naming the field", async () => {
    const one = await referToMmcc();
    const acknowledged = await mmcc.POST("/v1/inbox:batch-acknowledge", {
      headers: key(),
      body: { items: [{ referralId: one.referralId, expectedSequence: one.sequence }] },
    });
    expect(acknowledged.response.status).toBe(200);
    expect(acknowledged.data?.results?.[0]).toMatchObject({ referralId: one.referralId, status: 200 });

    const empty = await mmcc.POST("/v1/inbox:batch-acknowledge", { headers: key(), body: { items: [] } });
    expect(empty.response.status).toBe(400);
    expect(empty.error?.invalid_params?.map((p) => p.name)).toEqual(["items"]);
    const tooMany = await mmcc.POST("/v1/inbox:batch-accept", {
      headers: key(),
      body: { items: Array.from({ length: 501 }, () => ({ referralId: randomUUID() })) },
    });
    expect(tooMany.response.status).toBe(400);
    expect(tooMany.error?.invalid_params?.map((p) => p.name)).toEqual(["items"]);
    const twice = await mmcc.POST("/v1/inbox:batch-accept", {
      headers: key(),
      body: { items: [{ referralId: one.referralId }, { referralId: one.referralId }] },
    });
    expect(twice.response.status).toBe(400);
    expect(twice.error?.invalid_params?.map((p) => p.name)).toEqual(["items[1].referralId"]);
    const misspelt = await mmcc.POST("/v1/inbox:batch-accept", {
      headers: key(),
      body: { items: [{ referralId: one.referralId, expectedSeq: 3 }] } as never,
    });
    expect(misspelt.response.status).toBe(400);
    expect(misspelt.error?.invalid_params?.map((p) => p.name)).toEqual(["items[0].expectedSeq"]);
    const keyless = await mmcc.POST("/v1/inbox:batch-accept", {
      body: { items: [{ referralId: one.referralId }] },
    });
    expect(keyless.response.status).toBe(400);
    expect(keyless.error?.code).toBe("idempotency_key_missing");
    // None of these ran: the referral is still only received.
    const read = await mmcc.GET("/v1/inbox/{referralId}", { params: path(one.referralId) });
    expect(read.data?.referral?.status).toBe("REFERRAL_STATUS_RECEIVED");
  });

  it("answers a full batch of 500, one result per item in order", async () => {
    const one = await referToMmcc();
    const items = Array.from({ length: 500 }, (_, i) => ({
      referralId: i === 250 ? one.referralId : randomUUID(),
    }));
    const batch = await mmcc.POST("/v1/inbox:batch-acknowledge", { headers: key(), body: { items } });
    expect(batch.response.status, JSON.stringify(batch.error)).toBe(200);
    const results = batch.data?.results ?? [];
    expect(results.map((r) => r.referralId)).toEqual(items.map((item) => item.referralId));
    expect(results.filter((r) => r.status === 200).map((r) => r.referralId)).toEqual([one.referralId]);
    expect(results.filter((r) => r.status === 404)).toHaveLength(499);
  });
});

describe("who may use the inbox", () => {
  type Answer = { response: Response; error?: { code?: string } };
  /** Every route on one received referral, with a body it would accept. */
  const ROUTES: { method: "GET" | "POST"; url: string; ifMatch?: boolean; body?: unknown }[] = [
    { method: "GET", url: "/v1/inbox/{referralId}" },
    { method: "GET", url: "/v1/inbox/{referralId}/assignments" },
    { method: "GET", url: "/v1/inbox/{referralId}/contact-attempts" },
    { method: "POST", url: "/v1/inbox/{referralId}/acknowledge", ifMatch: true },
    { method: "POST", url: "/v1/inbox/{referralId}/accept", ifMatch: true },
    { method: "POST", url: "/v1/inbox/{referralId}/start", ifMatch: true },
    {
      method: "POST",
      url: "/v1/inbox/{referralId}/decline",
      ifMatch: true,
      body: { reason: "DECLINE_REASON_OTHER" },
    },
    {
      method: "POST",
      url: "/v1/inbox/{referralId}/hold",
      ifMatch: true,
      body: { reason: "ON_HOLD_REASON_OTHER" },
    },
    {
      method: "POST",
      url: "/v1/inbox/{referralId}/complete",
      ifMatch: true,
      body: { outcomeCodes: ["OUTCOME_CODE_SERVICE_PROVIDED_FULL"] },
    },
    {
      method: "POST",
      url: "/v1/inbox/{referralId}/not-completed",
      ifMatch: true,
      body: { reason: "NOT_COMPLETED_REASON_OTHER" },
    },
    {
      method: "POST",
      url: "/v1/inbox/{referralId}/outcome",
      body: { outcomeCodes: ["OUTCOME_CODE_CASE_OPENED"] },
    },
    { method: "POST", url: "/v1/inbox/{referralId}/assign", body: { assigneeActorId: "someone" } },
    {
      method: "POST",
      url: "/v1/inbox/{referralId}/contact-attempts",
      body: { method: "CONTACT_ATTEMPT_METHOD_CALL", result: "CONTACT_ATTEMPT_RESULT_REACHED" },
    },
  ];

  async function callRoute(
    api: PartnerApi,
    route: (typeof ROUTES)[number],
    referralId: string,
    ifMatch: string | undefined,
  ): Promise<Answer> {
    if (route.method === "GET")
      return (await api.GET(route.url as never, { params: path(referralId) } as never)) as Answer;
    return (await api.POST(
      route.url as never,
      {
        params: path(referralId),
        headers: { ...key(), ...(ifMatch ? { "if-match": ifMatch } : {}) },
        ...(route.body ? { body: route.body } : {}),
      } as never,
    )) as Answer;
  }

  it("every inbox route: 401 without a token, 403 without its scope, 404 for another organisation, 428 without If-Match", async () => {
    const { referralId, sequence } = await referToMmcc();
    const anonymous = partnerApi(network, network.orgs.mmccGaziantep, { authorization: null });
    const readOnly = partnerApi(network, network.orgs.mmccGaziantep, { scopes: ["inbox:read"] });
    const writeOnly = partnerApi(network, network.orgs.mmccGaziantep, { scopes: ["inbox:write"] });
    const kilisSupervisor = staffApi(network, {
      organisationId: network.orgs.mmccKilis,
      actorId: "kilis-supervisor-1",
      roles: ["supervisor"],
    });
    for (const route of ROUTES) {
      const label = `${route.method} ${route.url}`;
      const current = route.ifMatch ? etag(sequence) : undefined;
      expect((await callRoute(anonymous, route, referralId, current)).response.status, label).toBe(401);
      const unscoped = await callRoute(
        route.method === "GET" ? writeOnly : readOnly,
        route,
        referralId,
        current,
      );
      expect(unscoped.response.status, label).toBe(403);
      expect(unscoped.error?.code, label).toBe("insufficient_scope");
      // Assigning is a supervisor's: Kilis's own supervisor, so the answer is about the referral.
      const foreign = await callRoute(
        route.url.endsWith("/assign") ? kilisSupervisor : kilis,
        route,
        referralId,
        current,
      );
      expect(foreign.response.status, label).toBe(404);
      if (route.ifMatch) {
        const unconditional = await callRoute(mmcc, route, referralId, undefined);
        expect(unconditional.response.status, label).toBe(428);
      }
    }
    // Nothing of that changed the referral.
    const read = await mmcc.GET("/v1/inbox/{referralId}", { params: path(referralId) });
    expect(read.data?.referral?.status).toBe("REFERRAL_STATUS_RECEIVED");
    expect(read.data?.referral?.sequence).toBe(sequence);

    // A caseworker's own token (roles, no scopes) acts as in the console.
    const caseworker = staffApi(network, {
      organisationId: network.orgs.mmccGaziantep,
      actorId: "mmcc-caseworker-1",
      roles: ["caseworker"],
    });
    const accepted = await caseworker.POST("/v1/inbox/{referralId}/accept", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(sequence) },
    });
    expect(accepted.response.status, JSON.stringify(accepted.error)).toBe(200);
    expect(accepted.data?.referral?.status).toBe("REFERRAL_STATUS_ACCEPTED");
  });

  it("answers 401 without a token, 403 without the scope, 404 for another organisation's referral", async () => {
    const { referralId, sequence } = await referToMmcc();
    const anonymous = partnerApi(network, network.orgs.mmccGaziantep, { authorization: null });
    const noToken = await anonymous.GET("/v1/inbox", {});
    expect(noToken.response.status).toBe(401);
    expect(noToken.response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const noTokenAction = await anonymous.POST("/v1/inbox/{referralId}/accept", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(sequence) },
    });
    expect(noTokenAction.response.status).toBe(401);
    expect(
      (await anonymous.POST("/v1/inbox:batch-accept", { headers: key(), body: { items: [{ referralId }] } }))
        .response.status,
    ).toBe(401);

    const readOnly = partnerApi(network, network.orgs.mmccGaziantep, { scopes: ["inbox:read"] });
    expect((await readOnly.GET("/v1/inbox/{referralId}", { params: path(referralId) })).response.status).toBe(
      200,
    );
    const write = await readOnly.POST("/v1/inbox/{referralId}/accept", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(sequence) },
    });
    expect(write.response.status).toBe(403);
    expect(write.error?.code).toBe("insufficient_scope");
    const batch = await readOnly.POST("/v1/inbox:batch-acknowledge", {
      headers: key(),
      body: { items: [{ referralId }] },
    });
    expect(batch.response.status).toBe(403);
    const referrerOnly = partnerApi(network, network.orgs.mmccGaziantep, { scopes: ["referrals:read"] });
    const list = await referrerOnly.GET("/v1/inbox", {});
    expect(list.response.status).toBe(403);
    expect(list.response.headers.get("www-authenticate")).toContain('scope="inbox:read"');

    // Kilis is served by the same process; Gaziantep's referral does not exist for it.
    expect((await kilis.GET("/v1/inbox/{referralId}", { params: path(referralId) })).response.status).toBe(
      404,
    );
    const foreignAccept = await kilis.POST("/v1/inbox/{referralId}/accept", {
      params: path(referralId),
      headers: { ...key(), "if-match": etag(sequence) },
    });
    expect(foreignAccept.response.status).toBe(404);
    expect(
      (await kilis.GET("/v1/inbox/{referralId}/assignments", { params: path(referralId) })).response.status,
    ).toBe(404);
    const foreignBatch = await kilis.POST("/v1/inbox:batch-accept", {
      headers: key(),
      body: { items: [{ referralId }] },
    });
    expect(foreignBatch.data?.results?.[0]?.status).toBe(404);
    expect(idsOf(await kilis.GET("/v1/inbox", {}))).not.toContain(referralId);
    // Untouched by all of that.
    const read = await mmcc.GET("/v1/inbox/{referralId}", { params: path(referralId) });
    expect(read.data?.referral?.status).toBe("REFERRAL_STATUS_RECEIVED");

    // The NGO receives no referrals through this API.
    const notServed = await ngo.GET("/v1/inbox", {});
    expect(notServed.response.status).toBe(409);
    expect(notServed.error?.code).toBe("inbox_not_served");
  });
});

describe("coordination figures through the partner API", () => {
  it("gives the funnel for the referrals the organisation sent, grouped as asked", async () => {
    const figures = await waitFor(
      async () => {
        const answer = await ngo.GET("/v1/coordination/figures", {
          params: {
            query: {
              groupBy: ["FIGURE_DIMENSION_SERVICE_TYPE"],
              serviceType: ["SERVICE_TYPE_MMCC_COUNSELLING"],
              requestedFrom: new Date(Date.now() - 86_400_000).toISOString(),
            },
          },
        });
        expect(answer.response.status, JSON.stringify(answer.error)).toBe(200);
        return Number(answer.data?.total?.requested ?? 0) >= referralsMade ? answer : undefined;
      },
      { timeoutMs: 60_000, message: "coordination's figures to count the referrals made" },
    );
    expect(figures.data?.total?.suppressed ?? false).toBe(false);
    expect(figures.data?.rows?.map((row) => row.key?.serviceType)).toEqual(["SERVICE_TYPE_MMCC_COUNSELLING"]);
    expect(Number(figures.data?.total?.accepted)).toBeGreaterThan(0);
    expect(figures.data?.minCellSize).toBeGreaterThan(0);

    const coordinatorView = await staffApi(network, {
      organisationId: "iom-coordination",
      actorId: "coordinator-1",
      roles: ["coordinator"],
    }).GET("/v1/coordination/figures", {
      params: { query: { groupBy: ["FIGURE_DIMENSION_TARGET_ORGANISATION"] } },
    });
    expect(coordinatorView.response.status, JSON.stringify(coordinatorView.error)).toBe(200);
    expect(coordinatorView.data?.rows?.map((row) => row.key?.targetOrganisationId)).toContain(
      network.orgs.mmccGaziantep,
    );

    const bad = await ngo.GET("/v1/coordination/figures", {
      params: { query: { groupBy: ["FIGURE_DIMENSION_SHOE_SIZE"] as never, nationality: ["Syria"] } },
    });
    expect(bad.response.status).toBe(400);
    const names = bad.error?.invalid_params?.map((p) => p.name).join(" ");
    expect(names).toMatch(/groupBy/);
    expect(names).toMatch(/nationality/);

    const noScope = partnerApi(network, network.orgs.ngo, { scopes: ["referrals:read"] });
    const refused = await noScope.GET("/v1/coordination/figures", {});
    expect(refused.response.status).toBe(403);
    expect(refused.error?.code).toBe("insufficient_scope");
    const anonymous = partnerApi(network, network.orgs.ngo, { authorization: null });
    expect((await anonymous.GET("/v1/coordination/figures", {})).response.status).toBe(401);
  });
});
