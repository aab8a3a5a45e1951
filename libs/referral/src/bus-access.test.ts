import { checkBusAccess, RECEIVING_SERVICES, STREAMS, serviceBusAccess } from "@kopru/events";
import type { ServiceConfig, ServiceContext } from "@kopru/service-kit";
import { describe, expect, it } from "vitest";
import { receivingServiceParts } from "./receiving.js";

// The consumers a receiving service really builds (nothing here talks to NATS or a database:
// building a consumer only records its options) against the NATS user it gets (ADR 0013).

function contextOf(name: string): ServiceContext<ServiceConfig> {
  const unused = new Proxy(
    {},
    {
      get: (_target, property) => {
        throw new Error(`building the consumers touched ${String(property)}`);
      },
    },
  );
  return { name, db: unused, js: unused, jsm: unused, logger: unused, clock: unused, relay: unused } as never;
}

describe.each(RECEIVING_SERVICES)("%s's NATS user", (service) => {
  const organisations = ["org-one", "org-two"];
  const { consumers } = receivingServiceParts(contextOf(service), { organisations });
  const access = serviceBusAccess(service, { organisations });

  it("permits every consumer it builds, and nothing it does not build", () => {
    expect(checkBusAccess(access, { consumers })).toEqual({ refused: [], unused: [] });
  });

  it("permits the status events it publishes as target and as referrer, and its onward referrals", () => {
    const publishes = [
      "kopru.v1.referral.status.ngo-hayat.org-one",
      "kopru.v1.referral.status.org-two.ecm-a",
      "kopru.v1.referral.requested.ecm-a",
    ];
    expect(checkBusAccess(access, { consumers, publishes }).refused).toEqual([]);
  });

  it("refuses what is another organisation's", () => {
    const other = serviceBusAccess(service, { organisations: ["org-three"] });
    expect(checkBusAccess(other, { consumers }).refused).toHaveLength(consumers.length * 2 - 2);
    const publishes = [
      "kopru.v1.referral.status.ngo-hayat.org-three",
      "kopru.v1.consent.withdrawn.org-one",
      "kopru.v1.referral.cancelled.org-one",
      "kopru.v1.case.intake.beneficiary-registered.org-one",
      `kopru.dlq.other-${STREAMS.referral.name}`,
    ];
    expect(checkBusAccess(access, { consumers: [], publishes }).refused).toHaveLength(publishes.length);
  });
});
