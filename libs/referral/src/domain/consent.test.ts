import { fc, test } from "@fast-check/vitest";
import { DataCategory, PartnerKind, Purpose } from "@kopru/contracts/common/v1/vocabulary";
import type { ConsentScope } from "@kopru/contracts/referral/v1/consent";
import { describe, expect, it } from "vitest";

import { type ConsentForCheck, consentCovers, type SharingRequest } from "./consent.js";

const AT = new Date("2025-03-03T08:00:00.000Z");
const EXPIRES = new Date("2026-03-03T00:00:00.000Z");
const D = DataCategory;

const scope: ConsentScope = {
  organisationIds: ["org-ecm-gaziantep"],
  partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
  purposes: [Purpose.PURPOSE_SERVICE_PROVISION, Purpose.PURPOSE_CASE_MANAGEMENT],
  dataCategories: [
    D.DATA_CATEGORY_IDENTITY,
    D.DATA_CATEGORY_CONTACT,
    D.DATA_CATEGORY_DEMOGRAPHICS,
    D.DATA_CATEGORY_NEEDS,
  ],
};
const consent: ConsentForCheck = { scope, expiresAt: EXPIRES };
const request: SharingRequest = {
  targetOrganisationId: "org-ecm-gaziantep",
  targetPartnerKind: PartnerKind.PARTNER_KIND_ECM_UNIT,
  purpose: Purpose.PURPOSE_SERVICE_PROVISION,
  dataCategories: [D.DATA_CATEGORY_IDENTITY, D.DATA_CATEGORY_CONTACT],
  at: AT,
};

describe("consentCovers", () => {
  it("covers a named organisation, a listed purpose and listed categories before expiry", () => {
    expect(consentCovers(consent, request)).toEqual({ covered: true });
  });

  it("covers any organisation of a listed partner kind", () => {
    const mmcc = {
      ...request,
      targetOrganisationId: "org-mmcc-kilis",
      targetPartnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
    };
    expect(consentCovers(consent, mmcc)).toEqual({ covered: true });
  });

  it("covers up to and including the expiry instant", () => {
    expect(consentCovers(consent, { ...request, at: EXPIRES })).toEqual({ covered: true });
  });

  it("names an organisation covered neither by id nor by partner kind", () => {
    const ngo = {
      ...request,
      targetOrganisationId: "org-ngo",
      targetPartnerKind: PartnerKind.PARTNER_KIND_NATIONAL_NGO,
    };
    expect(consentCovers(consent, ngo)).toEqual({
      covered: false,
      problems: [
        {
          kind: "organisation_not_covered",
          organisationId: "org-ngo",
          partnerKind: PartnerKind.PARTNER_KIND_NATIONAL_NGO,
        },
      ],
    });
  });

  it("does not cover an unspecified partner kind even if the scope lists it", () => {
    const odd = { ...consent, scope: { ...scope, partnerKinds: [PartnerKind.PARTNER_KIND_UNSPECIFIED] } };
    const unknown = {
      ...request,
      targetOrganisationId: "org-x",
      targetPartnerKind: PartnerKind.PARTNER_KIND_UNSPECIFIED,
    };
    expect(consentCovers(odd, unknown)).toMatchObject({
      covered: false,
      problems: [{ kind: "organisation_not_covered" }],
    });
  });

  it("names a purpose not consented", () => {
    expect(consentCovers(consent, { ...request, purpose: Purpose.PURPOSE_OUTCOME_FOLLOW_UP })).toEqual({
      covered: false,
      problems: [{ kind: "purpose_not_covered", purpose: Purpose.PURPOSE_OUTCOME_FOLLOW_UP }],
    });
    expect(consentCovers(consent, { ...request, purpose: Purpose.PURPOSE_UNSPECIFIED })).toMatchObject({
      problems: [{ kind: "purpose_not_covered" }],
    });
  });

  it("names every data category not consented", () => {
    const categories = [
      D.DATA_CATEGORY_GBV,
      D.DATA_CATEGORY_IDENTITY,
      D.DATA_CATEGORY_FINANCIAL,
      D.DATA_CATEGORY_GBV,
    ];
    expect(consentCovers(consent, { ...request, dataCategories: categories })).toEqual({
      covered: false,
      problems: [
        { kind: "data_category_not_covered", categories: [D.DATA_CATEGORY_GBV, D.DATA_CATEGORY_FINANCIAL] },
      ],
    });
  });

  it("names an expired consent", () => {
    const later = new Date(EXPIRES.getTime() + 1);
    expect(consentCovers(consent, { ...request, at: later })).toEqual({
      covered: false,
      problems: [{ kind: "expired", expiresAt: EXPIRES }],
    });
  });

  it("refuses an open-ended consent (the contract requires an expiry)", () => {
    expect(consentCovers({ scope }, request)).toEqual({
      covered: false,
      problems: [{ kind: "expiry_missing" }],
    });
  });

  it("names a withdrawn consent from the moment of withdrawal", () => {
    const withdrawnAt = new Date("2025-03-01T00:00:00.000Z");
    expect(consentCovers({ ...consent, withdrawnAt }, request)).toEqual({
      covered: false,
      problems: [{ kind: "withdrawn", withdrawnAt }],
    });
    expect(consentCovers({ ...consent, withdrawnAt: AT }, request)).toMatchObject({ covered: false });
    const sharedBeforeWithdrawal = { ...request, at: new Date("2025-02-28T00:00:00.000Z") };
    expect(consentCovers({ ...consent, withdrawnAt }, sharedBeforeWithdrawal)).toEqual({ covered: true });
  });

  it("reports every problem at once", () => {
    const everything = consentCovers(
      {
        scope,
        expiresAt: new Date("2025-01-01T00:00:00.000Z"),
        withdrawnAt: new Date("2024-12-01T00:00:00.000Z"),
      },
      {
        targetOrganisationId: "org-ngo",
        targetPartnerKind: PartnerKind.PARTNER_KIND_NATIONAL_NGO,
        purpose: Purpose.PURPOSE_STATISTICAL_REPORTING,
        dataCategories: [D.DATA_CATEGORY_HEALTH],
        at: AT,
      },
    );
    expect(everything.covered).toBe(false);
    if (!everything.covered) {
      expect(everything.problems.map((problem) => problem.kind)).toEqual([
        "organisation_not_covered",
        "purpose_not_covered",
        "data_category_not_covered",
        "expired",
        "withdrawn",
      ]);
    }
  });

  const categoryArb = fc.constantFrom(
    ...Object.values(DataCategory).filter(
      (value): value is DataCategory => typeof value === "number" && value > 0,
    ),
  );
  test.prop([fc.uniqueArray(categoryArb), fc.uniqueArray(categoryArb)])(
    "covers the categories exactly when every one is consented",
    (consented, sent) => {
      const result = consentCovers(
        { scope: { ...scope, dataCategories: consented }, expiresAt: EXPIRES },
        { ...request, dataCategories: sent },
      );
      const missing = sent.filter((category) => !consented.includes(category));
      expect(result.covered).toBe(missing.length === 0);
      if (!result.covered) {
        expect(result.problems).toEqual([
          { kind: "data_category_not_covered", categories: [...missing].sort((a, b) => a - b) },
        ]);
      }
    },
  );
});
