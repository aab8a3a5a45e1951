import { CancelReason, Priority, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { WebhookEvent, WebhookEventType } from "@kopru/contracts/gateway/v1/partner_api";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { signatureHeader } from "../src/adapters/webhooks/sender.js";
import { resolveWebhookUrl, WebhookUrlRefusedError } from "../src/adapters/webhooks/url-guard.js";
import { newSecret } from "../src/application/webhooks.js";
import {
  addressRefusal,
  nextAttemptAfterFailure,
  noticesOfOutcome,
  noticesOfStatus,
  RETRY_CAP_MS,
  retryDelayMs,
  webhookEventOf,
} from "../src/domain/webhooks.js";

const at = new Date("2026-05-01T10:00:00Z");

function status(toStatus: ReferralStatus, extra: Partial<ReferralStatusChanged> = {}): ReferralStatusChanged {
  return ReferralStatusChanged.fromPartial({
    referralId: "5f0c3c1e-2a8b-4f7e-9d65-0b7a1c2d3e4f",
    rootReferralId: "5f0c3c1e-2a8b-4f7e-9d65-0b7a1c2d3e4f",
    referrerOrganisationId: "ngo-hayat",
    targetOrganisationId: "mmcc-gaziantep",
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_NORMAL,
    toStatus,
    sequence: 3,
    occurredAt: at,
    ...extra,
  });
}

const told = (toStatus: ReferralStatus, extra: Partial<ReferralStatusChanged> = {}) =>
  noticesOfStatus(status(toStatus, extra), at).map((n) => [n.eventType, n.organisationId]);

describe("which webhook event a referral's status makes, and for whom", () => {
  it("a new referral is news to its target, its receipt to its referrer", () => {
    expect(told(ReferralStatus.REFERRAL_STATUS_REQUESTED)).toEqual([
      [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_RECEIVED, "mmcc-gaziantep"],
    ]);
    expect(told(ReferralStatus.REFERRAL_STATUS_RECEIVED)).toEqual([
      [WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACKNOWLEDGED, "ngo-hayat"],
    ]);
  });

  it("every later change goes to both parties, each with its own event type", () => {
    const cases: [ReferralStatus, WebhookEventType][] = [
      [ReferralStatus.REFERRAL_STATUS_ACCEPTED, WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ACCEPTED],
      [ReferralStatus.REFERRAL_STATUS_DECLINED, WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_DECLINED],
      [ReferralStatus.REFERRAL_STATUS_ON_HOLD, WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_ON_HOLD],
      [ReferralStatus.REFERRAL_STATUS_IN_PROGRESS, WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_STARTED],
      [ReferralStatus.REFERRAL_STATUS_COMPLETED, WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_COMPLETED],
      [
        ReferralStatus.REFERRAL_STATUS_NOT_COMPLETED,
        WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_NOT_COMPLETED,
      ],
      [ReferralStatus.REFERRAL_STATUS_CANCELLED, WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_CANCELLED],
      [ReferralStatus.REFERRAL_STATUS_EXPIRED, WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_EXPIRED],
      [ReferralStatus.REFERRAL_STATUS_REDIRECTED, WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_REDIRECTED],
    ];
    for (const [reached, type] of cases) {
      expect(told(reached)).toEqual([
        [type, "ngo-hayat"],
        [type, "mmcc-gaziantep"],
      ]);
    }
  });

  it("a cancellation because consent was withdrawn or expired is consent.withdrawn", () => {
    for (const cancelReason of [
      CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN,
      CancelReason.CANCEL_REASON_CONSENT_EXPIRED,
    ]) {
      expect(told(ReferralStatus.REFERRAL_STATUS_CANCELLED, { cancelReason })[0]?.[0]).toBe(
        WebhookEventType.WEBHOOK_EVENT_TYPE_CONSENT_WITHDRAWN,
      );
    }
    expect(
      told(ReferralStatus.REFERRAL_STATUS_CANCELLED, {
        cancelReason: CancelReason.CANCEL_REASON_DUPLICATE,
      })[0]?.[0],
    ).toBe(WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_CANCELLED);
  });

  it("a referral an organisation made to itself is told once", () => {
    expect(told(ReferralStatus.REFERRAL_STATUS_ACCEPTED, { targetOrganisationId: "ngo-hayat" })).toHaveLength(
      1,
    );
  });

  it("one key per transition, whichever side published it, so a repeat never queues twice", () => {
    const keys = noticesOfStatus(status(ReferralStatus.REFERRAL_STATUS_ACCEPTED), at).map((n) => n.sourceKey);
    expect(new Set(keys)).toEqual(new Set(["status/5f0c3c1e-2a8b-4f7e-9d65-0b7a1c2d3e4f/3"]));
  });

  it("an outcome report goes to the referrer", () => {
    const [notice] = noticesOfOutcome(
      {
        referralId: "r-1",
        rootReferralId: "r-1",
        referrerOrganisationId: "ngo-hayat",
        targetOrganisationId: "mmcc-gaziantep",
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        outcomeCodes: [1],
        completedAt: at,
        sequence: 7,
      },
      "event-1",
      at,
    );
    expect(notice?.organisationId).toBe("ngo-hayat");
    expect(notice?.eventType).toBe(WebhookEventType.WEBHOOK_EVENT_TYPE_REFERRAL_OUTCOME_REPORTED);
  });

  it("the body carries ids and codes only: the banded person attributes of the event are left out", () => {
    const event = status(ReferralStatus.REFERRAL_STATUS_ACCEPTED, {
      disaggregation: { ageBand: 3, sex: 2, hasDisability: true, nationality: "SY" } as never,
    });
    const [notice] = noticesOfStatus(event, at);
    const body = WebhookEvent.toJSON(
      webhookEventOf("d-1", notice?.eventType ?? 0, at, notice?.data),
    ) as Record<string, unknown>;
    expect(body.type).toBe("referral.accepted");
    expect(JSON.stringify(body)).not.toMatch(/disaggregation|nationality|SY|ageBand/);
  });
});

describe("retries", () => {
  it("back off exponentially with jitter, up to an hour between attempts", () => {
    expect(retryDelayMs(1, 0)).toBe(2_500);
    expect(retryDelayMs(1, 0.999)).toBeLessThanOrEqual(5_000);
    expect(retryDelayMs(3, 0)).toBe(10_000);
    expect(retryDelayMs(40, 0.999)).toBeLessThanOrEqual(RETRY_CAP_MS);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (n, r) => {
          const delay = retryDelayMs(n, r);
          return delay >= retryDelayMs(n, 0) && delay <= RETRY_CAP_MS && delay > 0;
        },
      ),
    );
  });

  it("keep going for the whole window, the last attempt at its end, then give up", () => {
    const window = 24 * 3600_000;
    const from = at;
    let now = from;
    let attempt = 1;
    let last: Date | undefined = now;
    const attempts: Date[] = [];
    while (last) {
      attempts.push(last);
      now = last;
      last = nextAttemptAfterFailure(now, from, attempt, window, 0.5);
      attempt += 1;
    }
    const final = attempts[attempts.length - 1] as Date;
    expect(final.getTime()).toBe(from.getTime() + window);
    // Hourly at the most once it has backed off: some 30-odd attempts in a day, not thousands.
    expect(attempts.length).toBeGreaterThan(20);
    expect(attempts.length).toBeLessThan(60);
  });
});

describe("addresses a webhook may not reach", () => {
  const refused = [
    "127.0.0.1",
    "127.8.9.10",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",
    "64:ff9b::a9fe:a9fe",
  ];

  it.each(refused)("refuses %s", (address) => {
    expect(addressRefusal(address, [])).toBeDefined();
  });

  it("accepts public addresses", () => {
    for (const address of ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
      expect(addressRefusal(address, [])).toBeUndefined();
  });

  it("accepts what an administrator allowed, by address or range, and nothing beside it", () => {
    expect(addressRefusal("127.0.0.1", ["127.0.0.1"])).toBeUndefined();
    expect(addressRefusal("::ffff:127.0.0.1", ["127.0.0.1"])).toBeUndefined();
    expect(addressRefusal("127.0.0.2", ["127.0.0.1"])).toBeDefined();
    expect(addressRefusal("10.20.30.40", ["10.20.0.0/16"])).toBeUndefined();
    expect(addressRefusal("10.21.0.1", ["10.20.0.0/16"])).toBeDefined();
    expect(addressRefusal("169.254.169.254", ["not-an-address", "10.0.0.0/8"])).toBeDefined();
  });

  const resolving =
    (...addresses: string[]) =>
    async () =>
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

  it("checks every address a name resolves to, and pins the delivery to the first", async () => {
    await expect(
      resolveWebhookUrl("https://hooks.partner.example/k", [], resolving("93.184.215.14", "10.0.0.5")),
    ).rejects.toBeInstanceOf(WebhookUrlRefusedError);
    const pinned = await resolveWebhookUrl(
      "https://hooks.partner.example/k",
      [],
      resolving("93.184.215.14", "2606:4700:4700::1111"),
    );
    expect(pinned).toMatchObject({ address: "93.184.215.14", family: 4 });
    expect(pinned.url.hostname).toBe("hooks.partner.example");
  });

  it("requires https unless every address is allowed, and refuses credentials and other schemes", async () => {
    await expect(
      resolveWebhookUrl("http://hooks.partner.example/", [], resolving("93.184.215.14")),
    ).rejects.toThrow(/https/);
    await expect(resolveWebhookUrl("http://127.0.0.1:8080/", ["127.0.0.1"])).resolves.toMatchObject({
      address: "127.0.0.1",
    });
    await expect(
      resolveWebhookUrl("https://user:pw@hooks.partner.example/", [], resolving("1.1.1.1")),
    ).rejects.toThrow(/credentials/);
    await expect(resolveWebhookUrl("ftp://hooks.partner.example/", [], resolving("1.1.1.1"))).rejects.toThrow(
      /https/,
    );
    await expect(resolveWebhookUrl("https://[::1]/", [])).rejects.toThrow(/loopback/);
    await expect(resolveWebhookUrl("https://169.254.169.254/latest/meta-data/", [])).rejects.toThrow(
      /linkLocal/,
    );
    await expect(
      resolveWebhookUrl("https://nowhere.partner.example/", [], async () => {
        throw new Error("ENOTFOUND");
      }),
    ).rejects.toThrow(/does not resolve/);
  });
});

describe("signatures", () => {
  it("verify with standardwebhooks, with either secret during a rotation's overlap", () => {
    const current = newSecret();
    const previous = newSecret();
    expect(current).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ id: "msg_1", type: "ping" });
    const timestamp = new Date();
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signatureHeader([current, previous], "msg_1", timestamp, body),
    };
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(previous).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
  });
});
