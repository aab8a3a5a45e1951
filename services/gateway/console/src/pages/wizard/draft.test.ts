import { describe, expect, it } from "vitest";
import {
  type ChosenTarget,
  categoriesToShare,
  checkStep,
  draftFieldOf,
  emptyDraft,
  mostSharedByBestMatch,
  optionalCategories,
  problemsOfRefusal,
  requiredNotConsented,
  requiredNotHeld,
  submissionSteps,
  type WizardDraft,
} from "./draft.js";

const NOW = new Date("2026-12-07T10:00:00Z");

function filled(): WizardDraft {
  const draft = emptyDraft(NOW);
  draft.person = {
    ...draft.person,
    givenName: " Amira ",
    familyName: "Testperson",
    sex: "SEX_FEMALE",
    birthYear: "1990",
    nationality: "SY",
    legalStatus: "LEGAL_STATUS_TEMPORARY_PROTECTION",
    provinceCode: "TUR027",
    phoneNumber: "+905550001234",
    preferredLanguage: "ar",
  };
  draft.consent = {
    ...draft.consent,
    method: "CONSENT_METHOD_VERBAL_RECORDED",
    explainedInLanguage: "ar",
    partnerKinds: ["PARTNER_KIND_MUNICIPALITY"],
    dataCategories: [
      "DATA_CATEGORY_IDENTITY",
      "DATA_CATEGORY_CONTACT",
      "DATA_CATEGORY_DEMOGRAPHICS",
      "DATA_CATEGORY_NEEDS",
    ],
  };
  draft.needs = {
    ...draft.needs,
    servicesNeeded: ["SERVICE_TYPE_MMCC_COUNSELLING"],
    needsSummary: "counselling",
  };
  draft.referral = {
    ...draft.referral,
    serviceType: "SERVICE_TYPE_MMCC_COUNSELLING",
    reasonForReferral: "needs counselling",
  };
  return draft;
}

const MMCC: ChosenTarget = {
  organisationId: "mmcc-sahinbey",
  organisationName: "MMCC Şahinbey",
  partnerKind: "PARTNER_KIND_MUNICIPALITY",
  serviceOfferingId: "off-1",
};

describe("the wizard's checks before sending", () => {
  it("names each missing field of the person step", () => {
    const problems = checkStep("person", emptyDraft(NOW), NOW);
    expect(Object.keys(problems)).toEqual(
      expect.arrayContaining(["person.givenName", "person.familyName", "person.sex", "person.provinceCode"]),
    );
    expect(checkStep("person", filled(), NOW)).toEqual({});
  });

  it("refuses a consent that names no one, or has expired", () => {
    const draft = filled();
    draft.consent.partnerKinds = [];
    draft.consent.expiresOn = "2026-01-01";
    expect(Object.keys(checkStep("consent", draft, NOW)).sort()).toEqual([
      "consent.expiresOn",
      "consent.partnerKinds",
    ]);
  });

  it("refuses a target the consent does not cover", () => {
    const draft = filled();
    draft.referral.target = { ...MMCC, partnerKind: "PARTNER_KIND_ECM_UNIT" };
    expect(checkStep("referral", draft, NOW)["referral.target"]?.key).toBe("check.targetNotCovered");
    draft.consent.organisations = [{ id: MMCC.organisationId, name: MMCC.organisationName }];
    expect(checkStep("referral", draft, NOW)).toEqual({});
  });
});

describe("what the referral shares", () => {
  it("is the service type's required categories plus the optional ones chosen, consented and held", () => {
    const draft = filled();
    draft.referral.target = MMCC;
    // MMCC counselling requires the person and their needs (libs/referral's data contract).
    expect(categoriesToShare(draft)).toEqual([
      "DATA_CATEGORY_IDENTITY",
      "DATA_CATEGORY_CONTACT",
      "DATA_CATEGORY_DEMOGRAPHICS",
      "DATA_CATEGORY_NEEDS",
    ]);
    draft.referral.extraCategories = ["DATA_CATEGORY_HOUSEHOLD"];
    // Chosen, but neither consented nor screened: nothing to send for it.
    expect(categoriesToShare(draft)).not.toContain("DATA_CATEGORY_HOUSEHOLD");
    draft.consent.dataCategories.push("DATA_CATEGORY_HOUSEHOLD");
    draft.needs.householdSize = "4";
    expect(optionalCategories(draft)).toEqual(["DATA_CATEGORY_HOUSEHOLD"]);
    expect(categoriesToShare(draft)).toEqual([
      "DATA_CATEGORY_IDENTITY",
      "DATA_CATEGORY_CONTACT",
      "DATA_CATEGORY_DEMOGRAPHICS",
      "DATA_CATEGORY_HOUSEHOLD",
      "DATA_CATEGORY_NEEDS",
    ]);
  });

  it("follows the service type whichever organisation and offering are chosen, as intake does", () => {
    const draft = filled();
    draft.referral.target = { ...MMCC, organisationId: "mmcc-kilis", serviceOfferingId: "off-2" };
    expect(categoriesToShare(draft)).toEqual([
      "DATA_CATEGORY_IDENTITY",
      "DATA_CATEGORY_CONTACT",
      "DATA_CATEGORY_DEMOGRAPHICS",
      "DATA_CATEGORY_NEEDS",
    ]);
  });

  it("tells a best-match referral exactly what intake's rule sends: required, and optional when consented", () => {
    const draft = filled();
    draft.needs.householdSize = "4";
    expect(mostSharedByBestMatch(draft)).toEqual([
      "DATA_CATEGORY_IDENTITY",
      "DATA_CATEGORY_CONTACT",
      "DATA_CATEGORY_DEMOGRAPHICS",
      "DATA_CATEGORY_NEEDS",
    ]);
    draft.consent.dataCategories.push("DATA_CATEGORY_HOUSEHOLD");
    expect(mostSharedByBestMatch(draft)).toContain("DATA_CATEGORY_HOUSEHOLD");
  });

  it("says which required categories the consent leaves out, or the person has no data for", () => {
    const draft = filled();
    // ECM cash requires the household, which this person's screening does not describe.
    draft.referral.serviceType = "SERVICE_TYPE_ECM_CASH";
    draft.referral.target = MMCC;
    draft.consent.dataCategories = ["DATA_CATEGORY_IDENTITY"];
    expect(requiredNotConsented(draft)).toEqual([
      "DATA_CATEGORY_CONTACT",
      "DATA_CATEGORY_DEMOGRAPHICS",
      "DATA_CATEGORY_HOUSEHOLD",
      "DATA_CATEGORY_NEEDS",
    ]);
    expect(requiredNotHeld(draft)).toEqual(["DATA_CATEGORY_HOUSEHOLD"]);
    expect(Object.keys(checkStep("confirm", draft, NOW))).toEqual(["confirm.categories"]);
  });
});

describe("the requests a draft becomes", () => {
  it("registers, records consent, screens and refers, each later step taking the ids answered", () => {
    const draft = filled();
    draft.referral.target = MMCC;
    draft.referral.extraCategories = ["DATA_CATEGORY_NEEDS"];
    const steps = submissionSteps(draft, "ngo-hayat", NOW.toISOString());
    expect(steps.map((s) => [s.method, s.inputs ?? []])).toEqual([
      ["RegisterBeneficiary", []],
      ["RecordConsent", ["beneficiaryId"]],
      ["ScreenNeeds", ["beneficiaryId"]],
      ["CreateReferral", ["beneficiaryId", "consentId"]],
    ]);
    expect(steps[0]?.request).toMatchObject({
      organisationId: "ngo-hayat",
      givenName: "Amira",
      birthYear: 1990,
      residence: { provinceCode: "TUR027" },
    });
    expect(steps[0]?.request).not.toHaveProperty("preferredName");
    expect(steps[1]?.request).toMatchObject({
      recordedAt: NOW.toISOString(),
      scope: { partnerKinds: ["PARTNER_KIND_MUNICIPALITY"], purposes: ["PURPOSE_SERVICE_PROVISION"] },
    });
    expect(steps[3]?.request).toMatchObject({
      explicitTarget: { organisationId: "mmcc-sahinbey", serviceOfferingId: "off-1" },
      // Exactly what the confirmation shows: intake shares these or refuses.
      dataCategories: [
        "DATA_CATEGORY_IDENTITY",
        "DATA_CATEGORY_CONTACT",
        "DATA_CATEGORY_DEMOGRAPHICS",
        "DATA_CATEGORY_NEEDS",
      ],
    });
  });

  it("skips registration for a person already registered and routes by criteria without a target", () => {
    const draft = filled();
    draft.person.mode = "existing";
    draft.person.existingId = "0190a6a4-8a4e-7c39-9d0e-6b1c1f0c2a11";
    const steps = submissionSteps(draft, "ngo-hayat", NOW.toISOString());
    expect(steps.map((s) => s.method)).toEqual(["RecordConsent", "ScreenNeeds", "CreateReferral"]);
    expect(steps[2]?.request).toHaveProperty("routingCriteria");
    expect(steps[2]?.request).not.toHaveProperty("explicitTarget");
    expect(steps[2]?.request).toMatchObject({ dataCategories: [] });
  });
});

describe("a refusal, shown on the wizard's fields", () => {
  it("maps the server's field names to the draft's", () => {
    expect(draftFieldOf("RegisterBeneficiary", "residence.provinceCode")).toBe("person.provinceCode");
    expect(draftFieldOf("RegisterBeneficiary", "body.given_name")).toBe("person.givenName");
    expect(draftFieldOf("RecordConsent", "expiresAt")).toBe("consent.expiresOn");
    expect(draftFieldOf("RecordConsent", "scope.dataCategories[2]")).toBe("consent.dataCategories");
    expect(draftFieldOf("ScreenNeeds", "household.childrenCount")).toBe("needs.childrenCount");
    expect(draftFieldOf("CreateReferral", "explicitTarget.organisationId")).toBe("referral.target");
    expect(draftFieldOf("CreateReferral", "reasonForReferral")).toBe("referral.reasonForReferral");
  });

  it("keeps the server's reason with the field", () => {
    const problems = problemsOfRefusal("RecordConsent", {
      status: 400,
      code: "invalid_argument",
      title: "invalid",
      invalidParams: [{ name: "expiresAt", reason: "must be in the future" }],
    });
    expect(problems).toEqual({ "consent.expiresOn": { reason: "expiresAt: must be in the future" } });
  });
});
