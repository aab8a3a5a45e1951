import type { DraftStore } from "./store.js";
import type { Submission, SubmissionStore } from "./sync.js";

// What this device keeps of a staff member's referral work when their session ends (ADR 0021,
// "Offline referral creation"). A submission the person sent off is a decision to refer someone and
// survives an expired session, to go after the next login of the same staff member; an unfinished
// wizard is only typing, and it does not outlive the session it was typed in. Logging out is the
// person saying they are done on this device: after they confirm, nothing of theirs stays.

/** The staff member's submissions not sent yet (waiting, or refused and waiting for a correction). */
export async function unsentSubmissions(store: SubmissionStore, owner: string): Promise<Submission[]> {
  return (await store.all()).filter((s) => s.owner === owner && s.status !== "sent");
}

/** Logout: the staff member's draft and every submission of theirs, sent or not, leave the device. */
export async function forgetOnLogout(
  drafts: Pick<DraftStore, "delete">,
  store: SubmissionStore,
  owner: string,
): Promise<void> {
  await drafts.delete(owner);
  for (const submission of await store.all())
    if (submission.owner === owner) await store.delete(submission.id);
}

/**
 * The session expired (idle, its lifetime, revoked): the unfinished wizard goes; the queued
 * submissions stay, and are sent once the same staff member logs in again.
 */
export async function forgetOnExpiry(drafts: Pick<DraftStore, "delete">, owner: string): Promise<void> {
  await drafts.delete(owner);
}

/**
 * A session starting: a draft saved in another session belongs to one that is over (the tab was
 * closed, or the device slept through the expiry), whoever's it was; it goes. Sessions are told
 * apart by the backend's start time, compared as given: never against this device's clock, which
 * may be wrong.
 */
export async function forgetDraftsOfEndedSessions(
  drafts: Pick<DraftStore, "all" | "delete">,
  session: string,
): Promise<void> {
  for (const draft of await drafts.all()) if (draft.session !== session) await drafts.delete(draft.owner);
}
