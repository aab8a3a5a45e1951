import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { indexedDbSubmissions } from "./store.js";
import {
  backoffMs,
  correctSubmission,
  createSubmission,
  drain,
  type NewStep,
  type OutboxMethod,
  type ProblemLike,
  type Submission,
  type SubmissionStore,
} from "./sync.js";

const OWNER = "staff-1";
const PERSON = { givenName: "Ayşe", familyName: "Testperson", phoneNumber: "+905550001234" };

function memoryStore(): SubmissionStore & { rows: Map<string, Submission> } {
  const rows = new Map<string, Submission>();
  return {
    rows,
    async all() {
      return [...rows.values()].map((row) => structuredClone(row));
    },
    async put(submission) {
      rows.set(submission.id, structuredClone(submission));
    },
    async delete(id) {
      rows.delete(id);
    },
  };
}

/**
 * A stand-in for the backend: runs each method once per idempotency key and answers a replay with the
 * stored answer (as the gateway does), refuses a reused key with another body, and can be told to be
 * unreachable or to lose the answer of a call it ran.
 */
function fakeBackend() {
  const answers = new Map<string, { body: string; answer: unknown }>();
  const calls: { method: OutboxMethod; key: string; request: Record<string, unknown> }[] = [];
  const referrals: string[] = [];
  let online = true;
  let loseNextAnswer = false;
  let refuse:
    | ((method: OutboxMethod, request: Record<string, unknown>) => ProblemLike | undefined)
    | undefined;
  let counter = 0;
  const send = async (method: OutboxMethod, request: Record<string, unknown>, key: string) => {
    if (!online) throw { status: 0, code: "offline" } satisfies ProblemLike;
    calls.push({ method, key, request });
    const body = JSON.stringify(request);
    const stored = answers.get(key);
    if (stored) {
      if (stored.body !== body) throw { status: 422, code: "idempotency_key_reused" } satisfies ProblemLike;
      return stored.answer;
    }
    const refusal = refuse?.(method, request);
    if (refusal) throw refusal;
    counter += 1;
    let answer: unknown;
    if (method === "RegisterBeneficiary")
      answer = { beneficiary: { beneficiaryId: `b-${counter}`, ...request } };
    else if (method === "RecordConsent") answer = { consent: { consentId: `c-${counter}` } };
    else if (method === "ScreenNeeds") answer = { screening: { screeningId: `s-${counter}` } };
    else {
      const referralId = `r-${counter}`;
      referrals.push(referralId);
      answer = {
        referral: {
          referralId,
          status: "REFERRAL_STATUS_REQUESTED",
          target: { organisationId: "org-mmcc", displayName: "MMCC Şahinbey" },
        },
      };
    }
    answers.set(key, { body, answer });
    if (loseNextAnswer) {
      loseNextAnswer = false;
      throw { status: 0, code: "offline" } satisfies ProblemLike;
    }
    return answer;
  };
  return {
    send,
    calls,
    referrals,
    setOnline(value: boolean) {
      online = value;
    },
    loseNextAnswer() {
      loseNextAnswer = true;
    },
    refuseWith(rule: typeof refuse) {
      refuse = rule;
    },
  };
}

function steps(overrides: Partial<Record<OutboxMethod, Record<string, unknown>>> = {}): NewStep[] {
  return [
    {
      method: "RegisterBeneficiary",
      request: { organisationId: "org-ngo", ...PERSON, ...overrides.RegisterBeneficiary },
    },
    {
      method: "RecordConsent",
      request: { expiresAt: "2027-12-01T00:00:00.000Z", ...overrides.RecordConsent },
      inputs: ["beneficiaryId"],
    },
    {
      method: "ScreenNeeds",
      request: { needsSummary: "needs counselling", ...overrides.ScreenNeeds },
      inputs: ["beneficiaryId"],
    },
    {
      method: "CreateReferral",
      request: {
        serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
        reasonForReferral: "x",
        ...overrides.CreateReferral,
      },
      inputs: ["beneficiaryId", "consentId"],
    },
  ];
}

let keys = 0;
const newKey = () => `00000000-0000-4000-8000-${String(++keys).padStart(12, "0")}`;

function queue(id = "sub-1", at = "2026-12-07T02:00:00.000Z") {
  return createSubmission({
    id,
    owner: OWNER,
    at,
    summary: { serviceType: "SERVICE_TYPE_MMCC_COUNSELLING" },
    draft: { person: PERSON },
    steps: steps(),
    newKey,
  });
}

const clock = () => new Date("2026-12-07T02:10:00.000Z");

describe("the outbox's sync loop", () => {
  it("keeps a submission queued while offline and sends it once when the connection returns", async () => {
    const store = memoryStore();
    const backend = fakeBackend();
    await store.put(queue());
    backend.setOnline(false);

    const offline = await drain({ store, send: backend.send, owner: OWNER, now: clock });
    expect(offline.sent).toEqual([]);
    expect(offline.retryInMs).toBe(backoffMs(1));
    expect(store.rows.get("sub-1")?.status).toBe("waiting");
    expect(store.rows.get("sub-1")?.attempts).toBe(1);

    backend.setOnline(true);
    const online = await drain({ store, send: backend.send, owner: OWNER, now: clock, ignoreBackoff: true });
    expect(online.sent).toEqual(["sub-1"]);
    expect(backend.referrals).toHaveLength(1);
    expect(backend.calls.map((call) => call.method)).toEqual([
      "RegisterBeneficiary",
      "RecordConsent",
      "ScreenNeeds",
      "CreateReferral",
    ]);
    // Each step carries its own key, which is also the request's requestId; later steps the ids earlier ones answered.
    expect(new Set(backend.calls.map((call) => call.key)).size).toBe(4);
    for (const call of backend.calls) expect(call.request.requestId).toBe(call.key);
    expect(backend.calls[3]?.request).toMatchObject({ beneficiaryId: "b-1", consentId: "c-2" });

    // A later run sends nothing again.
    await drain({ store, send: backend.send, owner: OWNER, now: clock, ignoreBackoff: true });
    expect(backend.calls).toHaveLength(4);
    expect(backend.referrals).toHaveLength(1);
    expect(store.rows.get("sub-1")).toMatchObject({ status: "sent", referralId: "r-4" });
  });

  it("waits out the backoff unless the connection just came back", async () => {
    const store = memoryStore();
    const backend = fakeBackend();
    await store.put(queue());
    backend.setOnline(false);
    await drain({ store, send: backend.send, owner: OWNER, now: clock });
    backend.setOnline(true);
    const early = await drain({ store, send: backend.send, owner: OWNER, now: clock });
    expect(early.sent).toEqual([]);
    expect(early.retryInMs).toBe(backoffMs(1));
    const later = () => new Date(clock().getTime() + backoffMs(1));
    expect((await drain({ store, send: backend.send, owner: OWNER, now: later })).sent).toEqual(["sub-1"]);
  });

  it("sends a step whose answer was lost again with the same key and gets the first answer", async () => {
    const store = memoryStore();
    const backend = fakeBackend();
    await store.put(queue());
    backend.refuseWith(() => undefined);
    // The referral is created, but the answer never arrives.
    let creates = 0;
    const send: typeof backend.send = async (method, request, key) => {
      if (method === "CreateReferral" && creates++ === 0) backend.loseNextAnswer();
      return backend.send(method, request, key);
    };
    const first = await drain({ store, send, owner: OWNER, now: clock });
    expect(first.sent).toEqual([]);
    expect(backend.referrals).toHaveLength(1);

    const second = await drain({ store, send, owner: OWNER, now: clock, ignoreBackoff: true });
    expect(second.sent).toEqual(["sub-1"]);
    const createCalls = backend.calls.filter((call) => call.method === "CreateReferral");
    expect(createCalls).toHaveLength(2);
    expect(createCalls[0]?.key).toBe(createCalls[1]?.key);
    expect(createCalls[0]?.request).toEqual(createCalls[1]?.request);
    expect(backend.referrals).toHaveLength(1);
    expect(store.rows.get("sub-1")?.referralId).toBe(backend.referrals[0]);
  });

  it("stops at a refused step, keeps the problem for the user and does not send it again", async () => {
    const store = memoryStore();
    const backend = fakeBackend();
    await store.put(queue("sub-1", "2026-12-07T02:00:00.000Z"));
    await store.put(queue("sub-2", "2026-12-07T02:01:00.000Z"));
    backend.refuseWith((method, request) =>
      method === "RecordConsent" &&
      request.expiresAt === "2027-12-01T00:00:00.000Z" &&
      request.beneficiaryId === "b-1"
        ? {
            status: 400,
            code: "invalid_argument",
            title: "The request is invalid",
            invalidParams: [{ name: "expiresAt", reason: "must be in the future" }],
          }
        : undefined,
    );

    const result = await drain({ store, send: backend.send, owner: OWNER, now: clock });
    expect(result.refused).toEqual(["sub-1"]);
    // The next submission still goes.
    expect(result.sent).toEqual(["sub-2"]);
    const refused = store.rows.get("sub-1") as Submission;
    expect(refused.status).toBe("needs_attention");
    expect(refused.steps.map((step) => step.state)).toEqual(["done", "failed", "pending", "pending"]);
    expect(refused.steps[1]?.problem).toMatchObject({
      code: "invalid_argument",
      invalidParams: [{ name: "expiresAt", reason: "must be in the future" }],
    });
    expect(refused.draft).not.toBeNull();

    const callsBefore = backend.calls.length;
    await drain({ store, send: backend.send, owner: OWNER, now: clock, ignoreBackoff: true });
    expect(backend.calls.length).toBe(callsBefore);

    // Corrected: the registration already done is kept; the consent goes with a new key.
    const failedKey = refused.steps[1]?.key;
    const corrected = correctSubmission(
      refused,
      {
        draft: { person: PERSON },
        summary: refused.summary,
        steps: steps({ RecordConsent: { expiresAt: "2028-01-01T00:00:00.000Z" } }),
        at: clock().toISOString(),
      },
      newKey,
    );
    expect(corrected.steps[0]).toEqual(refused.steps[0]);
    expect(corrected.steps[1]?.key).not.toBe(failedKey);
    await store.put(corrected);
    const again = await drain({ store, send: backend.send, owner: OWNER, now: clock });
    expect(again.sent).toEqual(["sub-1"]);
    expect(backend.calls.filter((call) => call.method === "RegisterBeneficiary")).toHaveLength(2); // one per submission
    expect(backend.referrals).toHaveLength(2);
  });

  it("keeps no personal data of a submission once it is sent", async () => {
    const store = indexedDbSubmissions();
    const backend = fakeBackend();
    await store.put(queue("sub-idb"));
    expect(JSON.stringify(await store.all())).toContain("Testperson");

    await drain({ store, send: backend.send, owner: OWNER, now: clock });
    const stored = await store.get("sub-idb");
    const text = JSON.stringify(stored);
    for (const value of [...Object.values(PERSON), "needs counselling"]) expect(text).not.toContain(value);
    expect(stored).toMatchObject({ status: "sent", referralId: "r-4", draft: null, steps: [] });
    expect(stored?.summary).toEqual({
      serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
      targetName: "MMCC Şahinbey",
    });
  });

  it("sends only the submissions of the staff member logged in", async () => {
    const store = memoryStore();
    const backend = fakeBackend();
    await store.put({ ...queue("other"), owner: "staff-2" });
    const result = await drain({ store, send: backend.send, owner: OWNER, now: clock });
    expect(result.sent).toEqual([]);
    expect(backend.calls).toEqual([]);
  });
});
