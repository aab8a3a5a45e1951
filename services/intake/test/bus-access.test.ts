import { checkBusAccess, serviceBusAccess } from "@kopru/events";
import { describe, expect, it } from "vitest";
import { intakeConsumers } from "../src/adapters/messaging/consumers.js";
import type { IntakeDeps } from "../src/application/ports.js";

// The consumers intake really builds (building one records its options; nothing talks to NATS or a
// database) against the NATS user it gets (ADR 0013).

const unused = new Proxy(
  {},
  {
    get: (_target, property) => {
      throw new Error(`building the consumers touched ${String(property)}`);
    },
  },
) as never;

describe("intake's NATS user", () => {
  it.each(["intake", "intake-blue"])("permits every consumer it builds with durable prefix %s", (prefix) => {
    const organisations = ["ngo-hayat", "ngo-umut"];
    const consumers = intakeConsumers(prefix, organisations, { lifecycle: unused } as unknown as IntakeDeps, {
      db: unused,
      js: unused,
      jsm: unused,
      logger: unused,
    });
    const access = serviceBusAccess("intake", { organisations, durablePrefix: prefix });
    const publishes = [
      "kopru.v1.referral.requested.mmcc-adana",
      "kopru.v1.referral.status.ngo-umut.mmcc-adana",
      "kopru.v1.referral.cancelled.mmcc-adana",
      "kopru.v1.consent.withdrawn.ecm-a",
      "kopru.v1.case.intake.beneficiary-registered.ngo-hayat",
      "kopru.v1.case.intake.consent-recorded.ngo-umut",
    ];
    expect(checkBusAccess(access, { consumers, publishes })).toEqual({ refused: [], unused: [] });
    // Not as a target, not another partner's facts.
    expect(
      checkBusAccess(access, {
        consumers: [],
        publishes: [
          "kopru.v1.referral.status.mmcc-adana.ngo-hayat",
          "kopru.v1.case.intake.consent-recorded.ngo-x",
        ],
      }).refused,
    ).toHaveLength(2);
  });
});
