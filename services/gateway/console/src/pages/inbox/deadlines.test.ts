import { describe, expect, it } from "vitest";
import { byDeadline, followUpDeadline, responseDeadline } from "./deadlines.js";

const now = Date.parse("2026-12-07T12:00:00Z");
const at = (hours: number) => new Date(now + hours * 3_600_000).toISOString();

describe("responseDeadline", () => {
  it("is overdue once respondBy has passed while the referral is unanswered", () => {
    expect(responseDeadline({ status: "REFERRAL_STATUS_RECEIVED", respondBy: at(-1) }, now)).toBe("overdue");
    expect(responseDeadline({ status: "REFERRAL_STATUS_REQUESTED", respondBy: at(0) }, now)).toBe("overdue");
  });
  it("is soon within a day, ok beyond", () => {
    expect(responseDeadline({ status: "REFERRAL_STATUS_RECEIVED", respondBy: at(23) }, now)).toBe("soon");
    expect(responseDeadline({ status: "REFERRAL_STATUS_RECEIVED", respondBy: at(25) }, now)).toBe("ok");
  });
  it("no longer counts once answered, or without a deadline", () => {
    expect(responseDeadline({ status: "REFERRAL_STATUS_ACCEPTED", respondBy: at(-5) }, now)).toBe("none");
    expect(responseDeadline({ status: "REFERRAL_STATUS_ON_HOLD", respondBy: at(-5) }, now)).toBe("none");
    expect(responseDeadline({ status: "REFERRAL_STATUS_RECEIVED" }, now)).toBe("none");
    expect(responseDeadline({ status: "REFERRAL_STATUS_RECEIVED", respondBy: "not a date" }, now)).toBe(
      "none",
    );
  });
});

describe("followUpDeadline", () => {
  it("counts for accepted and in-progress referrals", () => {
    expect(followUpDeadline({ status: "REFERRAL_STATUS_ACCEPTED", followUpDueAt: at(-1) }, now)).toBe(
      "overdue",
    );
    expect(followUpDeadline({ status: "REFERRAL_STATUS_IN_PROGRESS", followUpDueAt: at(48) }, now)).toBe(
      "soon",
    );
    expect(followUpDeadline({ status: "REFERRAL_STATUS_IN_PROGRESS", followUpDueAt: at(100) }, now)).toBe(
      "ok",
    );
    expect(followUpDeadline({ status: "REFERRAL_STATUS_COMPLETED", followUpDueAt: at(-1) }, now)).toBe(
      "none",
    );
  });
  it("follows the server's stage where it knows more", () => {
    expect(
      followUpDeadline(
        {
          status: "REFERRAL_STATUS_ACCEPTED",
          followUpDueAt: at(100),
          followUpStage: "FOLLOW_UP_STAGE_OVERDUE",
        },
        now,
      ),
    ).toBe("overdue");
    expect(
      followUpDeadline(
        {
          status: "REFERRAL_STATUS_ACCEPTED",
          followUpDueAt: at(100),
          followUpStage: "FOLLOW_UP_STAGE_REMINDED",
        },
        now,
      ),
    ).toBe("soon");
    expect(
      followUpDeadline(
        { status: "REFERRAL_STATUS_ACCEPTED", followUpDueAt: at(-1), followUpStage: "FOLLOW_UP_STAGE_DONE" },
        now,
      ),
    ).toBe("none");
  });
});

describe("byDeadline", () => {
  it("puts overdue first, then soon, then the rest, each earliest first", () => {
    const rows = [
      { id: "ok", due: at(50) },
      { id: "late2", due: at(-1) },
      { id: "soon", due: at(2) },
      { id: "late1", due: at(-10) },
      { id: "none", due: undefined },
    ];
    const sorted = byDeadline(
      rows,
      (row) => responseDeadline({ status: "REFERRAL_STATUS_RECEIVED", respondBy: row.due }, now),
      (row) => row.due,
    );
    expect(sorted.map((row) => row.id)).toEqual(["late1", "late2", "soon", "ok", "none"]);
  });
});
