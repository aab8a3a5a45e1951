import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { PartnerKind, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  CapacityStatus,
  MatchReason,
  Organisation,
  ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";
import { describe, expect, it } from "vitest";
import { rankOfferings } from "./matching.js";

const GAZIANTEP = "TUR027";
const SAHINBEY = "TUR027004";

function organisation(id: string, active = true): Organisation {
  return Organisation.fromPartial({
    organisationId: id,
    name: id,
    partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
    active,
  });
}

function offering(id: string, org: string, overrides: Partial<ServiceOffering> = {}): ServiceOffering {
  return ServiceOffering.fromPartial({
    serviceOfferingId: id,
    organisationId: org,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    coverage: [{ provinceCode: GAZIANTEP, districtCode: "" }],
    languages: ["ar", "tr"],
    capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
    active: true,
    ...overrides,
  });
}

const orgs = new Map(
  ["mmcc-a", "mmcc-b", "mmcc-c", "closed"].map((id) => [id, organisation(id, id !== "closed")]),
);

describe("rankOfferings", () => {
  it("keeps only offerings of the service type in the person's province, best first, with reasons", () => {
    const matches = rankOfferings(
      [
        offering("o-far", "mmcc-a", { coverage: [{ provinceCode: "TUR079", districtCode: "" }] }),
        offering("o-limited", "mmcc-b", { capacityStatus: CapacityStatus.CAPACITY_STATUS_LIMITED }),
        offering("o-best", "mmcc-c"),
        offering("o-other-type", "mmcc-c", { serviceType: ServiceType.SERVICE_TYPE_ECM_CASH }),
        offering("o-closed-org", "closed"),
      ],
      orgs,
      {
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        provinceCode: GAZIANTEP,
        districtCode: SAHINBEY,
        language: "ar",
      },
    );
    expect(matches.map((m) => m.serviceOffering?.serviceOfferingId)).toEqual(["o-best", "o-limited"]);
    expect(matches[0]?.rank).toBe(1);
    expect(matches[0]?.reasons).toContain(MatchReason.MATCH_REASON_CAPACITY_AVAILABLE);
    expect(matches[1]?.reasons).toContain(MatchReason.MATCH_REASON_CAPACITY_CONSTRAINED);
  });

  it("drops offerings the person is not eligible for, and full ones unless asked", () => {
    const adultsOnly = offering("o-adults", "mmcc-a", {
      eligibility: { minAge: 18, sexes: [], nationalities: [], legalStatuses: [] },
    });
    const full = offering("o-full", "mmcc-b", { capacityStatus: CapacityStatus.CAPACITY_STATUS_FULL });
    const syriansUnderTp = offering("o-tp", "mmcc-c", {
      eligibility: {
        sexes: [Sex.SEX_FEMALE],
        nationalities: ["SY"],
        legalStatuses: [LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION],
      },
    });
    const child = {
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      provinceCode: GAZIANTEP,
      age: 12,
    };
    expect(rankOfferings([adultsOnly, full], orgs, child)).toEqual([]);
    expect(rankOfferings([full], orgs, { ...child, includeUnavailable: true })[0]?.reasons).toContain(
      MatchReason.MATCH_REASON_CAPACITY_UNAVAILABLE,
    );
    const woman = {
      ...child,
      age: 30,
      sex: Sex.SEX_FEMALE,
      nationality: "SY",
      legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    };
    expect(rankOfferings([syriansUnderTp], orgs, woman)).toHaveLength(1);
    expect(rankOfferings([syriansUnderTp], orgs, { ...woman, nationality: "AF" })).toHaveLength(0);
    expect(
      rankOfferings([syriansUnderTp], orgs, { ...woman, excludeOrganisationIds: ["mmcc-c"] }),
    ).toHaveLength(0);
  });

  it("ranks offerings that count places by how many are free, and says when one takes a waitlist", () => {
    const person = { serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, provinceCode: GAZIANTEP };
    const matches = rankOfferings(
      [
        offering("o-one", "mmcc-a", { totalPlaces: 10, freePlaces: 1 }),
        offering("o-many", "mmcc-b", { totalPlaces: 20, freePlaces: 8 }),
        offering("o-wait", "mmcc-c", {
          totalPlaces: 5,
          freePlaces: 0,
          waitlist: true,
          capacityStatus: CapacityStatus.CAPACITY_STATUS_WAITLIST,
        }),
        offering("o-full", "mmcc-c", {
          totalPlaces: 5,
          freePlaces: 0,
          capacityStatus: CapacityStatus.CAPACITY_STATUS_FULL,
        }),
      ],
      orgs,
      person,
    );
    expect(matches.map((m) => m.serviceOffering?.serviceOfferingId)).toEqual(["o-many", "o-one", "o-wait"]);
    expect(matches[0]?.reasons).toContain(MatchReason.MATCH_REASON_PLACES_FREE);
    expect(matches[2]?.reasons).toContain(MatchReason.MATCH_REASON_WAITLIST_OFFERED);
    expect(matches[2]?.reasons).not.toContain(MatchReason.MATCH_REASON_PLACES_FREE);
  });
});
