import { serviceForOrganisation } from "@kopru/cli";
import { dataContractFor } from "@kopru/referral/domain";
import { describe, expect, it } from "vitest";
import { hostedOrganisations } from "../src/config.js";
import {
  MMCCS,
  NGOS,
  OFFERINGS,
  ORGANISATIONS,
  offeringMessage,
  organisationMessage,
} from "../src/network.js";

describe("demo network", () => {
  it("has the six MMCCs, a protection partner, the ECM unit, two community centres and three NGOs", () => {
    expect(ORGANISATIONS.map((o) => o.id).sort()).toEqual(
      [
        ...MMCCS,
        "protection-partner",
        "ecm-unit",
        "cc-gaziantep-sahinbey",
        "cc-sanliurfa-haliliye",
        ...NGOS,
      ].sort(),
    );
  });

  it("hosts every organisation in the service its id names", () => {
    for (const o of ORGANISATIONS) expect(serviceForOrganisation(o.id), o.id).toBeDefined();
    expect(hostedOrganisations()).toMatchObject({
      municipality: [...MMCCS],
      protection: ["protection-partner"],
      ecm: ["ecm-unit"],
      "community-centre": ["cc-gaziantep-sahinbey", "cc-sanliurfa-haliliye"],
      intake: [],
      coordination: [],
    });
  });

  it("offers services only from receiving organisations, in their provinces, with unique ids", () => {
    const ids = new Set<string>();
    for (const offering of OFFERINGS) {
      const org = ORGANISATIONS.find((o) => o.id === offering.organisationId);
      expect(org, offering.organisationId).toBeDefined();
      expect(["intake", "coordination"]).not.toContain(serviceForOrganisation(offering.organisationId));
      for (const p of offering.provinces) expect(org?.provinces).toContain(p);
      const message = offeringMessage(offering);
      ids.add(message.serviceOfferingId);
      expect(message.serviceOfferingId).toMatch(/^[0-9a-f-]{36}$/);
      expect(message.requiredDataCategories).toEqual([...dataContractFor(offering.serviceType).required]);
      for (const c of message.requiredDataCategories) expect(message.acceptedDataCategories).toContain(c);
      for (const p of message.coverage) expect(p.provinceCode).toMatch(/^TUR\d{3}$/);
    }
    expect(ids.size).toBe(OFFERINGS.length);
  });

  it("writes organisations with their p-coded locations", () => {
    const gaziantep = organisationMessage(ORGANISATIONS.find((o) => o.id === "mmcc-gaziantep") as never);
    expect(gaziantep.locations).toEqual([
      { provinceCode: "TUR027", districtCode: "", provinceName: "Gaziantep", districtName: undefined },
    ]);
  });
});
