// What the person at the keyboard last did. A call made soon after the person's own input is theirs
// and keeps the session alive; anything later (a poll, a refetch, the offline queue retrying) is the
// console's own and is marked so the backend never lets it extend the session (ADR 0020).

/** How long after an input a call still counts as the person's (a click that loads a page, slowly). */
export const PERSON_CALL_WINDOW_MS = 60_000;

/** Page load counts as the person's input: they just opened or reloaded the console. */
let lastInput = Date.now();
const listeners = new Set<() => void>();

/** Records the person's input (a key, a pointer press) at `at`. */
export function noteActivity(at: number = Date.now()): void {
  if (at <= lastInput) return;
  lastInput = at;
  for (const listener of listeners) listener();
}

/** When the person last gave input (ms since the epoch). */
export function lastActivity(): number {
  return lastInput;
}

/** Whether a call made at `now` is the person's own. */
export function isPersonCall(now: number = Date.now()): boolean {
  return now - lastInput <= PERSON_CALL_WINDOW_MS;
}

export function onActivity(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Tabs of the console tell each other of the person's input: one person, one session, one idle clock. */
const CHANNEL = "kopru-console-activity";
/** How often a tab tells the others at most (the idle clock counts in minutes). */
const SHARE_EVERY_MS = 5_000;

let tracking = false;
let shared: BroadcastChannel | undefined;

/**
 * Listens for the person's input on the page, and in the console's other tabs, once. Scrolling and
 * hovering do not count.
 */
export function trackActivity(target: Pick<Window, "addEventListener">): void {
  if (tracking) return;
  tracking = true;
  let lastShared = 0;
  if (typeof BroadcastChannel !== "undefined") {
    shared = new BroadcastChannel(CHANNEL);
    shared.onmessage = (event: MessageEvent) => {
      if (typeof event.data === "number" && event.data <= Date.now()) noteActivity(event.data);
    };
  }
  const input = () => {
    const now = Date.now();
    noteActivity(now);
    if (shared && now - lastShared >= SHARE_EVERY_MS) {
      lastShared = now;
      shared.postMessage(now);
    }
  };
  for (const event of ["keydown", "pointerdown"] as const)
    target.addEventListener(event, input, { passive: true, capture: true });
}

/**
 * Whether this tab hears of input in the console's other tabs: only then may its idle timer end the
 * session at the backend too (otherwise it would log out a tab the person is working in).
 */
export function sharesActivity(): boolean {
  return shared !== undefined;
}
