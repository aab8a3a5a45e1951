import { describe, expect, it } from "vitest";
import { isUnread, isUrgent, referralRoute, unreadIds } from "./feed.js";

describe("notification feed", () => {
  const feed = [
    { notificationId: "a", readAt: "2026-12-01T10:00:00Z" },
    { notificationId: "b" },
    { notificationId: "c", urgency: "NOTICE_URGENCY_URGENT" as const },
  ];

  it("tells unread entries by their missing read time", () => {
    expect(feed.map(isUnread)).toEqual([false, true, true]);
    expect(unreadIds(feed)).toEqual(["b", "c"]);
  });

  it("marks urgent notices", () => {
    expect(feed.map(isUrgent)).toEqual([false, false, true]);
  });

  it("links a referral to the page the reader works in", () => {
    const notification = { referralId: "0b0c5a52-3b3f-4a55-9c55-6a2f7e3c0d11" };
    expect(referralRoute({ receives: true, refers: false }, notification)).toEqual({
      to: "/referrals/$referralId",
      params: { referralId: notification.referralId },
    });
    expect(referralRoute({ receives: false, refers: true }, notification)?.to).toBe(
      "/my-referrals/$referralId",
    );
    expect(referralRoute({ receives: false, refers: false }, notification)).toBeUndefined();
    expect(referralRoute({ receives: true, refers: false }, {})).toBeUndefined();
  });

  it("opens a referral the reader's organisation made on its my-referrals page, even at a receiving service", () => {
    const outcome = { referralId: "r1", kind: "NOTICE_KIND_REFERRAL_OUTCOME" as const };
    expect(referralRoute({ receives: true, refers: false }, outcome)?.to).toBe("/my-referrals/$referralId");
    const received = { referralId: "r1", kind: "NOTICE_KIND_REFERRAL_RECEIVED" as const };
    expect(referralRoute({ receives: true, refers: false }, received)?.to).toBe("/referrals/$referralId");
  });
});
