import { describe, expect, it } from "vitest";
import { canOpenCase, caseForReferral, findCase } from "./cases.js";

describe("caseForReferral", () => {
  it("picks the open case serving the referral before a closed one", () => {
    const cases = [
      { caseId: "other", status: "CASE_STATUS_OPEN", referralIds: ["r2"], openedAt: "2026-12-01T00:00:00Z" },
      {
        caseId: "closed",
        status: "CASE_STATUS_CLOSED",
        referralIds: ["r1"],
        openedAt: "2026-12-03T00:00:00Z",
      },
      {
        caseId: "open",
        status: "CASE_STATUS_OPEN",
        referralIds: ["r0", "r1"],
        openedAt: "2026-11-01T00:00:00Z",
      },
    ];
    expect(caseForReferral(cases, "r1")?.caseId).toBe("open");
    expect(caseForReferral(cases, "r9")).toBeUndefined();
  });

  it("takes the newest of several closed cases", () => {
    const cases = [
      { caseId: "old", status: "CASE_STATUS_CLOSED", referralIds: ["r1"], openedAt: "2026-01-01T00:00:00Z" },
      { caseId: "new", status: "CASE_STATUS_CLOSED", referralIds: ["r1"], openedAt: "2026-06-01T00:00:00Z" },
    ];
    expect(caseForReferral(cases, "r1")?.caseId).toBe("new");
  });
});

describe("findCase", () => {
  it("pages until the case turns up, and stops at the end of the list", async () => {
    const pages: Record<string, { cases: { caseId: string; referralIds: string[] }[]; next?: string }> = {
      "": { cases: [{ caseId: "a", referralIds: ["x"] }], next: "p2" },
      p2: { cases: [{ caseId: "b", referralIds: ["r1"] }] },
    };
    const asked: string[] = [];
    const fetchPage = async (token: string) => {
      asked.push(token);
      const page = pages[token] ?? { cases: [] };
      return { cases: page.cases, nextPageToken: page.next };
    };
    expect((await findCase(fetchPage, "r1"))?.caseId).toBe("b");
    expect(asked).toEqual(["", "p2"]);
    expect(await findCase(fetchPage, "missing")).toBeNull();
  });

  it("gives up after a bounded number of pages", async () => {
    let calls = 0;
    const endless = async () => {
      calls++;
      return { cases: [], nextPageToken: "more" };
    };
    expect(await findCase(endless, "r1", 3)).toBeNull();
    expect(calls).toBe(3);
  });
});

describe("canOpenCase", () => {
  it("opens cases only for accepted or in-progress referrals", () => {
    expect(canOpenCase("REFERRAL_STATUS_ACCEPTED")).toBe(true);
    expect(canOpenCase("REFERRAL_STATUS_IN_PROGRESS")).toBe(true);
    expect(canOpenCase("REFERRAL_STATUS_RECEIVED")).toBe(false);
    expect(canOpenCase("REFERRAL_STATUS_COMPLETED")).toBe(false);
    expect(canOpenCase(undefined)).toBe(false);
  });
});
