import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { DataCategory, Priority, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { EVENTS } from "@kopru/events";
import { describe, expect, it } from "vitest";
import { isErasedRef, personalEventTypes, routingOnly } from "./erasure.js";

describe("routingOnly", () => {
  const pkg = ReferralPackage.fromPartial({
    referralId: "r-1",
    rootReferralId: "r-0",
    beneficiaryRef: "person-ref",
    referrer: { organisationId: "ngo-a" },
    target: { organisationId: "ecm-a" },
    serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
    priority: Priority.PRIORITY_HIGH,
    consentId: "c-1",
    sharedDataCategories: [DataCategory.DATA_CATEGORY_IDENTITY, DataCategory.DATA_CATEGORY_CONTACT],
    reasonForReferral: "eviction notice (synthetic)",
    disaggregation: { sex: Sex.SEX_FEMALE, nationality: "SY", provinceCode: "TUR034" },
    identity: { givenName: "Amal", familyName: "Synthetic" },
    contact: { phoneNumber: "+905550000001", safeToContact: true, preferredLanguage: "ar" },
    needs: { needsSummary: "rent arrears" },
    financial: { accountHolderName: "Amal Synthetic" },
    languageNeeds: { preferredLanguage: "ar", interpreterNeeded: true },
  });

  it("keeps ids, codes and bands and drops every section, the reason and the person's ref", () => {
    const kept = routingOnly(pkg);
    expect(kept).toMatchObject({
      referralId: "r-1",
      rootReferralId: "r-0",
      referrer: { organisationId: "ngo-a" },
      target: { organisationId: "ecm-a" },
      serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
      priority: Priority.PRIORITY_HIGH,
      consentId: "c-1",
      sharedDataCategories: pkg.sharedDataCategories,
      disaggregation: pkg.disaggregation,
      reasonForReferral: "",
    });
    for (const section of ["identity", "contact", "needs", "financial", "languageNeeds"] as const) {
      expect(kept[section], section).toBeUndefined();
    }
    expect(isErasedRef(kept.beneficiaryRef)).toBe(true);
    const bytes = Buffer.from(ReferralPackage.encode(kept).finish()).toString("latin1");
    for (const personal of ["Amal", "+905550000001", "rent arrears", "eviction", "person-ref"]) {
      expect(bytes, personal).not.toContain(personal);
    }
  });

  it("is idempotent: an erased package stays as it is, token included", () => {
    const once = routingOnly(pkg);
    expect(routingOnly(once)).toEqual(once);
  });
});

describe("personalEventTypes", () => {
  it("names the events that carry personal data, and no PII-free one", () => {
    const types = personalEventTypes();
    expect(types).toEqual(
      expect.arrayContaining([
        EVENTS.referralRequested.type,
        EVENTS.contactDetailsUpdated.type,
        EVENTS.consentWithdrawn.type,
        EVENTS.beneficiaryErasureRequested.type,
      ]),
    );
    expect(types).not.toContain(EVENTS.referralStatusChanged.type);
    expect(types).not.toContain(EVENTS.beneficiaryErasureConfirmed.type);
    expect(types).not.toContain(EVENTS.erasureRequestTracked.type);
  });
});
