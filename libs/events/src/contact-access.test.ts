import { describe, expect, it } from "vitest";
import { NETWORK_SERVICES, serviceBusAccess } from "./access.js";
import { EVENTS, SUBJECTS } from "./layout.js";

// ContactDetailsUpdated carries a person's phone and safe times: only the addressed holder may read it.

/** Whether a NATS filter subject (with `*` and `>`) takes `subject`. */
function matches(filter: string, subject: string): boolean {
  const f = filter.split(".");
  const s = subject.split(".");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === ">") return s.length > i;
    if (i >= s.length || (f[i] !== "*" && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
}

describe("ContactDetailsUpdated", () => {
  const holder = "mmcc-holder";
  const subject = EVENTS.contactDetailsUpdated.subject({
    beneficiaryRef: "r",
    organisationId: holder,
    referralIds: [],
    contact: undefined,
    version: 1,
    updatedAt: undefined,
    referrerOrganisationId: "ngo-hayat",
  });

  it("is personal data, addressed to the one holder", () => {
    expect(EVENTS.contactDetailsUpdated.personalData).toBe(true);
    expect(subject).toBe(SUBJECTS.contactUpdatedFor(holder));
  });

  it("is read by the holder's own consumer and by no consumer of coordination or another organisation", () => {
    const readers = NETWORK_SERVICES.flatMap((service) =>
      [holder, "mmcc-other"].map((org) => ({
        org,
        service,
        access: serviceBusAccess(service, { organisations: service === "coordination" ? [] : [org] }),
      })),
    ).flatMap(({ org, service, access }) =>
      access.consumers
        .filter((c) => matches(c.filterSubject, subject))
        .map((c) => ({ org, service, durable: c.durable })),
    );
    expect(readers).toEqual(
      ["protection", "ecm", "community-centre", "municipality"].map((service) => ({
        org: holder,
        service,
        durable: `${service}-${holder}-contact`,
      })),
    );
  });
});
