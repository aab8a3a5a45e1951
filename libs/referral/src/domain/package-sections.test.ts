import { fc, test } from "@fast-check/vitest";
import { DataCategory, Priority, Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  type ReferralPackage,
  ReferralPackage as ReferralPackageCodec,
} from "@kopru/contracts/referral/v1/package";
import { describe, expect, it } from "vitest";

import { SENSITIVE_DATA_CATEGORIES, selectPackageCategories } from "./data-contracts.js";
import {
  DATA_CATEGORY_SECTIONS,
  minimiseSections,
  presentDataCategories,
  withholdSensitiveSections,
} from "./package-sections.js";

const D = DataCategory;
const CATEGORIES = Object.values(DataCategory).filter(
  (value): value is DataCategory => typeof value === "number" && value > 0,
);

/** A package with every section filled in, as a referrer's full record would give it. */
function fullPackage(): ReferralPackage {
  return {
    ...ReferralPackageCodec.fromPartial({}),
    referralId: "ref-1",
    serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
    priority: Priority.PRIORITY_HIGH,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: "Needs help with rent after losing work.",
    sharedDataCategories: CATEGORIES,
    identity: { givenName: "Amal", familyName: "H." },
    contact: {
      phoneNumber: "+905321234567",
      safeToContact: true,
      preferredContactMethod: 1,
      preferredLanguage: "ar",
      interpreterNeeded: true,
      safeWindows: [],
    },
    demographics: { sex: 1, birthYear: 1990, ageBand: 5, nationality: "SY" },
    legalStatus: {
      legalStatus: 1,
      documentType: 1,
      documentNumber: "99123456789",
      registrationProvinceCode: "TUR027",
    },
    household: { size: 5, childrenCount: 3 },
    needs: { vulnerabilities: [2], needsSummary: "single parent" },
    disability: { answers: [], status: 3 },
    protection: { riskLevel: 2, concerns: [9] },
    gbv: { incidentType: 3, timeSinceIncident: 5 },
    childProtection: { concerns: [3] },
    health: { urgentMedicalNeed: false, pregnant: true },
    mhpss: { distressLevel: 2 },
    financial: { paymentChannel: 2, accountReference: "card-1" },
    education: { enrolmentStatus: 1, grade: 4 },
  };
}

describe("DATA_CATEGORY_SECTIONS", () => {
  it("maps every data category to its own package section", () => {
    expect(
      Object.keys(DATA_CATEGORY_SECTIONS)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(CATEGORIES);
    expect(new Set(Object.values(DATA_CATEGORY_SECTIONS)).size).toBe(CATEGORIES.length);
    const full = fullPackage();
    for (const key of Object.values(DATA_CATEGORY_SECTIONS)) expect(full[key]).toBeDefined();
  });
});

describe("minimiseSections", () => {
  it("keeps only the chosen sections and says exactly which were shared", () => {
    const full = fullPackage();
    const minimal = minimiseSections(full, [
      D.DATA_CATEGORY_IDENTITY,
      D.DATA_CATEGORY_CONTACT,
      D.DATA_CATEGORY_FINANCIAL,
    ]);
    expect(minimal.identity).toEqual(full.identity);
    expect(minimal.contact).toEqual(full.contact);
    expect(minimal.financial).toEqual(full.financial);
    for (const key of ["demographics", "legalStatus", "gbv", "health", "mhpss", "childProtection"] as const) {
      expect(minimal[key]).toBeUndefined();
    }
    expect(minimal.sharedDataCategories).toEqual([
      D.DATA_CATEGORY_IDENTITY,
      D.DATA_CATEGORY_CONTACT,
      D.DATA_CATEGORY_FINANCIAL,
    ]);
    expect(minimal.reasonForReferral).toBe(full.reasonForReferral);
    expect(full.gbv).toBeDefined();
  });

  it("drops unconsented sections from a package built for the service type", () => {
    const selection = selectPackageCategories(
      ServiceType.SERVICE_TYPE_ECM_CASH,
      {
        dataCategories: [
          D.DATA_CATEGORY_IDENTITY,
          D.DATA_CATEGORY_CONTACT,
          D.DATA_CATEGORY_DEMOGRAPHICS,
          D.DATA_CATEGORY_HOUSEHOLD,
          D.DATA_CATEGORY_NEEDS,
          D.DATA_CATEGORY_FINANCIAL,
          D.DATA_CATEGORY_GBV,
        ],
      },
      CATEGORIES,
    );
    if (!selection.ok) throw new Error("expected a selection");
    const minimal = minimiseSections(fullPackage(), selection.categories);
    expect(minimal.legalStatus).toBeUndefined();
    expect(minimal.disability).toBeUndefined();
    expect(minimal.gbv).toBeUndefined();
    expect(presentDataCategories(minimal)).toEqual(minimal.sharedDataCategories);
    expect(minimal.sharedDataCategories).toEqual(selection.categories);
  });

  it("does not claim a category whose section is missing", () => {
    const { health: _, ...withoutHealth } = fullPackage();
    const minimal = minimiseSections(withoutHealth, [D.DATA_CATEGORY_IDENTITY, D.DATA_CATEGORY_HEALTH]);
    expect(minimal.sharedDataCategories).toEqual([D.DATA_CATEGORY_IDENTITY]);
  });

  it("survives encoding: the minimised package decodes without the dropped sections", () => {
    const minimal = minimiseSections(fullPackage(), [D.DATA_CATEGORY_IDENTITY]);
    const decoded = ReferralPackageCodec.decode(ReferralPackageCodec.encode(minimal).finish());
    expect(decoded.gbv).toBeUndefined();
    expect(decoded.identity).toEqual(minimal.identity);
    expect(decoded.sharedDataCategories).toEqual([D.DATA_CATEGORY_IDENTITY]);
  });

  test.prop([fc.uniqueArray(fc.constantFrom(...CATEGORIES))])(
    "never keeps a section outside the categories, and lists exactly the sections kept",
    (categories) => {
      const minimal = minimiseSections(fullPackage(), categories);
      const present = presentDataCategories(minimal);
      expect(present).toEqual([...categories].sort((a, b) => a - b));
      expect(minimal.sharedDataCategories).toEqual(present);
    },
  );
});

describe("withholdSensitiveSections", () => {
  it("removes the sensitive sections for a viewer without restricted access and names them", () => {
    const { package: visible, withheld } = withholdSensitiveSections(fullPackage());
    expect(withheld).toEqual([...SENSITIVE_DATA_CATEGORIES].sort((a, b) => a - b));
    expect(visible.gbv).toBeUndefined();
    expect(visible.health).toBeUndefined();
    expect(visible.identity).toBeDefined();
    expect(visible.sharedDataCategories).not.toContain(D.DATA_CATEGORY_MHPSS);
  });
});
