import { mayPublish, natsPermissions } from "@kopru/nats-server";
import { describe, expect, it } from "vitest";
import { NETWORK_SERVICES, networkBusAccess, serviceBusAccess } from "./access.js";
import { NETWORK_LAYOUT } from "./layout.js";

// What each service's NATS user may do, spelled out: a change here is a change of who may read what.

describe("serviceBusAccess", () => {
  it("gives a municipality its own addressed consumers and subjects, per hosted organisation", () => {
    const access = serviceBusAccess("municipality", { organisations: ["mmcc-a", "mmcc-b"] });
    expect(access.consumers).toEqual([
      { stream: "KOPRU_DIRECTORY", durable: "municipality-directory", filterSubject: "kopru.v1.directory.>" },
      ...["mmcc-a", "mmcc-b"].flatMap((org) => [
        {
          stream: "KOPRU_REFERRAL",
          durable: `municipality-${org}-requested`,
          filterSubject: `kopru.v1.referral.requested.${org}`,
        },
        {
          stream: "KOPRU_REFERRAL",
          durable: `municipality-${org}-cancelled`,
          filterSubject: `kopru.v1.referral.cancelled.${org}`,
        },
        {
          stream: "KOPRU_CONSENT",
          durable: `municipality-${org}-consent`,
          filterSubject: `kopru.v1.consent.withdrawn.${org}`,
        },
        {
          stream: "KOPRU_REFERRAL",
          durable: `municipality-${org}-status`,
          filterSubject: `kopru.v1.referral.status.${org}.*`,
        },
        {
          stream: "KOPRU_REFERRAL",
          durable: `municipality-${org}-outcome`,
          filterSubject: `kopru.v1.referral.outcome.${org}.*`,
        },
        {
          stream: "KOPRU_REFERRAL",
          durable: `municipality-${org}-contact`,
          filterSubject: `kopru.v1.referral.contact.${org}`,
        },
        {
          stream: "KOPRU_CONSENT",
          durable: `municipality-${org}-erasure`,
          filterSubject: `kopru.v1.consent.erasure.${org}`,
        },
      ]),
    ]);
    expect(access.publish).toEqual([
      "kopru.v1.referral.requested.*",
      "kopru.v1.referral.status.mmcc-a.*",
      "kopru.v1.case.municipality.*.mmcc-a",
      "kopru.v1.notice.mmcc-a",
      "kopru.v1.directory.sealing-key.mmcc-a",
      "kopru.v1.referral.status.mmcc-b.*",
      "kopru.v1.case.municipality.*.mmcc-b",
      "kopru.v1.notice.mmcc-b",
      "kopru.v1.directory.sealing-key.mmcc-b",
      "kopru.v1.referral.status.*.mmcc-a",
      "kopru.v1.referral.outcome.*.mmcc-a",
      "kopru.v1.referral.followup.mmcc-a",
      // Acknowledgements of consent withdrawals and onward disclosures, to the consent's owner.
      "kopru.v1.consent.recorded.*.mmcc-a",
      "kopru.v1.consent.disclosure.*.mmcc-a",
      "kopru.v1.referral.status.*.mmcc-b",
      "kopru.v1.referral.outcome.*.mmcc-b",
      "kopru.v1.referral.followup.mmcc-b",
      "kopru.v1.consent.recorded.*.mmcc-b",
      "kopru.v1.consent.disclosure.*.mmcc-b",
      "kopru.v1.consent.erased.*",
      ...access.consumers.map((c) => `kopru.dlq.${c.durable}`),
    ]);
  });

  it("gives intake every status, its re-routes and outcomes, and consent withdrawals and cancellations to publish", () => {
    const access = serviceBusAccess("intake", { organisations: ["ngo-hayat"], durablePrefix: "intake" });
    expect(access.consumers.map((c) => [c.durable, c.filterSubject])).toEqual([
      ["intake-directory", "kopru.v1.directory.>"],
      ["intake-status", "kopru.v1.referral.status.>"],
      ["intake-ngo-hayat-reroute", "kopru.v1.coordination.reroute.ngo-hayat"],
      ["intake-ngo-hayat-outcome", "kopru.v1.referral.outcome.ngo-hayat.*"],
      ["intake-ngo-hayat-withdrawal-recorded", "kopru.v1.consent.recorded.ngo-hayat.*"],
      ["intake-ngo-hayat-disclosures", "kopru.v1.consent.disclosure.ngo-hayat.*"],
      ["intake-ngo-hayat-erased", "kopru.v1.consent.erased.ngo-hayat"],
    ]);
    expect(access.publish.filter((s) => !s.startsWith("kopru.dlq."))).toEqual([
      "kopru.v1.referral.requested.*",
      "kopru.v1.referral.status.ngo-hayat.*",
      "kopru.v1.case.intake.*.ngo-hayat",
      "kopru.v1.notice.ngo-hayat",
      "kopru.v1.directory.sealing-key.ngo-hayat",
      "kopru.v1.referral.cancelled.*",
      "kopru.v1.consent.withdrawn.*",
      "kopru.v1.referral.contact.*",
      "kopru.v1.consent.erasure.*",
      "kopru.v1.coordination.erasure.ngo-hayat",
    ]);
  });

  it("gives coordination the status, outcome and follow-up of every referral, the course seats and the directory to publish", () => {
    const access = serviceBusAccess("coordination", { organisations: [] });
    expect(access.consumers.map((c) => [c.durable, c.filterSubject])).toEqual([
      ["coordination-status", "kopru.v1.referral.status.>"],
      ["coordination-outcome", "kopru.v1.referral.outcome.>"],
      ["coordination-seats", "kopru.v1.case.communitycentre.activity-capacity.*"],
      ["coordination-followup", "kopru.v1.referral.followup.>"],
      ["coordination-erasure", "kopru.v1.coordination.erasure.>"],
    ]);
    expect(access.publish).toEqual([
      "kopru.v1.directory.organisation.upserted",
      "kopru.v1.directory.offering.upserted",
      "kopru.v1.directory.offering.capacity",
      "kopru.v1.directory.offering.removed",
      "kopru.v1.coordination.reroute.*",
      "kopru.dlq.coordination-status",
      "kopru.dlq.coordination-outcome",
      "kopru.dlq.coordination-seats",
      "kopru.dlq.coordination-followup",
      "kopru.dlq.coordination-erasure",
    ]);
  });

  it("gives notifications every staff notice to read and nothing to publish but its dead letters", () => {
    const access = serviceBusAccess("notifications", { organisations: [] });
    expect(access.consumers).toEqual([
      { stream: "KOPRU_NOTICE", durable: "notifications-notices", filterSubject: "kopru.v1.notice.>" },
    ]);
    expect(access.publish).toEqual(["kopru.dlq.notifications-notices"]);
  });

  it("refuses an organisation id that is not one subject token", () => {
    expect(() => serviceBusAccess("ecm", { organisations: ["ecm.a"] })).toThrow(/subject token/);
    expect(() => serviceBusAccess("ecm", { organisations: [">"] })).toThrow(/subject token/);
  });

  it("keeps every service to its own inbox", () => {
    const all = networkBusAccess({
      intake: ["ngo-hayat"],
      protection: ["prot-a"],
      ecm: ["ecm-a"],
      "community-centre": ["cc-a"],
      municipality: ["mmcc-a"],
      coordination: [],
      notifications: [],
      gateway: [],
      matching: [],
    });
    expect(all.map((a) => natsPermissions(a).subscribe.allow)).toEqual(
      all.map((a) => [`_INBOX_${a.user}.>`]),
    );
  });

  it("lets some service publish every event of the layout, a case fact only its own service", () => {
    const users = NETWORK_SERVICES.map((service) => ({
      service,
      permissions: natsPermissions(serviceBusAccess(service, { organisations: ["org-a"] })),
    }));
    for (const event of NETWORK_LAYOUT.events) {
      const subject = event.subjectPattern.replaceAll("*", "org-a");
      const publishers = users.filter((u) => mayPublish(u.permissions, subject)).map((u) => u.service);
      expect(publishers.length, event.type).toBeGreaterThan(0);
      const area = /^kopru\.v1\.case\.([a-z]+)\./.exec(event.subjectPattern)?.[1];
      if (area)
        expect(
          publishers.map((p) => p.replace("-", "")),
          event.type,
        ).toEqual([area]);
    }
  });
});
