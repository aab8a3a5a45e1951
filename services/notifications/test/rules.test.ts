import { Priority, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, NoticeUrgency } from "@kopru/contracts/notification/v1/events";
import { DigestFrequency } from "@kopru/contracts/notification/v1/notification";
import { describe, expect, it } from "vitest";
import { renderDigestEmail, renderNoticeEmail } from "../src/adapters/email/templates.js";
import { noticeDefect } from "../src/application/receive-notice.js";
import { effectiveUrgency, type Notice, noticeLink, noticeTitle } from "../src/domain/notice.js";
import { nextDigestAt } from "../src/domain/preferences.js";

const notice: Notice = {
  noticeId: "0190a0b0-0000-7000-8000-000000000001",
  organisationId: "mmcc-kilis",
  actorId: undefined,
  role: "caseworker",
  kind: NoticeKind.NOTICE_KIND_REFERRAL_RECEIVED,
  urgency: NoticeUrgency.NOTICE_URGENCY_NORMAL,
  referralId: "0190a0b0-0000-7000-8000-0000000000aa",
  caseId: undefined,
  serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
  priority: Priority.PRIORITY_HIGH,
  status: ReferralStatus.REFERRAL_STATUS_UNSPECIFIED,
  dueAt: new Date("2026-12-08T09:30:00Z"),
  occurredAt: new Date("2026-12-06T10:00:00Z"),
  sourceService: "municipality",
  receivedAt: new Date("2026-12-06T10:00:01Z"),
};

describe("digest windows (08:00 Europe/Istanbul = 05:00 UTC)", () => {
  const at = (iso: string) => new Date(iso);
  it("hourly: the next full hour", () => {
    expect(nextDigestAt(DigestFrequency.DIGEST_FREQUENCY_HOURLY, at("2026-12-06T10:00:00Z"))).toEqual(
      at("2026-12-06T11:00:00Z"),
    );
    expect(nextDigestAt(DigestFrequency.DIGEST_FREQUENCY_HOURLY, at("2026-12-06T10:59:59Z"))).toEqual(
      at("2026-12-06T11:00:00Z"),
    );
  });
  it("daily: the next 08:00 in Türkiye, the same for the whole window", () => {
    expect(nextDigestAt(DigestFrequency.DIGEST_FREQUENCY_DAILY, at("2026-12-06T04:59:00Z"))).toEqual(
      at("2026-12-06T05:00:00Z"),
    );
    expect(nextDigestAt(DigestFrequency.DIGEST_FREQUENCY_DAILY, at("2026-12-06T05:00:00Z"))).toEqual(
      at("2026-12-07T05:00:00Z"),
    );
    expect(nextDigestAt(DigestFrequency.DIGEST_FREQUENCY_DAILY, at("2026-12-06T23:00:00Z"))).toEqual(
      at("2026-12-07T05:00:00Z"),
    );
  });
  it("weekly: the next Monday 08:00", () => {
    // 2026-12-06 is a Sunday, 2026-12-07 a Monday.
    expect(nextDigestAt(DigestFrequency.DIGEST_FREQUENCY_WEEKLY, at("2026-12-06T12:00:00Z"))).toEqual(
      at("2026-12-07T05:00:00Z"),
    );
    expect(nextDigestAt(DigestFrequency.DIGEST_FREQUENCY_WEEKLY, at("2026-12-07T05:00:00Z"))).toEqual(
      at("2026-12-14T05:00:00Z"),
    );
  });
  it("off: no digest", () => {
    expect(nextDigestAt(DigestFrequency.DIGEST_FREQUENCY_OFF, at("2026-12-06T12:00:00Z"))).toBeUndefined();
  });
});

describe("notices", () => {
  it("takes the publisher's urgency, else the kind's", () => {
    expect(
      effectiveUrgency(NoticeKind.NOTICE_KIND_REFERRAL_STATUS, NoticeUrgency.NOTICE_URGENCY_UNSPECIFIED),
    ).toBe(NoticeUrgency.NOTICE_URGENCY_LOW);
    expect(
      effectiveUrgency(NoticeKind.NOTICE_KIND_CONSENT_WITHDRAWN, NoticeUrgency.NOTICE_URGENCY_UNSPECIFIED),
    ).toBe(NoticeUrgency.NOTICE_URGENCY_URGENT);
    expect(
      effectiveUrgency(NoticeKind.NOTICE_KIND_REFERRAL_STATUS, NoticeUrgency.NOTICE_URGENCY_URGENT),
    ).toBe(NoticeUrgency.NOTICE_URGENCY_URGENT);
  });

  it("words each kind and links with ids only", () => {
    expect(noticeTitle(notice)).toBe("A new referral arrived in your organisation's inbox");
    expect(
      noticeTitle({
        ...notice,
        kind: NoticeKind.NOTICE_KIND_REFERRAL_STATUS,
        status: ReferralStatus.REFERRAL_STATUS_ACCEPTED,
      }),
    ).toBe("A referral you made is now accepted");
    expect(noticeLink("https://console.example/", notice)).toBe(
      "https://console.example/referrals/0190a0b0-0000-7000-8000-0000000000aa",
    );
    expect(noticeLink("https://console.example", { referralId: undefined, caseId: "c-1" })).toBe(
      "https://console.example/cases/c-1",
    );
  });

  it("renders an email and a digest from codes and ids only", () => {
    const mail = renderNoticeEmail(notice, "https://console.example");
    expect(mail.subject).toBe("Köprü: A new referral arrived in your organisation's inbox");
    expect(mail.text).toContain("Service: mmcc counselling");
    expect(mail.text).toContain("Priority: high");
    expect(mail.text).toContain("Due: 2026-12-08 09:30 UTC");
    expect(mail.text).toContain("https://console.example/referrals/0190a0b0-0000-7000-8000-0000000000aa");
    const digest = renderDigestEmail(
      [notice, notice],
      DigestFrequency.DIGEST_FREQUENCY_DAILY,
      "https://c.example",
    );
    expect(digest.subject).toBe("Köprü: 2 updates today");
    expect(digest.text).toContain("All of them: https://c.example/notifications");
  });

  it("drops a notice whose organisation is not its subject's, or that names no recipient", () => {
    const base = {
      noticeId: notice.noticeId,
      organisationId: "mmcc-kilis",
      recipient: { $case: "role" as const, value: "supervisor" },
      kind: NoticeKind.NOTICE_KIND_FOLLOW_UP_ESCALATED,
      urgency: NoticeUrgency.NOTICE_URGENCY_URGENT,
      serviceType: 0,
      priority: 0,
      status: 0,
      sourceService: "municipality",
    };
    expect(noticeDefect(base, "kopru.v1.notice.mmcc-kilis")).toBeUndefined();
    expect(noticeDefect(base, "kopru.v1.notice.mmcc-adana")).toMatch(/subject/);
    expect(noticeDefect({ ...base, recipient: undefined }, "kopru.v1.notice.mmcc-kilis")).toMatch(
      /recipient/,
    );
    expect(noticeDefect({ ...base, noticeId: "x" }, "kopru.v1.notice.mmcc-kilis")).toMatch(/UUID/);
  });
});
