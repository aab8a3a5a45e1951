import { type DBSchema, type IDBPDatabase, openDB } from "idb";
import type { Submission, SubmissionStore } from "./sync.js";

// IndexedDB database `kopru-console`: `outbox` holds the queued submissions (personal data only until
// each is sent), `drafts` the unfinished wizard of each staff member (so a reload offline loses
// nothing). Nothing here is ever put in the URL, the title or the history.

export const DATABASE = "kopru-console";

export interface StoredDraft<Draft = unknown> {
  /** The staff member's id: one draft each. */
  owner: string;
  draft: Draft;
  /** Which wizard step was open. */
  step: string;
  updatedAt: string;
  /** The session it was typed in (its start as the backend gives it): it does not outlive it. */
  session?: string;
}

interface ConsoleDb extends DBSchema {
  outbox: { key: string; value: Submission };
  drafts: { key: string; value: StoredDraft };
}

let opening: Promise<IDBPDatabase<ConsoleDb>> | undefined;

/** The console's database, opened once (and created or upgraded on first use). */
export function openConsoleDb(): Promise<IDBPDatabase<ConsoleDb>> {
  opening ??= openDB<ConsoleDb>(DATABASE, 1, {
    upgrade(db) {
      if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "id" });
      if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", { keyPath: "owner" });
    },
  });
  return opening;
}

/** The outbox store over IndexedDB. */
export function indexedDbSubmissions(
  db: Promise<IDBPDatabase<ConsoleDb>> = openConsoleDb(),
): SubmissionStore & {
  get(id: string): Promise<Submission | undefined>;
} {
  return {
    async all() {
      return (await db).getAll("outbox");
    },
    async get(id) {
      return (await db).get("outbox", id);
    },
    async put(submission) {
      await (await db).put("outbox", submission);
    },
    async delete(id) {
      await (await db).delete("outbox", id);
    },
  };
}

/** The wizard's drafts over IndexedDB. */
export function indexedDbDrafts(db: Promise<IDBPDatabase<ConsoleDb>> = openConsoleDb()) {
  return {
    async get<Draft>(owner: string): Promise<StoredDraft<Draft> | undefined> {
      return (await (await db).get("drafts", owner)) as StoredDraft<Draft> | undefined;
    },
    async put(draft: StoredDraft): Promise<void> {
      await (await db).put("drafts", draft);
    },
    async delete(owner: string): Promise<void> {
      await (await db).delete("drafts", owner);
    },
    async all(): Promise<StoredDraft[]> {
      return (await db).getAll("drafts");
    },
  };
}

export type DraftStore = ReturnType<typeof indexedDbDrafts>;
