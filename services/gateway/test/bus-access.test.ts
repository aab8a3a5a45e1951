import { patternsOverlap } from "@kopru/bus";
import { checkBusAccess, EVENTS, NETWORK_LAYOUT, SUBJECTS, serviceBusAccess } from "@kopru/events";
import { describe, expect, it } from "vitest";
import { webhookConsumers } from "../src/adapters/messaging/webhook-consumers.js";

// The consumers the gateway really builds against the NATS user it gets (ADR 0013): it reads every
// referral's status and outcome (PII-free) for webhooks, and publishes only staff notices (a
// webhook endpoint it disabled).

const unused = new Proxy(
  {},
  {
    get: (_target, property) => {
      throw new Error(`building the consumer touched ${String(property)}`);
    },
  },
) as never;

describe("the gateway's NATS user", () => {
  const consumers = webhookConsumers(
    { clock: unused, afterCommit: () => {} },
    { db: unused, js: unused, jsm: unused, logger: unused },
  );
  const access = serviceBusAccess("gateway", { organisations: [] });

  it("permits the webhook consumers, the notices of any organisation, and nothing it does not use", () => {
    expect(consumers.map((c) => c.name)).toEqual(["gateway-status", "gateway-outcome"]);
    expect(
      checkBusAccess(access, {
        consumers,
        publishes: [SUBJECTS.noticeFor("ngo-hayat"), SUBJECTS.noticeFor("mmcc-kilis")],
      }),
    ).toEqual({ refused: [], unused: [] });
  });

  it("reads no subject that may carry personal data and publishes no referral event", () => {
    const personal = NETWORK_LAYOUT.events.filter((e) => e.personalData);
    for (const grant of access.consumers) {
      expect(personal.filter((e) => patternsOverlap(e.subjectPattern, grant.filterSubject))).toEqual([]);
    }
    const others = NETWORK_LAYOUT.events
      .filter((e) => e !== EVENTS.staffNotice)
      .map((e) => e.subjectPattern.replaceAll("*", "org-a"));
    expect(checkBusAccess(access, { consumers: [], publishes: others }).refused).toHaveLength(others.length);
  });
});
