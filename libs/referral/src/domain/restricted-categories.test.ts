import { DataCategory, PartnerKind, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { describe, expect, it } from "vitest";
import { type ContractedServiceType, SERVICE_DATA_CONTRACTS } from "./data-contracts.js";
import {
  PARTNER_KINDS_WITHOUT_RESTRICTED_DATA,
  RESTRICTED_CATEGORY_SERVICE,
  RESTRICTED_DATA_CATEGORIES,
  restrictedDataProblems,
  restrictedTargetProblems,
  withoutRestrictedSections,
} from "./restricted-categories.js";

const { DATA_CATEGORY_GBV: GBV, DATA_CATEGORY_CHILD_PROTECTION: CP } = DataCategory;
const GBV_CM = ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT;
const CP_CM = ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT;

const allowed = (category: DataCategory, service: ServiceType) => ({
  serviceType: service,
  consentedCategories: [category],
  targetPartnerKind: PartnerKind.PARTNER_KIND_PROTECTION_PARTNER,
  offeredServiceTypes: [service],
});

describe("restricted categories (GBV, child protection)", () => {
  it("each is listed by exactly one data contract: its own case management service", () => {
    for (const category of RESTRICTED_DATA_CATEGORIES) {
      const listing = (
        Object.entries(SERVICE_DATA_CONTRACTS) as [
          string,
          (typeof SERVICE_DATA_CONTRACTS)[ContractedServiceType],
        ][]
      )
        .filter(([, c]) => c.required.includes(category) || c.optional.includes(category))
        .map(([type]) => Number(type));
      expect(listing).toEqual([
        RESTRICTED_CATEGORY_SERVICE[category as keyof typeof RESTRICTED_CATEGORY_SERVICE],
      ]);
    }
  });

  it("may go with a consent naming it, in its own service, to a protection partner offering that service", () => {
    expect(restrictedDataProblems([GBV], allowed(GBV, GBV_CM))).toEqual([]);
    expect(restrictedDataProblems([CP], allowed(CP, CP_CM))).toEqual([]);
  });

  it("never goes without a consent naming it", () => {
    expect(restrictedDataProblems([GBV], { ...allowed(GBV, GBV_CM), consentedCategories: [CP] })).toEqual([
      { category: GBV, kind: "not_consented" },
    ]);
  });

  it("never goes in another service type's referral", () => {
    expect(
      restrictedDataProblems([CP], {
        ...allowed(CP, CP_CM),
        serviceType: GBV_CM,
        offeredServiceTypes: [GBV_CM, CP_CM],
      }),
    ).toEqual([{ category: CP, kind: "service_type" }]);
  });

  it("never goes to an organisation without a directory offering of its service type (unknown = none)", () => {
    expect(restrictedDataProblems([GBV], { ...allowed(GBV, GBV_CM), offeredServiceTypes: [CP_CM] })).toEqual([
      { category: GBV, kind: "not_offered" },
    ]);
    expect(
      restrictedDataProblems([GBV], { ...allowed(GBV, GBV_CM), offeredServiceTypes: undefined }),
    ).toEqual([{ category: GBV, kind: "not_offered" }]);
  });

  it("never goes to a municipality or a community centre, even one offering the service", () => {
    for (const targetPartnerKind of PARTNER_KINDS_WITHOUT_RESTRICTED_DATA) {
      expect(
        restrictedDataProblems([GBV, CP], {
          ...allowed(GBV, GBV_CM),
          targetPartnerKind,
          consentedCategories: [GBV, CP],
          offeredServiceTypes: [GBV_CM, CP_CM],
        }),
      ).toContainEqual({
        category: GBV,
        kind: "partner_kind",
      });
    }
    expect(PARTNER_KINDS_WITHOUT_RESTRICTED_DATA).toEqual([
      PartnerKind.PARTNER_KIND_MUNICIPALITY,
      PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE,
    ]);
  });

  it("has nothing to say about packages without restricted categories", () => {
    expect(
      restrictedDataProblems([DataCategory.DATA_CATEGORY_HEALTH, DataCategory.DATA_CATEGORY_IDENTITY], {
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        consentedCategories: [],
        targetPartnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
      }),
    ).toEqual([]);
  });
});

describe("withoutRestrictedSections", () => {
  it("drops the GBV and child-protection sections and says so in sharedDataCategories", () => {
    const pkg: Partial<ReferralPackage> = {
      identity: { givenName: "A", familyName: "Synthetic" },
      health: { conditionsSummary: "kept" },
      gbv: { incidentType: 1, timeSinceIncident: 0, survivorCentredNotes: "dropped" },
      childProtection: { concerns: [1] },
      languageNeeds: { preferredLanguage: "ar", interpreterNeeded: false },
    };
    const kept = withoutRestrictedSections(pkg);
    expect(kept.gbv).toBeUndefined();
    expect(kept.childProtection).toBeUndefined();
    expect(kept.health?.conditionsSummary).toBe("kept");
    expect(kept.languageNeeds?.preferredLanguage).toBe("ar");
    expect(kept.sharedDataCategories).toEqual([
      DataCategory.DATA_CATEGORY_IDENTITY,
      DataCategory.DATA_CATEGORY_HEALTH,
    ]);
  });

  it("judges a target alone for routing, as the package rule would (consent aside)", () => {
    const partnerKinds = Object.values(PartnerKind).filter((k): k is PartnerKind => typeof k === "number");
    for (const service of [GBV_CM, CP_CM]) {
      const category = service === GBV_CM ? GBV : CP;
      for (const partnerKind of partnerKinds) {
        for (const offeredServiceTypes of [[service], [], [GBV_CM === service ? CP_CM : GBV_CM]]) {
          const routed = restrictedTargetProblems(service, { partnerKind, offeredServiceTypes });
          const packaged = restrictedDataProblems([category], {
            serviceType: service,
            consentedCategories: [category],
            targetPartnerKind: partnerKind,
            offeredServiceTypes,
          });
          expect(routed).toEqual(packaged);
        }
      }
    }
    expect(
      restrictedTargetProblems(GBV_CM, {
        partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
        offeredServiceTypes: [GBV_CM],
      }),
    ).toEqual([{ category: GBV, kind: "partner_kind" }]);
    // Service types without a restricted category: any target.
    expect(
      restrictedTargetProblems(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, {
        partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
        offeredServiceTypes: [],
      }),
    ).toEqual([]);
    expect(
      restrictedTargetProblems(ServiceType.SERVICE_TYPE_UNSPECIFIED, {
        partnerKind: PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE,
      }),
    ).toEqual([]);
  });
});
