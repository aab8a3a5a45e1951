import { describe, expect, it } from "vitest";
import {
  byUrgency,
  type ErasureRequest,
  holderState,
  holdersByUrgency,
  KVKK_SOON_DAYS,
  kvkkClock,
  kvkkDueAt,
  mergeReports,
  summarise,
  turkishDay,
} from "./kvkk.js";

const DAY = 86_400_000;
const at = (iso: string) => Date.parse(iso);

/** A request received at `received` (ISO), due thirty days later as intake records it. */
function request(received: string, extra: Partial<ErasureRequest> = {}): ErasureRequest {
  return {
    erasureRequestId: `req-${received}`,
    requesterOrganisationId: "ngo",
    reason: "ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST",
    requestedAt: received,
    kvkkDueBy: new Date(at(received) + 30 * DAY).toISOString(),
    holders: [],
    sequence: "1",
    ...extra,
  };
}

describe("turkishDay", () => {
  it("counts calendar days in Türkiye (UTC+3), not in UTC", () => {
    // 20:59 UTC is 23:59 in Türkiye, 21:00 UTC already the next day there.
    expect(turkishDay(at("2026-12-07T21:00:00Z")) - turkishDay(at("2026-12-07T20:59:59Z"))).toBe(1);
    // UTC midnight is 03:00 in Türkiye: the same Turkish day on both sides.
    expect(turkishDay(at("2026-12-08T00:00:00Z"))).toBe(turkishDay(at("2026-12-07T23:59:59Z")));
    expect(turkishDay(at("2026-12-07T21:00:00Z"))).toBe(Date.UTC(2026, 11, 8) / DAY);
  });
});

describe("kvkkDueAt", () => {
  it("takes intake's date, else the received date plus thirty days", () => {
    expect(kvkkDueAt(request("2026-11-01T09:00:00Z", { kvkkDueBy: "2026-11-30T09:00:00Z" }))).toBe(
      at("2026-11-30T09:00:00Z"),
    );
    const { kvkkDueBy: _, ...withoutDue } = request("2026-11-01T09:00:00Z");
    expect(kvkkDueAt(withoutDue)).toBe(at("2026-12-01T09:00:00Z"));
    expect(kvkkDueAt({ erasureRequestId: "x" })).toBeUndefined();
    expect(kvkkClock({ erasureRequestId: "x" }, Date.now())).toEqual({ state: "unknown", days: 0 });
  });
});

describe("kvkkClock", () => {
  // Received 7 November 10:00 in Türkiye: due 7 December 10:00 there (07:00 UTC).
  const open = request("2026-11-07T07:00:00Z");

  it("counts the days left, and reads due soon within a week", () => {
    expect(kvkkClock(open, at("2026-11-07T07:00:00Z"))).toEqual({ state: "ahead", days: 30 });
    expect(kvkkClock(open, at("2026-11-29T12:00:00Z"))).toEqual({ state: "ahead", days: 8 });
    expect(kvkkClock(open, at("2026-11-30T12:00:00Z"))).toEqual({ state: "soon", days: KVKK_SOON_DAYS });
    expect(kvkkClock(open, at("2026-11-28T12:00:00Z"))).toEqual({ state: "ahead", days: 9 });
    expect(kvkkClock(open, at("2026-12-06T20:59:00Z"))).toEqual({ state: "soon", days: 1 });
  });

  it("is due today for the whole Turkish due date, even after the due hour", () => {
    // 00:00 in Türkiye on the due date (21:00 UTC the day before: still the 6th in UTC).
    expect(kvkkClock(open, at("2026-12-06T21:00:00Z"))).toEqual({ state: "today", days: 0 });
    expect(kvkkClock(open, at("2026-12-07T07:00:00Z"))).toEqual({ state: "today", days: 0 });
    expect(kvkkClock(open, at("2026-12-07T20:59:59Z"))).toEqual({ state: "today", days: 0 });
  });

  it("is overdue by one day from midnight in Türkiye after the due date", () => {
    expect(kvkkClock(open, at("2026-12-07T21:00:00Z"))).toEqual({ state: "overdue", days: 1 });
    // UTC midnight (03:00 in Türkiye) changes nothing.
    expect(kvkkClock(open, at("2026-12-07T23:59:59Z"))).toEqual({ state: "overdue", days: 1 });
    expect(kvkkClock(open, at("2026-12-08T00:00:01Z"))).toEqual({ state: "overdue", days: 1 });
    expect(kvkkClock(open, at("2026-12-08T20:59:59Z"))).toEqual({ state: "overdue", days: 1 });
    expect(kvkkClock(open, at("2026-12-08T21:00:00Z"))).toEqual({ state: "overdue", days: 2 });
  });

  it("counts a due time late in the Turkish day on that day, not the UTC one", () => {
    // Due 23:30 in Türkiye on 7 December, which is 20:30 UTC: the 7th either way…
    const late = request("2026-11-07T20:30:00Z");
    expect(kvkkClock(late, at("2026-12-07T06:00:00Z"))).toEqual({ state: "today", days: 0 });
    // …but due 01:30 in Türkiye on 8 December is 22:30 UTC on the 7th: due on the 8th.
    const early = request("2026-11-07T22:30:00Z");
    expect(kvkkClock(early, at("2026-12-07T12:00:00Z"))).toEqual({ state: "soon", days: 1 });
    expect(kvkkClock(early, at("2026-12-07T22:00:00Z"))).toEqual({ state: "today", days: 0 });
  });

  it("stops the clock at completion: in time, on the due date, or days late", () => {
    const now = at("2027-02-01T12:00:00Z");
    expect(kvkkClock({ ...open, completedAt: "2026-11-20T09:00:00Z" }, now)).toEqual({
      state: "completed",
      days: 17,
    });
    expect(kvkkClock({ ...open, completedAt: "2026-12-07T20:00:00Z" }, now)).toEqual({
      state: "completed",
      days: 0,
    });
    expect(kvkkClock({ ...open, completedAt: "2026-12-07T21:30:00Z" }, now)).toEqual({
      state: "completedLate",
      days: 1,
    });
    expect(kvkkClock({ ...open, completedAt: "2026-12-12T08:00:00Z" }, now)).toEqual({
      state: "completedLate",
      days: 5,
    });
  });
});

describe("holders", () => {
  const now = at("2026-12-07T12:00:00Z");

  it("are confirmed once they answered, overdue past confirm-by (or when reported so), else waiting", () => {
    expect(
      holderState(
        { organisationId: "a", result: "ERASURE_RESULT_ERASED", confirmedAt: "2026-12-02T10:00:00Z" },
        now,
      ),
    ).toEqual({ state: "confirmed", at: "2026-12-02T10:00:00Z", result: "ERASURE_RESULT_ERASED" });
    expect(holderState({ organisationId: "b", confirmBy: "2026-12-07T12:00:00Z" }, now)).toEqual({
      state: "overdue",
      since: "2026-12-07T12:00:00Z",
    });
    expect(
      holderState(
        {
          organisationId: "c",
          confirmBy: "2026-12-20T00:00:00Z",
          overdue: true,
          overdueSince: "2026-12-05T00:00:00Z",
        },
        now,
      ),
    ).toEqual({ state: "overdue", since: "2026-12-05T00:00:00Z" });
    expect(holderState({ organisationId: "d", confirmBy: "2026-12-07T12:00:01Z" }, now)).toEqual({
      state: "waiting",
      by: "2026-12-07T12:00:01Z",
    });
    // A holder that confirmed late is confirmed, not overdue.
    expect(
      holderState(
        {
          organisationId: "e",
          confirmBy: "2026-12-01T00:00:00Z",
          overdue: true,
          overdueSince: "2026-12-01T00:00:00Z",
          result: "ERASURE_RESULT_NOT_HELD",
          confirmedAt: "2026-12-04T00:00:00Z",
        },
        now,
      ).state,
    ).toBe("confirmed");
  });

  it("list the longest overdue first, then those waiting, then those that confirmed", () => {
    const sorted = holdersByUrgency(
      [
        { organisationId: "confirmed", result: "ERASURE_RESULT_ERASED", confirmedAt: "2026-12-01T00:00:00Z" },
        { organisationId: "waiting", confirmBy: "2026-12-10T00:00:00Z" },
        { organisationId: "overdue-2", confirmBy: "2026-12-06T00:00:00Z" },
        { organisationId: "overdue-1", confirmBy: "2026-12-03T00:00:00Z" },
      ],
      now,
    );
    expect(sorted.map((entry) => entry.holder.organisationId)).toEqual([
      "overdue-1",
      "overdue-2",
      "waiting",
      "confirmed",
    ]);
  });
});

describe("byUrgency", () => {
  const now = at("2026-12-07T12:00:00Z");

  it("puts open requests first, the most overdue first, then completed ones, the latest first", () => {
    const dueIn10 = request("2026-11-17T09:00:00Z");
    const overdue3 = request("2026-11-04T09:00:00Z");
    const dueToday = request("2026-11-07T09:00:00Z");
    const completedOld = request("2026-10-01T09:00:00Z", { completedAt: "2026-10-05T09:00:00Z" });
    const completedNew = request("2026-10-20T09:00:00Z", { completedAt: "2026-12-01T09:00:00Z" });
    expect(byUrgency([completedOld, dueIn10, completedNew, dueToday, overdue3], now)).toEqual([
      overdue3,
      dueToday,
      dueIn10,
      completedNew,
      completedOld,
    ]);
  });

  it("breaks a tie of KVKK dates by the number of holders overdue", () => {
    const calm = request("2026-11-20T09:00:00Z", {
      erasureRequestId: "a",
      holders: [{ organisationId: "x", confirmBy: "2026-12-20T00:00:00Z" }],
    });
    const stuck = request("2026-11-20T09:00:00Z", {
      erasureRequestId: "b",
      holders: [{ organisationId: "x", confirmBy: "2026-12-01T00:00:00Z" }],
    });
    expect(byUrgency([calm, stuck], now).map((r) => r.erasureRequestId)).toEqual(["b", "a"]);
  });
});

describe("mergeReports and summarise", () => {
  const now = at("2026-12-07T12:00:00Z");

  it("keeps each request once, its newest report", () => {
    const open = request("2026-11-20T09:00:00Z", { sequence: "2" });
    const done = { ...open, sequence: "3", completedAt: "2026-12-06T00:00:00Z" };
    const other = request("2026-11-21T09:00:00Z");
    expect(mergeReports([open, other], [done])).toEqual([done, other]);
    expect(mergeReports([done], [open])).toEqual([done]);
  });

  it("counts the requests in progress, past their KVKK date, with a holder overdue", () => {
    const requests = [
      request("2026-10-01T09:00:00Z", {
        holders: [{ organisationId: "x", confirmBy: "2026-10-08T09:00:00Z" }],
      }),
      request("2026-11-20T09:00:00Z", {
        holders: [{ organisationId: "x", confirmBy: "2026-11-27T09:00:00Z" }],
      }),
      request("2026-11-30T09:00:00Z", {
        holders: [{ organisationId: "x", confirmBy: "2026-12-07T11:59:59Z" }],
      }),
      request("2026-12-01T09:00:00Z", {
        holders: [{ organisationId: "x", confirmBy: "2026-12-08T09:00:00Z" }],
      }),
      request("2026-09-01T09:00:00Z", { completedAt: "2026-10-15T09:00:00Z" }),
    ];
    expect(summarise(requests, now)).toEqual({ open: 4, pastDue: 1, holderOverdue: 3 });
  });
});
