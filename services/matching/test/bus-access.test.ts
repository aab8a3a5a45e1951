import { checkBusAccess, NETWORK_LAYOUT, serviceBusAccess } from "@kopru/events";
import { describe, expect, it } from "vitest";

// The matching service reads and publishes no event: its NATS user (ADR 0013) may connect and wait
// for the streams, and nothing more — no consumer, no subject to publish to, not even dead letters.

describe("the matching service's NATS user", () => {
  const access = serviceBusAccess("matching", { organisations: [] });

  it("has no consumer and may publish nothing", () => {
    expect(access.consumers).toEqual([]);
    expect(access.publish).toEqual([]);
    const anyEvent = NETWORK_LAYOUT.events.map((e) => e.subjectPattern.replaceAll("*", "org-a"));
    expect(checkBusAccess(access, { consumers: [], publishes: anyEvent }).refused).toHaveLength(
      anyEvent.length,
    );
  });
});
