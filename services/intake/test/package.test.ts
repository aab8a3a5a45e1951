import { AgeBand, DisabilityStatus, LegalStatus } from "@kopru/contracts/common/v1/disaggregation";
import { GbvIncidentType } from "@kopru/contracts/common/v1/needs";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  ConsentRefusedError,
  DataContractUnmetError,
  preparePackage,
  RestrictedDataRefusedError,
  type TargetRef,
} from "@kopru/referral";
import { presentDataCategories } from "@kopru/referral/domain";
import { describe, expect, it } from "vitest";
import { categoriesToOffer, uncoveredAsked } from "../src/domain/categories.js";
import { personDisaggregation } from "../src/domain/disaggregation.js";
import { CategoriesNotAcceptedError, CategoriesNotHeldError } from "../src/domain/errors.js";
import { personSections, sourcePackage } from "../src/domain/package.js";
import { consent, consentScope, NOW, person, screening } from "./fixtures.js";

const {
  DATA_CATEGORY_IDENTITY: IDENTITY,
  DATA_CATEGORY_CONTACT: CONTACT,
  DATA_CATEGORY_DEMOGRAPHICS: DEMOGRAPHICS,
  DATA_CATEGORY_LEGAL_STATUS: LEGAL_STATUS,
  DATA_CATEGORY_HOUSEHOLD: HOUSEHOLD,
  DATA_CATEGORY_NEEDS: NEEDS,
  DATA_CATEGORY_DISABILITY: DISABILITY,
  DATA_CATEGORY_GBV: GBV,
} = DataCategory;

function source(serviceType = ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, withScreening = true) {
  const c = consent();
  return sourcePackage({
    referralId: "01937f3a-0000-7000-8000-000000000010",
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    person: person(),
    screening: withScreening ? screening() : undefined,
    consent: {
      consentId: c.consentId,
      scope: c.scope ?? { organisationIds: [], partnerKinds: [], purposes: [], dataCategories: [] },
      expiresAt: c.expiresAt,
    },
    referrer: { organisationId: "ngo-test" },
    serviceType,
    priority: Priority.PRIORITY_HIGH,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: "Needs counselling (synthetic).",
    requestedBy: {
      kind: ActorKind.ACTOR_KIND_STAFF,
      organisationId: "ngo-test",
      actorId: "caseworker-1",
      role: 1,
    },
    at: NOW,
  });
}

describe("the package intake builds", () => {
  it("holds every section intake records: registration, legal status, and the latest screening", () => {
    expect(presentDataCategories(source())).toEqual([
      IDENTITY,
      CONTACT,
      DEMOGRAPHICS,
      LEGAL_STATUS,
      HOUSEHOLD,
      NEEDS,
      DISABILITY,
    ]);
    const sections = personSections(person(), screening(), NOW);
    expect(sections.contact?.safeToContact).toBe(false);
    expect(sections.contact?.safeTimes).toBe("weekdays 10-12 (synthetic)");
    expect(sections.demographics?.ageBand).toBe(AgeBand.AGE_BAND_25_49);
    expect(sections.disability?.status).toBe(DisabilityStatus.DISABILITY_STATUS_WITH_DISABILITY);
    expect(sections.household?.size).toBe(4);
  });

  it("holds no needs, disability or household before a screening, and no legal status when unknown", () => {
    const sections = personSections(
      person({ legalStatus: LegalStatus.LEGAL_STATUS_UNSPECIFIED }),
      undefined,
      NOW,
    );
    expect(Object.keys(sections).sort()).toEqual(["contact", "demographics", "identity"]);
  });

  it("never carries a document number or intake's own id; the person travels as beneficiary_ref", () => {
    const pkg = source();
    expect(pkg.beneficiaryRef).toBe(person().beneficiaryRef);
    expect(JSON.stringify(pkg)).not.toContain(person().beneficiaryId);
    expect(pkg.legalStatus?.documentNumber).toBeUndefined();
  });

  it("fills the PII-free disaggregation bundle, and leaves nationality and district out for restricted services", () => {
    expect(source().disaggregation).toEqual({
      sex: person().sex,
      ageBand: AgeBand.AGE_BAND_25_49,
      disabilityStatus: DisabilityStatus.DISABILITY_STATUS_WITH_DISABILITY,
      nationality: "SY",
      legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
      provinceCode: "TUR027",
      districtCode: "TUR027004",
    });
    const restricted = personDisaggregation(
      person(),
      undefined,
      NOW,
      ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
    );
    expect(restricted.nationality).toBe("");
    expect(restricted.districtCode).toBe("");
    expect(restricted.disabilityStatus).toBe(DisabilityStatus.DISABILITY_STATUS_NOT_ASKED);
  });
});

describe("minimum necessary for one target", () => {
  const mmcc = { organisationId: "mmcc-test", partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY };
  const prepare = (pkg = source(), c = consent(), onlyCategories?: DataCategory[]) =>
    preparePackage({
      source: pkg,
      consent: {
        consentId: c.consentId,
        scope: c.scope ?? { organisationIds: [], partnerKinds: [], purposes: [], dataCategories: [] },
        expiresAt: c.expiresAt,
      },
      target: mmcc,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      onlyCategories,
      at: NOW,
    });

  it("sends an MMCC counselling referral no GBV section even when it is held and consented", () => {
    const withGbv = {
      ...source(),
      gbv: { incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT, timeSinceIncident: 0 },
    };
    const { pkg, categories } = prepare(withGbv);
    expect(pkg.gbv).toBeUndefined();
    expect(categories).not.toContain(GBV);
    // The contract's required sections, and the optional ones the consent covers.
    expect(categories).toEqual([IDENTITY, CONTACT, DEMOGRAPHICS, LEGAL_STATUS, HOUSEHOLD, NEEDS, DISABILITY]);
    expect(pkg.sharedDataCategories).toEqual(categories);
  });

  it("sends only what the consent covers among the optional categories", () => {
    const narrow = consent({
      scope: consentScope({ dataCategories: [IDENTITY, CONTACT, DEMOGRAPHICS, NEEDS] }),
    });
    const { pkg } = prepare(source(), narrow);
    expect(presentDataCategories(pkg)).toEqual([IDENTITY, CONTACT, DEMOGRAPHICS, NEEDS]);
    expect(pkg.disability).toBeUndefined();
    expect(pkg.household).toBeUndefined();
  });

  it("refuses, naming the gap, when a required category is not consented or not held", () => {
    const noNeeds = consent({
      scope: consentScope({ dataCategories: [IDENTITY, CONTACT, DEMOGRAPHICS] }),
    });
    expect(() => prepare(source(), noNeeds)).toThrow(DataContractUnmetError);
    expect(() => prepare(source(), noNeeds)).toThrow(/not covered by the consent: needs/);
    expect(() => prepare(source(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, false))).toThrow(
      /not recorded for this person: needs/,
    );
  });

  it("keeps the language needs whatever the contract and consent cut", () => {
    const narrow = consent({
      scope: consentScope({ dataCategories: [IDENTITY, CONTACT, DEMOGRAPHICS, NEEDS] }),
    });
    const withLanguage = {
      ...source(),
      languageNeeds: { preferredLanguage: "fa", interpreterNeeded: true, interpreterLanguage: "fa" },
    };
    const { pkg } = prepare(withLanguage, narrow);
    expect(pkg.languageNeeds).toEqual({
      preferredLanguage: "fa",
      interpreterNeeded: true,
      interpreterLanguage: "fa",
    });
  });

  it("refuses GBV data to a municipality even under a consent naming it and a directory entry offering the service", () => {
    const gbvSource = {
      ...source(),
      serviceType: ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
      protection: { riskLevel: 3, concerns: [] },
      gbv: { incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT, timeSinceIncident: 0 },
    };
    const c = consent();
    const attempt = (target: TargetRef) =>
      preparePackage({
        source: gbvSource,
        consent: { consentId: c.consentId, scope: c.scope ?? consentScope({}), expiresAt: c.expiresAt },
        target,
        serviceType: ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
        purpose: Purpose.PURPOSE_SERVICE_PROVISION,
        at: NOW,
      });
    const offersGbv = [ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT];
    expect(() => attempt({ ...mmcc, offeredServiceTypes: offersGbv })).toThrow(RestrictedDataRefusedError);
    expect(() => attempt({ ...mmcc, offeredServiceTypes: offersGbv })).toThrow(
      /gbv: municipalities and community centres never receive it/,
    );
  });

  it("refuses a target whose partner kind the consent does not name", () => {
    const onlyEcm = consent({
      scope: consentScope({ partnerKinds: [PartnerKind.PARTNER_KIND_ECM_UNIT] }),
    });
    expect(() => prepare(source(), onlyEcm)).toThrow(ConsentRefusedError);
    expect(() => prepare(source(), onlyEcm)).toThrow(/does not cover organisation mmcc-test/);
  });
});

describe("categories the referrer chooses", () => {
  const held = [IDENTITY, CONTACT, DEMOGRAPHICS, NEEDS, DISABILITY];

  it("leaves the choice to the data contract when none is asked for", () => {
    expect(categoriesToOffer(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, [], held)).toBeUndefined();
  });

  it("offers what was asked plus the contract's required categories", () => {
    expect(categoriesToOffer(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, [DISABILITY], held)).toEqual([
      IDENTITY,
      CONTACT,
      DEMOGRAPHICS,
      NEEDS,
      DISABILITY,
    ]);
  });

  it("refuses categories outside the contract, or not held for the person", () => {
    expect(() => categoriesToOffer(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, [GBV], held)).toThrow(
      CategoriesNotAcceptedError,
    );
    expect(() => categoriesToOffer(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, [GBV], held)).toThrow(
      /mmcc_counselling referral does not take the data categories gbv/,
    );
    expect(() => categoriesToOffer(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, [HOUSEHOLD], held)).toThrow(
      CategoriesNotHeldError,
    );
  });

  it("names what was asked for but not consented", () => {
    expect(uncoveredAsked([DISABILITY, NEEDS], [IDENTITY, NEEDS])).toEqual([DISABILITY]);
  });
});
