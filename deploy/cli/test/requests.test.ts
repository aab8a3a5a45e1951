import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { FigureDimension } from "@kopru/contracts/coordination/v1/tracking";
import { ConsentGiver, ConsentMethod } from "@kopru/contracts/referral/v1/consent";
import { describe, expect, it } from "vitest";
import { CliUsageError } from "../src/errors.js";
import {
  consentRequest,
  dimensions,
  figuresRequest,
  registerRequest,
  screenRequest,
  submitRequest,
} from "../src/requests.js";

const NOW = new Date("2026-11-25T10:00:00Z");
const ID = "00000000-0000-4000-8000-000000000001";

describe("beneficiary register", () => {
  const base = {
    as: "ngo-hayat",
    givenName: "Amal",
    familyName: "Example (demo)",
    sex: "female",
    birthYear: "1990",
    nationality: "sy",
    legalStatus: "temporary_protection",
    province: "tur027",
    language: "ar",
  };

  it("maps options to the request", () => {
    const request = registerRequest({ ...base, phone: "+90 555 000 1234", interpreter: true }, ID, NOW);
    expect(request).toMatchObject({
      requestId: ID,
      organisationId: "ngo-hayat",
      sex: Sex.SEX_FEMALE,
      birthYear: 1990,
      nationality: "SY",
      legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
      residence: { provinceCode: "TUR027", districtCode: "", provinceName: "Gaziantep" },
      phoneNumber: "+905550001234",
      preferredLanguage: "ar",
      interpreterNeeded: true,
      interpreterLanguage: "ar",
      safeToContact: true,
    });
  });

  it("names the bad option", () => {
    expect(() => registerRequest({ ...base, province: "Gaziantep" }, ID, NOW)).toThrow(
      /--province must be an ADM1 p-code/,
    );
    expect(() => registerRequest({ ...base, nationality: "Syria" }, ID, NOW)).toThrow(/--nationality/);
    expect(() => registerRequest({ ...base, birthYear: "2030" }, ID, NOW)).toThrow(/--birth-year/);
    expect(() => registerRequest({ ...base, phone: "0555 000" }, ID, NOW)).toThrow(/--phone/);
    expect(() => registerRequest({ ...base, sex: "x" }, ID, NOW)).toThrow(/--sex "x" is not valid/);
    expect(() => registerRequest({ ...base, safeToContact: false }, ID, NOW)).not.toThrow();
  });
});

describe("consent record", () => {
  const base = {
    beneficiary: "b-1",
    method: "verbal",
    org: ["mmcc-gaziantep"],
    kind: ["municipality"],
    purpose: ["service_provision"],
    data: ["identity,contact,demographics,needs"],
  };

  it("maps scope lists and defaults the expiry to a year", () => {
    const request = consentRequest(base, "ar", ID, NOW);
    expect(request.givenBy).toBe(ConsentGiver.CONSENT_GIVER_SELF);
    expect(request.method).toBe(ConsentMethod.CONSENT_METHOD_VERBAL_RECORDED);
    expect(request.scope).toEqual({
      organisationIds: ["mmcc-gaziantep"],
      partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
      purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
      dataCategories: [
        DataCategory.DATA_CATEGORY_IDENTITY,
        DataCategory.DATA_CATEGORY_CONTACT,
        DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
        DataCategory.DATA_CATEGORY_NEEDS,
      ],
    });
    expect(request.expiresAt?.toISOString()).toBe("2027-11-25T10:00:00.000Z");
    expect(consentRequest({ ...base, expires: "2027-06-30" }, "ar", ID, NOW).expiresAt?.toISOString()).toBe(
      "2027-06-30T23:59:59.999Z",
    );
  });

  it("refuses a consent without a partner, purpose or data, or already expired", () => {
    expect(() => consentRequest({ ...base, org: [], kind: [] }, "ar", ID, NOW)).toThrow(/--org .* or --kind/);
    expect(() => consentRequest({ ...base, purpose: [] }, "ar", ID, NOW)).toThrow(/--purpose is required/);
    expect(() => consentRequest({ ...base, data: [] }, "ar", ID, NOW)).toThrow(/--data is required/);
    expect(() => consentRequest({ ...base, expires: "2026-01-01" }, "ar", ID, NOW)).toThrow(/in the future/);
    expect(() => consentRequest({ ...base, givenBy: "caregiver" }, "ar", ID, NOW)).toThrow(
      /--caregiver-relationship/,
    );
  });
});

describe("needs screen", () => {
  it("parses services, flags, Washington Group pairs and household", () => {
    const request = screenRequest(
      {
        beneficiary: "b-1",
        service: ["mmcc_counselling,ecm_cash"],
        flag: ["single_parent"],
        wg: ["walking=a_lot_of_difficulty"],
        householdSize: "5",
        children: "3",
        femaleHeaded: true,
      },
      ID,
    );
    expect(request.servicesNeeded).toEqual([
      ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      ServiceType.SERVICE_TYPE_ECM_CASH,
    ]);
    expect(request.washingtonGroupAnswers).toEqual([{ domain: 3, severity: 3 }]);
    expect(request.household).toEqual({
      size: 5,
      childrenCount: 3,
      femaleHeaded: true,
      dependantsWithDisability: undefined,
    });
    expect(() => screenRequest({ beneficiary: "b", wg: ["walking"] }, ID)).toThrow(/domain=severity/);
  });
});

describe("referral submit", () => {
  const base = {
    beneficiary: "b-1",
    consent: "c-1",
    service: "mmcc_counselling",
    priority: "high",
    reason: "needs counselling",
  };

  it("sends to a named target", () => {
    const request = submitRequest({ ...base, to: "mmcc-gaziantep" }, ID);
    expect(request).toMatchObject({
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      routing: { $case: "explicitTarget", value: { organisationId: "mmcc-gaziantep" } },
    });
  });

  it("routes by criteria when no target is named", () => {
    const request = submitRequest(
      { ...base, province: "TUR027", kind: ["municipality"], allowWaitlist: true },
      ID,
    );
    expect(request.routing).toEqual({
      $case: "routingCriteria",
      value: {
        location: { provinceCode: "TUR027", districtCode: "", provinceName: "Gaziantep" },
        language: undefined,
        partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
        allowWaitlist: true,
        excludedOrganisationIds: [],
      },
    });
  });

  it("refuses a target together with routing options", () => {
    expect(() => submitRequest({ ...base, to: "mmcc-gaziantep", province: "TUR027" }, ID)).toThrow(
      CliUsageError,
    );
    expect(() => submitRequest({ ...base, offering: "o-1" }, ID)).toThrow(/--offering needs --to/);
  });
});

describe("coordination figures", () => {
  it("accepts the words people use for dimensions", () => {
    expect(
      dimensions(["organisation,service_type,province,priority,sex,age_band,disability,nationality"]),
    ).toEqual([
      FigureDimension.FIGURE_DIMENSION_TARGET_ORGANISATION,
      FigureDimension.FIGURE_DIMENSION_SERVICE_TYPE,
      FigureDimension.FIGURE_DIMENSION_PROVINCE,
      FigureDimension.FIGURE_DIMENSION_PRIORITY,
      FigureDimension.FIGURE_DIMENSION_SEX,
      FigureDimension.FIGURE_DIMENSION_AGE_BAND,
      FigureDimension.FIGURE_DIMENSION_DISABILITY_STATUS,
      FigureDimension.FIGURE_DIMENSION_NATIONALITY,
    ]);
    expect(dimensions(["referrer"])).toEqual([FigureDimension.FIGURE_DIMENSION_REFERRER_ORGANISATION]);
  });

  it("turns --from/--to into a requested range", () => {
    const request = figuresRequest({ from: "2026-01-01", to: "2026-12-31" });
    expect(request.filter?.requested?.start?.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(request.filter?.requested?.end?.toISOString()).toBe("2026-12-31T23:59:59.999Z");
    expect(() => figuresRequest({ from: "2026-12-31", to: "2026-01-01" })).toThrow(
      /--from must be before --to/,
    );
  });
});
