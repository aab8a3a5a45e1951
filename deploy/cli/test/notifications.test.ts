import { NoticeKind, NoticeUrgency } from "@kopru/contracts/notification/v1/events";
import { DigestFrequency } from "@kopru/contracts/notification/v1/notification";
import type { ClientCaller } from "@kopru/service-kit";
import { describe, expect, it } from "vitest";
import type { Api, Gateway } from "../src/grpc.js";
import { runCli } from "../src/program.js";

const ID = "0190a0b0-0000-7000-8000-000000000001";

async function run(args: string, answers: Record<string, unknown>) {
  const calls: { service: string; method: string; request: unknown; caller: ClientCaller }[] = [];
  const api = (service: string, caller: ClientCaller) =>
    ({
      service,
      address: "127.0.0.1:50057",
      async call(method: string, request: unknown) {
        calls.push({ service, method, request, caller });
        return answers[method];
      },
      as: (next: ClientCaller) => api(service, next),
    }) as unknown as Api<never>;
  const gateway = {
    notifications: (caller: ClientCaller) => api("notifications", caller),
    acting: (as: string | undefined) => (as ? { organisationId: as } : undefined),
    close() {},
  } as unknown as Gateway;
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args.split(" "), gateway, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    now: () => new Date("2026-12-06T10:00:00Z"),
    newId: () => "00000000-0000-4000-8000-000000000001",
  });
  return { code, calls, out: out.join("\n"), err: err.join("\n") };
}

describe("kopru notifications", () => {
  it("lists the caller's feed with the unread count", async () => {
    const { code, calls, out } = await run("notifications list --unread --as mmcc-gaziantep", {
      listNotifications: {
        unreadCount: 1,
        notifications: [
          {
            notificationId: ID,
            kind: NoticeKind.NOTICE_KIND_REFERRAL_RECEIVED,
            urgency: NoticeUrgency.NOTICE_URGENCY_NORMAL,
            title: "A new referral arrived in your organisation's inbox",
            link: "http://127.0.0.1:5173/referrals/r-1",
            role: "caseworker",
            createdAt: new Date("2026-12-06T09:00:00Z"),
          },
        ],
        page: { nextPageToken: "" },
      },
    });
    expect(code).toBe(0);
    expect(calls[0]).toMatchObject({
      service: "notifications",
      method: "listNotifications",
      request: { unreadOnly: true },
      caller: { organisationId: "mmcc-gaziantep" },
    });
    expect(out).toContain("1 unread");
    expect(out).toContain("A new referral arrived in your organisation's inbox (to caseworkers)");
    expect(out).toContain(ID);
  });

  it("marks entries read, or all of them", async () => {
    const answers = { markNotificationsRead: { marked: 1, unreadCount: 0 } };
    const one = await run(`notifications read ${ID} --as mmcc-gaziantep`, answers);
    expect(one.calls[0]?.request).toEqual({ notificationIds: [ID], all: false });
    expect(one.out).toBe("marked 1 read; 0 unread");
    const all = await run("notifications read --all --as mmcc-gaziantep", answers);
    expect(all.calls[0]?.request).toEqual({ notificationIds: [], all: true });
    const none = await run("notifications read --as mmcc-gaziantep", answers);
    expect(none.code).toBe(2);
  });

  it("shows and changes the caller's preferences", async () => {
    const shown = await run("notifications prefs --as mmcc-gaziantep", {
      getNotificationPreferences: {
        preferences: { emailEnabled: true, digestFrequency: DigestFrequency.DIGEST_FREQUENCY_DAILY },
        emailOnFile: true,
      },
    });
    expect(shown.out).toContain("email:");
    expect(shown.out).toMatch(/digest:\s+daily/);
    const changed = await run("notifications prefs --email off --digest hourly --as mmcc-gaziantep", {
      updateNotificationPreferences: {
        preferences: { emailEnabled: false, digestFrequency: DigestFrequency.DIGEST_FREQUENCY_HOURLY },
      },
    });
    expect(changed.calls[0]?.request).toEqual({
      emailEnabled: false,
      digestFrequency: DigestFrequency.DIGEST_FREQUENCY_HOURLY,
    });
    expect(changed.out).toMatch(/email:\s+off/);
    const wrong = await run("notifications prefs --email maybe --as mmcc-gaziantep", {});
    expect(wrong.code).toBe(2);
  });
});
