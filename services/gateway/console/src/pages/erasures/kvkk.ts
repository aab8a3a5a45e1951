import type { components } from "@kopru/contracts/openapi/console-api";

// The KVKK answer clock of a network-wide erasure request (ADR 0023), kept apart from the page so it
// is tested without a browser. KVKK art. 13 gives thirty days to answer the person, and a period
// counted in days ends with its last day: the clock counts calendar days in Türkiye (Europe/Istanbul,
// UTC+3 all year), whatever time zone the browser is in, so a count never flips at UTC midnight (03:00
// in Türkiye) and a request due today is not overdue before that day is over.

type Schemas = components["schemas"];
export type ErasureRequest = Schemas["kopru.referral.v1.ErasureRequestTracked"];
export type ErasureHolder = Schemas["kopru.referral.v1.ErasureHolderProgress"];

export const KVKK_ANSWER_DAYS = 30;
export const KVKK_TIME_ZONE = "Europe/Istanbul";
/** Inside this many days the clock reads "due soon". */
export const KVKK_SOON_DAYS = 7;

const DAY_MS = 86_400_000;

const turkishCalendar = new Intl.DateTimeFormat("en-GB", {
  timeZone: KVKK_TIME_ZONE,
  year: "numeric",
  month: "numeric",
  day: "numeric",
});

/** The calendar day an instant falls on in Türkiye, as a day number (days since 1970-01-01). */
export function turkishDay(at: number): number {
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    Number(turkishCalendar.formatToParts(at).find((p) => p.type === type)?.value);
  return Date.UTC(part("year"), part("month") - 1, part("day")) / DAY_MS;
}

function time(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** When the person must have their answer: intake's date, else the request's date plus thirty days. */
export function kvkkDueAt(request: ErasureRequest): number | undefined {
  const received = time(request.requestedAt);
  return (
    time(request.kvkkDueBy) ?? (received === undefined ? undefined : received + KVKK_ANSWER_DAYS * DAY_MS)
  );
}

/**
 * How a request stands against its KVKK date, in whole Turkish calendar days:
 * - `ahead` / `soon`: open, `days` left (≥ 1; `soon` within KVKK_SOON_DAYS);
 * - `today`: open, the due date is today (`days` 0);
 * - `overdue`: open, `days` past the due date (≥ 1);
 * - `completed`: every holder confirmed on or before the due date (`days` to spare, ≥ 0);
 * - `completedLate`: confirmed `days` after the due date (≥ 1);
 * - `unknown`: no date to count from.
 */
export type KvkkState = "ahead" | "soon" | "today" | "overdue" | "completed" | "completedLate" | "unknown";
export interface KvkkClock {
  state: KvkkState;
  days: number;
}

export function kvkkClock(request: ErasureRequest, now: number): KvkkClock {
  const due = kvkkDueAt(request);
  if (due === undefined) return { state: "unknown", days: 0 };
  const dueDay = turkishDay(due);
  const completed = time(request.completedAt);
  if (completed !== undefined) {
    const spare = dueDay - turkishDay(completed);
    return spare < 0 ? { state: "completedLate", days: -spare } : { state: "completed", days: spare };
  }
  const left = dueDay - turkishDay(now);
  if (left < 0) return { state: "overdue", days: -left };
  if (left === 0) return { state: "today", days: 0 };
  return { state: left <= KVKK_SOON_DAYS ? "soon" : "ahead", days: left };
}

/**
 * One holder's answer: `confirmed` (its result and when), `overdue` (past its confirm-by without an
 * answer, since when) or `waiting` (until when). Overdue on the timestamp, as coordination judges it.
 */
export type HolderState =
  | { state: "confirmed"; at: string | undefined; result: ErasureHolder["result"] }
  | { state: "overdue"; since: string | undefined }
  | { state: "waiting"; by: string | undefined };

export function holderState(holder: ErasureHolder, now: number): HolderState {
  // proto3 JSON leaves UNSPECIFIED (pending) out; a server that wrote it anyway means the same.
  const result: string | undefined = holder.result;
  if (holder.result && result !== "ERASURE_RESULT_UNSPECIFIED") {
    return { state: "confirmed", at: holder.confirmedAt, result: holder.result };
  }
  const by = time(holder.confirmBy);
  if (holder.overdue || (by !== undefined && by <= now)) {
    return { state: "overdue", since: holder.overdueSince || holder.confirmBy };
  }
  return { state: "waiting", by: holder.confirmBy };
}

/** A request's holders, the longest overdue first, then those waiting, then those that confirmed. */
export function holdersByUrgency(
  holders: readonly ErasureHolder[],
  now: number,
): { holder: ErasureHolder; state: HolderState }[] {
  const rank = { overdue: 0, waiting: 1, confirmed: 2 } as const;
  const at = (state: HolderState) =>
    time(state.state === "overdue" ? state.since : state.state === "waiting" ? state.by : state.at) ??
    Number.POSITIVE_INFINITY;
  return holders
    .map((holder) => ({ holder, state: holderState(holder, now) }))
    .sort(
      (a, b) =>
        rank[a.state.state] - rank[b.state.state] ||
        at(a.state) - at(b.state) ||
        (a.holder.organisationId ?? "").localeCompare(b.holder.organisationId ?? ""),
    );
}

export function overdueHolders(request: ErasureRequest, now: number): number {
  return (request.holders ?? []).filter((holder) => holderState(holder, now).state === "overdue").length;
}

export function confirmedHolders(request: ErasureRequest, now: number): number {
  return (request.holders ?? []).filter((holder) => holderState(holder, now).state === "confirmed").length;
}

/**
 * Most urgent first: open requests by their KVKK date (the most overdue first), a tie broken by how
 * many holders are overdue; then completed ones, the latest completion first.
 */
export function byUrgency(requests: readonly ErasureRequest[], now: number): ErasureRequest[] {
  const infinity = Number.POSITIVE_INFINITY;
  return requests
    .map((request) => ({
      request,
      completed: time(request.completedAt),
      due: kvkkDueAt(request) ?? infinity,
      overdue: overdueHolders(request, now),
    }))
    .sort((a, b) => {
      if ((a.completed === undefined) !== (b.completed === undefined))
        return a.completed === undefined ? -1 : 1;
      const order =
        a.completed === undefined || b.completed === undefined
          ? a.due - b.due || b.overdue - a.overdue
          : b.completed - a.completed;
      return order || (a.request.erasureRequestId ?? "").localeCompare(b.request.erasureRequestId ?? "");
    })
    .map((entry) => entry.request);
}

/**
 * The reports of two lists (open requests, and all of them) as one, each request once: coordination
 * keeps the newest report of each, and the newer of two reads (the higher sequence) wins.
 */
export function mergeReports(...lists: readonly (readonly ErasureRequest[])[]): ErasureRequest[] {
  const byId = new Map<string, ErasureRequest>();
  for (const request of lists.flat()) {
    const id = request.erasureRequestId ?? "";
    const known = byId.get(id);
    if (!known || Number(request.sequence ?? 0) > Number(known.sequence ?? 0)) byId.set(id, request);
  }
  return [...byId.values()];
}

/** The figures above the table: requests in progress, past their KVKK date, with a holder overdue. */
export function summarise(
  requests: readonly ErasureRequest[],
  now: number,
): { open: number; pastDue: number; holderOverdue: number } {
  const open = requests.filter((request) => !request.completedAt);
  return {
    open: open.length,
    pastDue: open.filter((request) => kvkkClock(request, now).state === "overdue").length,
    holderOverdue: open.filter((request) => overdueHolders(request, now) > 0).length,
  };
}
