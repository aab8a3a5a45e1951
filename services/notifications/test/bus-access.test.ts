import { patternsOverlap } from "@kopru/bus";
import { checkBusAccess, EVENTS, NETWORK_LAYOUT, serviceBusAccess } from "@kopru/events";
import { describe, expect, it } from "vitest";
import { noticeConsumer } from "../src/adapters/messaging/notice-consumer.js";

// The consumer the notification service really builds against the NATS user it gets (ADR 0013):
// it reads staff notices, which carry no beneficiary data, and may publish no event.

const unused = new Proxy(
  {},
  {
    get: (_target, property) => {
      throw new Error(`building the consumer touched ${String(property)}`);
    },
  },
) as never;

describe("the notification service's NATS user", () => {
  const consumers = [
    noticeConsumer(
      { clock: unused, logger: unused, email: undefined, afterCommit: () => {} },
      { db: unused, js: unused, jsm: unused, logger: unused },
    ),
  ];
  const access = serviceBusAccess("notifications", { organisations: [] });

  it("permits the notice consumer and nothing it does not use", () => {
    expect(checkBusAccess(access, { consumers })).toEqual({ refused: [], unused: [] });
  });

  it("reads no subject that may carry personal data and publishes no event", () => {
    const personal = NETWORK_LAYOUT.events.filter((e) => e.personalData);
    for (const grant of access.consumers) {
      expect(personal.filter((e) => patternsOverlap(e.subjectPattern, grant.filterSubject))).toEqual([]);
    }
    const anyEvent = NETWORK_LAYOUT.events.map((e) => e.subjectPattern.replaceAll("*", "org-a"));
    expect(checkBusAccess(access, { consumers: [], publishes: anyEvent }).refused).toHaveLength(
      anyEvent.length,
    );
    expect(EVENTS.staffNotice.personalData).toBe(false);
  });
});
