import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { forgetDraftsOfEndedSessions, forgetOnExpiry, forgetOnLogout, unsentSubmissions } from "./leaving.js";
import { indexedDbDrafts, indexedDbSubmissions } from "./store.js";
import { createSubmission, type Submission, withoutPersonalData } from "./sync.js";

// What stays on the device when a session ends, on the real IndexedDB code (fake-indexeddb).
const PERSON = { givenName: "Ayşe", familyName: "Testperson", phoneNumber: "+905550001234" };
const SESSION = "2026-12-07T08:00:00.000Z";
let keys = 0;
const newKey = () => `00000000-0000-4000-8000-${String(++keys).padStart(12, "0")}`;

const OTHER_PERSON = { givenName: "Mehmet", familyName: "Otherperson", phoneNumber: "+905550009999" };

function submission(
  id: string,
  owner: string,
  status: Submission["status"] = "waiting",
  person: Record<string, string> = PERSON,
): Submission {
  const queued = createSubmission({
    id,
    owner,
    at: "2026-12-07T09:00:00.000Z",
    summary: { serviceType: "SERVICE_TYPE_MMCC_COUNSELLING" },
    draft: { person },
    steps: [{ method: "RegisterBeneficiary", request: { organisationId: "org-ngo", ...person } }],
    newKey,
  });
  if (status === "sent") return withoutPersonalData(queued, "2026-12-07T09:05:00.000Z");
  return { ...queued, status };
}

async function fresh() {
  const drafts = indexedDbDrafts();
  const store = indexedDbSubmissions();
  for (const draft of await drafts.all()) await drafts.delete(draft.owner);
  for (const queued of await store.all()) await store.delete(queued.id);
  await drafts.put({
    owner: "staff-1",
    draft: { person: PERSON },
    step: "person",
    updatedAt: "2026-12-07T09:00:00.000Z",
    session: SESSION,
  });
  await drafts.put({
    owner: "staff-2",
    draft: { person: { givenName: "Other" } },
    step: "person",
    updatedAt: "2026-12-07T09:00:00.000Z",
    session: SESSION,
  });
  await store.put(submission("waiting-1", "staff-1"));
  await store.put(submission("refused-1", "staff-1", "needs_attention"));
  await store.put(submission("sent-1", "staff-1", "sent"));
  await store.put(submission("waiting-2", "staff-2", "waiting", OTHER_PERSON));
  return { drafts, store };
}

describe("what a staff member's referral work leaves on the device when the session ends", () => {
  it("logging out deletes the staff member's draft and every submission, and no one else's", async () => {
    const { drafts, store } = await fresh();
    expect((await unsentSubmissions(store, "staff-1")).map((s) => s.id).sort()).toEqual([
      "refused-1",
      "waiting-1",
    ]);
    await forgetOnLogout(drafts, store, "staff-1");
    expect(await drafts.get("staff-1")).toBeUndefined();
    expect((await store.all()).map((s) => s.id)).toEqual(["waiting-2"]);
    expect(await drafts.get("staff-2")).toBeDefined();
    const left = JSON.stringify([await store.all(), await drafts.all()]);
    for (const value of Object.values(PERSON)) expect(left).not.toContain(value);
  });

  it("an expired session takes the unfinished wizard but keeps the queued submissions for the next login", async () => {
    const { drafts, store } = await fresh();
    await forgetOnExpiry(drafts, "staff-1");
    expect(await drafts.get("staff-1")).toBeUndefined();
    expect((await store.all()).map((s) => s.id).sort()).toEqual([
      "refused-1",
      "sent-1",
      "waiting-1",
      "waiting-2",
    ]);
    expect((await unsentSubmissions(store, "staff-1")).length).toBe(2);
  });

  it("a new session deletes every draft typed in an earlier one, whoever's, whatever the device clock says", async () => {
    const { drafts } = await fresh();
    // Typed in this session on a device whose clock is behind the backend's.
    await drafts.put({
      owner: "staff-3",
      draft: {},
      step: "person",
      updatedAt: "2026-12-07T07:00:00.000Z",
      session: "2026-12-07T10:00:00.000Z",
    });
    // Saved by a console from before drafts named their session.
    await drafts.put({ owner: "staff-4", draft: {}, step: "person", updatedAt: "2026-12-07T11:00:00.000Z" });
    await forgetDraftsOfEndedSessions(drafts, "2026-12-07T10:00:00.000Z");
    expect((await drafts.all()).map((d) => d.owner)).toEqual(["staff-3"]);
  });
});
