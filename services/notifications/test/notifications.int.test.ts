import { Priority, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind, NoticeUrgency, type StaffNotice } from "@kopru/contracts/notification/v1/events";
import { DigestFrequency } from "@kopru/contracts/notification/v1/notification";
import type { UserTokenSource } from "@kopru/identity-client";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

// Staff names are personal data too: a mail that greeted people by name would carry them.
const CANARY = "Zümrüt-Canary-Kaplan";
const C = NoticeKind;
const U = NoticeUrgency;

describe("the notification service", () => {
  let h: Harness;
  let caseworker: UserTokenSource;
  let supervisor: UserTokenSource;
  let outsider: UserTokenSource;

  function notice(overrides: Partial<StaffNotice>): StaffNotice {
    return {
      noticeId: uuidv4(),
      organisationId: h.organisationId,
      recipient: { $case: "role", value: "caseworker" },
      kind: C.NOTICE_KIND_REFERRAL_RECEIVED,
      urgency: U.NOTICE_URGENCY_NORMAL,
      referralId: uuidv4(),
      caseId: undefined,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      status: ReferralStatus.REFERRAL_STATUS_UNSPECIFIED,
      dueAt: undefined,
      occurredAt: new Date(),
      sourceService: "municipality",
      ...overrides,
    };
  }
  const mailsTo = async (address: string) => (await h.mails()).filter((m) => m.to.includes(address));
  /** For waitFor: the mails to `address`, or false while there are none. */
  const to = (address: string) => async () => {
    const mails = await mailsTo(address);
    return mails.length > 0 && mails;
  };

  beforeAll(async () => {
    h = await startHarness({
      staff: [
        {
          id: "u-case-1",
          username: "case.one",
          displayName: `${CANARY} One`,
          roles: ["caseworker"],
          email: "case.one@mmcc.example",
        },
        {
          id: "u-case-2",
          username: "case.two",
          displayName: "Case Two (synthetic)",
          roles: ["caseworker"],
          email: "case.two@mmcc.example",
        },
        {
          id: "u-case-gone",
          username: "case.gone",
          displayName: "Gone (synthetic)",
          roles: ["caseworker"],
          email: "gone@mmcc.example",
          active: false,
        },
        {
          id: "u-case-nomail",
          username: "case.nomail",
          displayName: "No mail (synthetic)",
          roles: ["caseworker"],
        },
        {
          id: "u-super",
          username: "super.one",
          displayName: `${CANARY} Super`,
          roles: ["supervisor"],
          email: "super@mmcc.example",
        },
        {
          id: "u-other",
          username: "other.one",
          displayName: "Other (synthetic)",
          roles: ["caseworker"],
          email: "other@ngo.example",
          other: true,
        },
      ],
    });
    caseworker = await h.login("case.one");
    supervisor = await h.login("super.one");
    outsider = await h.login("other.one");
  });
  afterAll(() => h?.stop());

  it("feeds a role notice to everyone holding the role, with unread counts, and emails each active member with an address", async () => {
    const received = notice({ dueAt: new Date("2026-12-08T09:30:00Z") });
    await h.publish(received);
    const feed = await waitFor(
      async () => {
        const answer = await h.call(
          h.client.listNotifications,
          { unreadOnly: false, page: undefined },
          caseworker,
        );
        return answer.notifications.length > 0 && answer;
      },
      { message: "the notice in the caseworker's feed" },
    );
    expect(feed.unreadCount).toBe(1);
    expect(feed.notifications[0]).toMatchObject({
      notificationId: received.noticeId,
      kind: C.NOTICE_KIND_REFERRAL_RECEIVED,
      title: "A new referral arrived in your organisation's inbox",
      link: `https://console.kopru.example/referrals/${received.referralId}`,
      role: "caseworker",
      referralId: received.referralId,
    });
    expect(feed.notifications[0]?.readAt).toBeUndefined();
    // Not a supervisor's, not another organisation's.
    expect(
      (await h.call(h.client.listNotifications, { unreadOnly: false, page: undefined }, supervisor))
        .notifications,
    ).toEqual([]);
    expect(
      (await h.call(h.client.listNotifications, { unreadOnly: false, page: undefined }, outsider))
        .notifications,
    ).toEqual([]);

    const [one] = await waitFor(to("case.one@mmcc.example"), { message: "the mail to case.one" });
    await waitFor(to("case.two@mmcc.example"), { message: "the mail to case.two" });
    expect(one?.subject).toBe("Köprü: A new referral arrived in your organisation's inbox");
    expect(one?.text).toContain(`https://console.kopru.example/referrals/${received.referralId}`);
    expect(one?.text).toContain("Service: mmcc counselling");
    expect(one?.headers["x-kopru-notice-id"]).toBe(received.noticeId);
    const all = await h.mails();
    expect(all.flatMap((m) => m.to)).not.toContain("gone@mmcc.example");
    expect(all.flatMap((m) => m.to)).not.toContain("other@ngo.example");

    const marked = await h.call(
      h.client.markNotificationsRead,
      { notificationIds: [received.noticeId], all: false },
      caseworker,
    );
    expect(marked).toEqual({ marked: 1, unreadCount: 0 });
    // Read for one caseworker is still unread for the other.
    const other = await h.login("case.two");
    expect(
      (await h.call(h.client.listNotifications, { unreadOnly: true, page: undefined }, other)).unreadCount,
    ).toBe(1);
  });

  it("drops a repeated notice: one feed entry, one mail", async () => {
    const assigned = notice({
      recipient: { $case: "actorId", value: "u-super" },
      kind: C.NOTICE_KIND_ASSIGNED,
      urgency: U.NOTICE_URGENCY_URGENT,
    });
    await h.publish(assigned);
    await h.publish(assigned);
    await waitFor(to("super@mmcc.example"), { message: "the mail to the supervisor" });
    const feed = await h.call(h.client.listNotifications, { unreadOnly: true, page: undefined }, supervisor);
    expect(feed.notifications.map((n) => n.notificationId)).toEqual([assigned.noticeId]);
    // A later notice's mail proves the repeat had its chance to be mailed, and was not.
    const later = notice({
      recipient: { $case: "actorId", value: "u-super" },
      kind: C.NOTICE_KIND_FOLLOW_UP_ESCALATED,
    });
    await h.publish(later);
    await waitFor(async () => (await mailsTo("super@mmcc.example")).length === 2, {
      message: "the second mail",
    });
    expect((await mailsTo("super@mmcc.example")).map((m) => m.headers["x-kopru-notice-id"]).sort()).toEqual(
      [assigned.noticeId, later.noticeId].sort(),
    );
  });

  it("keeps each person's preferences: email off means feed only", async () => {
    const before = await h.call(h.client.getNotificationPreferences, {}, supervisor);
    expect(before).toMatchObject({
      preferences: { emailEnabled: true, digestFrequency: DigestFrequency.DIGEST_FREQUENCY_DAILY },
      emailOnFile: true,
    });
    const after = await h.call(
      h.client.updateNotificationPreferences,
      { emailEnabled: false, digestFrequency: 0 },
      supervisor,
    );
    expect(after.preferences).toMatchObject({
      emailEnabled: false,
      digestFrequency: DigestFrequency.DIGEST_FREQUENCY_DAILY,
    });
    const mailsBefore = (await mailsTo("super@mmcc.example")).length;
    const quiet = notice({ recipient: { $case: "actorId", value: "u-super" }, kind: C.NOTICE_KIND_ASSIGNED });
    await h.publish(quiet);
    // And a mail to someone else after it, so the quiet one had its turn.
    const loud = notice({ recipient: { $case: "actorId", value: "u-case-2" }, kind: C.NOTICE_KIND_ASSIGNED });
    await h.publish(loud);
    await waitFor(
      async () =>
        (await mailsTo("case.two@mmcc.example")).some(
          (m) => m.headers["x-kopru-notice-id"] === loud.noticeId,
        ),
      { message: "the mail to case.two" },
    );
    await waitFor(
      async () =>
        (
          await h.call(h.client.listNotifications, { unreadOnly: true, page: undefined }, supervisor)
        ).notifications.some((n) => n.notificationId === quiet.noticeId),
      { message: "the quiet notice in the feed" },
    );
    expect((await mailsTo("super@mmcc.example")).length).toBe(mailsBefore);
    await h.call(
      h.client.updateNotificationPreferences,
      { emailEnabled: true, digestFrequency: 0 },
      supervisor,
    );
  });

  it("gathers LOW notices into one digest, sent when the clock reaches the person's digest time", async () => {
    await h.call(
      h.client.updateNotificationPreferences,
      { digestFrequency: DigestFrequency.DIGEST_FREQUENCY_HOURLY },
      caseworker,
    );
    const first = notice({
      recipient: { $case: "actorId", value: "u-case-1" },
      kind: C.NOTICE_KIND_REFERRAL_STATUS,
      urgency: U.NOTICE_URGENCY_LOW,
      status: ReferralStatus.REFERRAL_STATUS_ACCEPTED,
    });
    const second = notice({
      recipient: { $case: "actorId", value: "u-case-1" },
      kind: C.NOTICE_KIND_REFERRAL_OUTCOME,
      urgency: U.NOTICE_URGENCY_LOW,
    });
    await h.publish(first);
    await h.publish(second);
    await waitFor(
      async () =>
        (await h.call(h.client.listNotifications, { unreadOnly: true, page: undefined }, caseworker))
          .unreadCount >= 2,
      { message: "both LOW notices in the feed" },
    );
    const digestsNow = async () => {
      const digests = (await mailsTo("case.one@mmcc.example")).filter((m) => m.headers["x-kopru-digest"]);
      return digests.length > 0 && digests;
    };
    expect(await digestsNow()).toBe(false);
    // An hour later by the service's business clock (a durable timer, not a timeout).
    await h.setClockOffset(3_600_000);
    const [digest] = await waitFor(digestsNow, { message: "the digest", timeoutMs: 15_000 });
    expect(digest?.subject).toBe("Köprü: 2 updates this hour");
    expect(digest?.text).toContain(`/referrals/${first.referralId}`);
    expect(digest?.text).toContain(`/referrals/${second.referralId}`);
    expect(digest?.text).toContain("A referral you made is now accepted");
    await h.setClockOffset(0);
  });

  it("tells nobody, and retries nothing, for an organisation the staff directory does not know", async () => {
    const stray = notice({ organisationId: `mmcc-nowhere-${h.organisationId}` });
    await h.publish(stray);
    const db = h.service.context.db;
    await waitFor(
      async () =>
        (await db.query("SELECT 1 FROM notices WHERE notice_id = $1", [stray.noticeId])).rows.length > 0,
      { message: "the stray notice kept" },
    );
    await waitFor(
      async () =>
        (await db.query("SELECT 1 FROM kopru_timers WHERE key = $1", [stray.noticeId])).rows.length === 0,
      { message: "its fan-out done, not left to retry" },
    );
  });

  it("serves staff only, each their own feed", async () => {
    await expect(
      h.call(h.client.listNotifications, { unreadOnly: false, page: undefined }, h.partner),
    ).rejects.toMatchObject({ code: 7 }); // PERMISSION_DENIED
    await expect(
      h.call(
        h.client.listNotifications,
        { unreadOnly: false, page: undefined },
        { token: async () => "not-a-token" },
      ),
    ).rejects.toMatchObject({ code: 16 }); // UNAUTHENTICATED
    await expect(
      h.call(h.client.markNotificationsRead, { notificationIds: ["not-a-uuid"], all: false }, caseworker),
    ).rejects.toMatchObject({ code: 3 });
  });

  it("puts no personal data in any mail", async () => {
    const mails = await h.mails();
    expect(mails.length).toBeGreaterThan(3);
    for (const mail of mails) {
      expect(mail.raw).not.toContain(CANARY);
      expect(`${mail.subject}\n${mail.text}\n${mail.html}`).not.toContain(CANARY);
      // Links carry ids only.
      for (const link of mail.text.match(/https:\/\/\S+/g) ?? []) {
        expect(link).toMatch(
          /^https:\/\/console\.kopru\.example\/(referrals|cases)\/[0-9a-f-]+$|\/notifications$/,
        );
      }
    }
  });
});
