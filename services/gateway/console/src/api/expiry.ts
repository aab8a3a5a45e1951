import type { QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useSyncExternalStore } from "react";
import { type ConsoleSession, setCsrfToken } from "./client.js";

// The end of a session as the browser lives it: the backend answered 401 (idle timeout, lifetime,
// logged out elsewhere), or the person has been away for the idle timeout. Either way the screen
// must not keep showing a person's data to whoever walks up to the device next: every cached answer
// goes, the staff member's unfinished wizard goes (ADR 0021), and the console shows only that the
// session ended and how to log in again.

/** Why the session ended: the person was away (this tab's idle timer), or the backend ended it. */
export type SessionEndReason = "idle" | "expired";

export interface SessionEnd {
  reason: SessionEndReason;
  /** Submissions kept on this device, to be sent after the same staff member logs in again. */
  unsent: number;
}

export interface SessionEndingDeps {
  queries: QueryClient;
  /** The query key of the session answer (who was logged in). */
  sessionKey: readonly unknown[];
  /** Deletes what must not outlive the session on this device (the staff member's draft). */
  forget(staffId: string): Promise<void>;
  /** Stops the offline queue sending; answers how many submissions it keeps for the next login. */
  stopOutbox(staffId: string): Promise<number>;
  /**
   * Ends the session at the backend when this tab's idle timer ran out (it may still be alive
   * there for up to a minute); not called when the backend already ended it.
   */
  endAtBackend?(): Promise<void>;
}

/** Ends the console's session in this tab, once. */
export class SessionEnding {
  private ended: SessionEnd | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: SessionEndingDeps) {}

  /** Whether a session was shown in this tab (a 401 before one is just "log in"). */
  hasSession(): boolean {
    return this.deps.queries.getQueryData(this.deps.sessionKey) !== undefined;
  }

  state(): SessionEnd | undefined {
    return this.ended;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async end(reason: SessionEndReason): Promise<void> {
    if (this.ended) return;
    const { queries } = this.deps;
    const session = queries.getQueryData<ConsoleSession>(this.deps.sessionKey);
    // The screen changes first: nothing below the shell is rendered once this is set.
    this.ended = { reason, unsent: 0 };
    this.notify();
    this.dropCache();
    // With the CSRF token still known: the logout needs it.
    if (reason === "idle" && session) await this.deps.endAtBackend?.().catch(() => undefined);
    setCsrfToken(undefined);
    if (!session) return;
    await this.deps.forget(session.staffId).catch(() => undefined);
    const unsent = await this.deps.stopOutbox(session.staffId).catch(() => 0);
    if (unsent > 0) {
      this.ended = { reason, unsent };
      this.notify();
    }
  }

  /** Every cached answer, and any read still under way, gone. */
  dropCache(): void {
    void this.deps.queries.cancelQueries();
    this.deps.queries.clear();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

export const SessionEndingContext = createContext<SessionEnding | undefined>(undefined);

export function useSessionEnding(): SessionEnding {
  const ending = useContext(SessionEndingContext);
  if (!ending) throw new Error("useSessionEnding outside the console");
  return ending;
}

/** The session's end in this tab, once it has ended. */
export function useSessionEnd(ending: SessionEnding): SessionEnd | undefined {
  return useSyncExternalStore(
    (listener) => ending.subscribe(listener),
    () => ending.state(),
  );
}
