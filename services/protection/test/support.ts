import { testPackages } from "@kopru/casework/testkit";
import { AgeBand, Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  GbvIncidentType,
  ProtectionConcern,
  RiskLevel,
  TimeSinceIncident,
} from "@kopru/contracts/common/v1/needs";
import { DataCategory, PartnerKind, Priority, Purpose } from "@kopru/contracts/common/v1/vocabulary";

/**
 * A consented referral package (synthetic person) from organisation `from` to `to`, with identity,
 * contact, demographics, protection and GBV sections unless `extra` removes them; the shared
 * categories are the sections present, as the referrer's minimum-necessary cut leaves them.
 */
export const testReferralPackage = testPackages(({ to }) => ({
  referrerName: "Test NGO",
  requestedBy: "ngo-staff-1",
  priority: Priority.PRIORITY_HIGH,
  purpose: Purpose.PURPOSE_CASE_MANAGEMENT,
  consent: {
    organisationIds: [to],
    partnerKinds: [PartnerKind.PARTNER_KIND_PROTECTION_PARTNER],
    dataCategories: [
      DataCategory.DATA_CATEGORY_IDENTITY,
      DataCategory.DATA_CATEGORY_CONTACT,
      DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
      DataCategory.DATA_CATEGORY_PROTECTION,
      DataCategory.DATA_CATEGORY_GBV,
    ],
  },
  reasonForReferral: "Synthetic test referral.",
  person: {
    disaggregation: {
      sex: Sex.SEX_FEMALE,
      ageBand: AgeBand.AGE_BAND_25_49,
      nationality: "SY",
      provinceCode: "TUR027",
      districtCode: "TUR027001",
    },
    identity: { givenName: "Test", familyName: "Person (synthetic)" },
    contact: { phoneNumber: "+905550000000", safeToContact: true },
    demographics: { sex: Sex.SEX_FEMALE, birthYear: 1994, nationality: "SY" },
    protection: {
      riskLevel: RiskLevel.RISK_LEVEL_HIGH,
      concerns: [ProtectionConcern.PROTECTION_CONCERN_PHYSICAL_SAFETY],
    },
    gbv: {
      incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT,
      timeSinceIncident: TimeSinceIncident.TIME_SINCE_INCIDENT_0_3_DAYS,
      immediateSafetyRisk: true,
    },
  },
}));
