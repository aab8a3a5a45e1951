import { useSyncExternalStore } from "react";
import { rpc } from "../api/client.js";
import { forgetOnLogout, unsentSubmissions } from "./leaving.js";
import { indexedDbDrafts, indexedDbSubmissions } from "./store.js";
import { drain, type OutboxMethod, type Submission } from "./sync.js";

// The browser side of the offline queue: the wizard's submissions wait in IndexedDB and are sent
// (see sync.ts) when the page starts, when the browser says it is online again, after a backoff
// timer, and right after something is queued. One run at a time per browser (Web Locks across
// tabs); the keys make a second run harmless anyway.

const store = indexedDbSubmissions();
const CHANNEL = "kopru-console-outbox";

let owner: string | undefined;
let started = false;
let running: Promise<void> | undefined;
let again = false;
let againIgnoringBackoff = false;
let timer: ReturnType<typeof setTimeout> | undefined;
let snapshot: readonly Submission[] = [];
let storeFailed = false;
const listeners = new Set<() => void>();
let channel: BroadcastChannel | undefined;

function send(method: OutboxMethod, request: Record<string, unknown>, key: string): Promise<unknown> {
  // The request shapes are the intake methods' (draft.ts builds them from the contract's types).
  return rpc("intake", method, request as never, { idempotencyKey: key });
}

async function refresh(): Promise<void> {
  try {
    const all = owner ? (await store.all()).filter((s) => s.owner === owner) : [];
    snapshot = all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    storeFailed = false;
  } catch {
    storeFailed = true;
  }
  for (const listener of listeners) listener();
}

function changed(): void {
  void refresh();
  channel?.postMessage("changed");
}

async function runOnce(ignoreBackoff: boolean): Promise<void> {
  if (!owner || !navigator.onLine) return;
  const run = async () => {
    if (!owner) return;
    const result = await drain({
      store,
      send,
      owner,
      now: () => new Date(),
      ignoreBackoff,
      onChange: changed,
    });
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (result.retryInMs !== undefined) timer = setTimeout(() => kick(), result.retryInMs);
  };
  if (navigator.locks) await navigator.locks.request("kopru-console-outbox", run);
  else await run();
}

/** Sends what is waiting now (or as soon as the run under way ends). */
export function kick(ignoreBackoff = false): Promise<void> {
  if (running) {
    again = true;
    againIgnoringBackoff ||= ignoreBackoff;
    return running;
  }
  running = (async () => {
    try {
      await runOnce(ignoreBackoff);
      while (again) {
        const ignore = againIgnoringBackoff;
        again = false;
        againIgnoringBackoff = false;
        await runOnce(ignore);
      }
    } catch {
      // IndexedDB unavailable or a bug in a run: the next trigger tries again.
    } finally {
      running = undefined;
      await refresh();
    }
  })();
  return running;
}

/** Starts sending what the referral wizard queued while offline (see the wizard's outbox). */
export function startOutbox(): void {
  if (started || typeof window === "undefined") return;
  started = true;
  window.addEventListener("online", () => void kick(true));
  if (typeof BroadcastChannel !== "undefined") {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = () => void refresh();
  }
}

/** The staff member logged in: only their submissions are shown and sent. */
export function setOutboxOwner(staffId: string | undefined): void {
  if (owner === staffId) return;
  owner = staffId;
  void refresh().then(() => kick());
}

/** Queues a submission and tries to send it at once. */
export async function enqueue(submission: Submission): Promise<void> {
  await store.put(submission);
  changed();
  void kick(true);
}

/** Replaces a submission (corrected by the user) and tries to send it. */
export const resubmit = enqueue;

export async function getSubmission(id: string): Promise<Submission | undefined> {
  return store.get(id);
}

/** Gives up a submission not sent yet, personal data and all. */
export async function discard(id: string): Promise<void> {
  await store.delete(id);
  changed();
}

/** The staff member's submissions not sent yet (waiting, or refused). */
export async function unsentOf(staffId: string): Promise<Submission[]> {
  return unsentSubmissions(store, staffId);
}

/** Logging out: the staff member's draft and submissions, sent or not, leave this device. */
export async function forgetStaffMember(staffId: string): Promise<void> {
  await forgetOnLogout(indexedDbDrafts(), store, staffId);
  changed();
}

/** Forgets the record of the submissions already sent (they hold only ids). */
export async function clearSent(): Promise<void> {
  for (const submission of snapshot) if (submission.status === "sent") await store.delete(submission.id);
  changed();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The logged-in staff member's queued and sent submissions, newest first. */
export function useOutbox(): readonly Submission[] {
  return useSyncExternalStore(subscribe, () => snapshot);
}

/** Whether the browser refused IndexedDB (a private window may): then nothing can wait offline. */
export function useOutboxUnavailable(): boolean {
  return useSyncExternalStore(subscribe, () => storeFailed);
}

let correctionRequested: string | undefined;

/** Asks the wizard (opened next) to load a refused submission for correction. */
export function requestCorrection(id: string): void {
  correctionRequested = id;
}

/** The submission the wizard should load for correction, once. */
export function takeCorrectionRequest(): string | undefined {
  const id = correctionRequested;
  correctionRequested = undefined;
  return id;
}
