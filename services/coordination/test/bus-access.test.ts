import { patternsOverlap } from "@kopru/bus";
import { checkBusAccess, EVENTS, NETWORK_LAYOUT, serviceBusAccess } from "@kopru/events";
import { describe, expect, it } from "vitest";
import {
  activitySeatsConsumer,
  erasureTrackingConsumer,
  followUpConsumer,
  outcomeConsumer,
  trackingConsumer,
} from "../src/adapters/messaging/status-consumer.js";
import { directoryStore } from "../src/adapters/persistence/directory-store.js";
import { erasureTrackingStore } from "../src/adapters/persistence/erasure-store.js";
import { placesStore } from "../src/adapters/persistence/places-store.js";
import { trackingStore } from "../src/adapters/persistence/tracking-store.js";

// The consumer coordination really builds against the NATS user it gets (ADR 0013): it reads only
// PII-free subjects.

const unused = new Proxy(
  {},
  {
    get: (_target, property) => {
      throw new Error(`building the consumer touched ${String(property)}`);
    },
  },
) as never;

describe("coordination's NATS user", () => {
  const consumers = [
    trackingConsumer(trackingStore, { db: unused, js: unused, jsm: unused, logger: unused }),
    outcomeConsumer(trackingStore, { db: unused, js: unused, jsm: unused, logger: unused }),
    activitySeatsConsumer(
      { directory: directoryStore, places: placesStore },
      { db: unused, js: unused, jsm: unused, logger: unused },
    ),
    followUpConsumer(trackingStore, { db: unused, js: unused, jsm: unused, logger: unused }),
    erasureTrackingConsumer(erasureTrackingStore, { db: unused, js: unused, jsm: unused, logger: unused }),
  ];
  const access = serviceBusAccess("coordination", { organisations: [] });

  it("permits the tracking, outcome, seats, follow-up and erasure-tracking consumers and the events coordination publishes", () => {
    const publishes = [
      EVENTS.organisationUpserted.subject({} as never),
      EVENTS.serviceOfferingUpserted.subject({} as never),
      EVENTS.serviceOfferingCapacityChanged.subject({} as never),
      EVENTS.serviceOfferingRemoved.subject({} as never),
      "kopru.v1.coordination.reroute.ngo-hayat",
    ];
    expect(checkBusAccess(access, { consumers, publishes })).toEqual({ refused: [], unused: [] });
  });

  it("reads no subject that may carry personal data", () => {
    const personal = NETWORK_LAYOUT.events.filter((e) => e.personalData);
    expect(personal.length).toBeGreaterThan(0);
    for (const grant of access.consumers) {
      expect(personal.filter((e) => patternsOverlap(e.subjectPattern, grant.filterSubject))).toEqual([]);
    }
    expect(
      checkBusAccess(access, {
        consumers: [],
        publishes: ["kopru.v1.referral.requested.ngo-hayat", "kopru.v1.consent.withdrawn.ngo-hayat"],
      }).refused,
    ).toHaveLength(2);
  });
});
