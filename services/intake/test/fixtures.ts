// Synthetic records for the pure tests: clearly made-up people, no real data.
import {
  DisabilityStatus,
  LegalStatus,
  Sex,
  WashingtonGroupDomain,
  WashingtonGroupSeverity,
} from "@kopru/contracts/common/v1/disaggregation";
import { VulnerabilityFlag } from "@kopru/contracts/common/v1/needs";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import { DataCategory, PartnerKind, Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ConsentGiver, ConsentMethod, type ConsentScope } from "@kopru/contracts/referral/v1/consent";
import type { BeneficiaryRecord, ConsentRecordStored, ScreeningRecord } from "../src/domain/records.js";

export const NOW = new Date("2026-11-25T10:00:00Z");
export const GAZIANTEP = "TUR027";
export const SAHINBEY = "TUR027004";
const actor = {
  kind: ActorKind.ACTOR_KIND_STAFF,
  organisationId: "ngo-test",
  actorId: "caseworker-1",
  role: 1,
};

export function person(overrides: Partial<BeneficiaryRecord> = {}): BeneficiaryRecord {
  return {
    beneficiaryId: "0b1e6a56-2a8e-4f0e-9a57-000000000001",
    organisationId: "ngo-test",
    beneficiaryRef: "6f1c2f1e-7d0a-4d1b-8f7e-000000000002",
    givenName: "Amal",
    familyName: "Synthetic-Haddad",
    preferredName: undefined,
    sex: Sex.SEX_FEMALE,
    birthYear: 1990,
    nationality: "SY",
    legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    residence: { provinceCode: GAZIANTEP, districtCode: SAHINBEY },
    phoneNumber: "+905550000001",
    preferredLanguage: "ar",
    interpreterNeeded: true,
    interpreterLanguage: "ar",
    safeToContact: false,
    safeTimes: "weekdays 10-12 (synthetic)",
    preferredContactMethod: 0,
    safeContactWindows: [],
    registeredAt: NOW,
    registeredBy: actor,
    updatedAt: NOW,
    ...overrides,
  };
}

export function screening(overrides: Partial<ScreeningRecord> = {}): ScreeningRecord {
  return {
    screeningId: "5a0c1a2b-3c4d-4e5f-8a9b-000000000003",
    beneficiaryId: "0b1e6a56-2a8e-4f0e-9a57-000000000001",
    organisationId: "ngo-test",
    servicesNeeded: [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING],
    vulnerabilities: [VulnerabilityFlag.VULNERABILITY_FLAG_SINGLE_PARENT],
    washingtonGroupAnswers: [
      {
        domain: WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_WALKING,
        severity: WashingtonGroupSeverity.WASHINGTON_GROUP_SEVERITY_A_LOT_OF_DIFFICULTY,
      },
    ],
    disabilityStatus: DisabilityStatus.DISABILITY_STATUS_WITH_DISABILITY,
    needsSummary: "Rent arrears (synthetic).",
    household: { size: 4, childrenCount: 3, femaleHeaded: true, dependantsWithDisability: 0 },
    screenedAt: NOW,
    screenedBy: actor,
    ...overrides,
  };
}

export const ALL_CATEGORIES = Object.values(DataCategory).filter(
  (c): c is DataCategory => typeof c === "number" && c > 0,
);

/** The fixture consent's scope: municipalities and ECM units, service provision, every category. */
export function consentScope(overrides: Partial<ConsentScope> = {}): ConsentScope {
  return {
    organisationIds: [],
    partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY, PartnerKind.PARTNER_KIND_ECM_UNIT],
    purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
    dataCategories: ALL_CATEGORIES,
    ...overrides,
  };
}

export function consent(overrides: Partial<ConsentRecordStored> = {}): ConsentRecordStored {
  return {
    consentId: "9d2e0c4a-1b2c-4d3e-8f40-000000000004",
    beneficiaryId: "0b1e6a56-2a8e-4f0e-9a57-000000000001",
    organisationId: "ngo-test",
    givenBy: ConsentGiver.CONSENT_GIVER_SELF,
    caregiverRelationship: undefined,
    method: ConsentMethod.CONSENT_METHOD_VERBAL_RECORDED,
    explainedInLanguage: "ar",
    interpreterUsed: true,
    recordedAt: NOW,
    recordedBy: actor,
    scope: consentScope(),
    expiresAt: new Date(NOW.getTime() + 365 * 86_400_000),
    withdrawnAt: undefined,
    withdrawalReason: 0,
    withdrawalNotifiedOrganisationIds: [],
    withdrawalCancelledReferralIds: [],
    ...overrides,
  };
}
