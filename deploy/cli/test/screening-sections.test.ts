import { ChildProtectionConcern, GbvIncidentType, RiskLevel } from "@kopru/contracts/common/v1/needs";
import {
  DocumentType,
  PaymentChannel,
  type ReferralPackage,
  SchoolEnrolmentStatus,
} from "@kopru/contracts/referral/v1/package";
import { describe, expect, it } from "vitest";
import { CliUsageError } from "../src/errors.js";
import { packageSectionLines, screeningSections } from "../src/screening-sections.js";

describe("needs screen: the sections data contracts require", () => {
  it("sends no section when none of its options is given", () => {
    expect(Object.values(screeningSections({})).every((s) => s === undefined)).toBe(true);
  });

  it("maps each section's options", () => {
    const sections = screeningSections({
      risk: "high",
      protectionConcern: ["physical_safety"],
      gbvIncident: "physical_assault",
      gbvNotes: "only what she wants shared (demo)",
      cpConcern: ["child_labour,neglect"],
      cpCaregiverPresent: true,
      urgentMedical: true,
      paymentChannel: "bank",
      accountReference: "TR00 demo",
      school: "not_enrolled",
      grade: "5",
      document: "temporary_protection_id",
      registrationProvince: "tur027",
    });
    expect(sections.protection?.riskLevel).toBe(RiskLevel.RISK_LEVEL_HIGH);
    expect(sections.gbv).toMatchObject({
      incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT,
      survivorCentredNotes: "only what she wants shared (demo)",
    });
    expect(sections.childProtection?.concerns).toEqual([
      ChildProtectionConcern.CHILD_PROTECTION_CONCERN_CHILD_LABOUR,
      ChildProtectionConcern.CHILD_PROTECTION_CONCERN_NEGLECT,
    ]);
    expect(sections.health).toEqual({
      conditionsSummary: undefined,
      urgentMedicalNeed: true,
      pregnant: undefined,
    });
    expect(sections.mhpss).toBeUndefined();
    expect(sections.financial?.paymentChannel).toBe(PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT);
    expect(sections.education).toMatchObject({
      enrolmentStatus: SchoolEnrolmentStatus.SCHOOL_ENROLMENT_STATUS_NOT_ENROLLED,
      grade: 5,
    });
    expect(sections.legalDocument).toMatchObject({
      documentType: DocumentType.DOCUMENT_TYPE_TEMPORARY_PROTECTION_ID,
      registrationProvinceCode: "TUR027",
    });
  });

  it("refuses unknown choices and out-of-range numbers before anything is sent", () => {
    expect(() => screeningSections({ gbvIncident: "unknown_kind" })).toThrow(/--gbv-incident/);
    expect(() => screeningSections({ grade: "13" })).toThrow(CliUsageError);
  });
});

describe("package lines for the sections and the language needs", () => {
  it("prints what the package holds and nothing for sections it lacks", () => {
    const lines = new Map(
      packageSectionLines({
        languageNeeds: { preferredLanguage: "ku", interpreterNeeded: true, interpreterLanguage: "ku" },
        gbv: {
          incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT,
          timeSinceIncident: 0,
          immediateSafetyRisk: true,
        },
        education: { enrolmentStatus: SchoolEnrolmentStatus.SCHOOL_ENROLMENT_STATUS_ENROLLED, grade: 3 },
      } as ReferralPackage),
    );
    expect(lines.get("language needs")).toBe("ku (interpreter: ku)");
    expect(lines.get("GBV (restricted)")).toBe("physical_assault; IMMEDIATE SAFETY RISK");
    expect(lines.get("education")).toBe("enrolled; grade 3");
    expect(lines.get("health")).toBeUndefined();
    expect(lines.get("child protection (restricted)")).toBeUndefined();
  });
});
