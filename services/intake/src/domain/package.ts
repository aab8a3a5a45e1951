import { LegalStatus } from "@kopru/contracts/common/v1/disaggregation";
import type { Actor } from "@kopru/contracts/common/v1/refs";
import {
  type Priority,
  type Purpose,
  ReferralOrigin,
  type ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import type { ConsentScope } from "@kopru/contracts/referral/v1/consent";
import { DocumentType, type LanguageNeeds, ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { ageBand, disabilityStatus, type PackageSectionKey } from "@kopru/referral/domain";
import { personDisaggregation } from "./disaggregation.js";
import type { BeneficiaryRecord, ScreeningRecord } from "./records.js";

export type PackageSections = Partial<Pick<ReferralPackage, PackageSectionKey>>;

/**
 * Every package section intake holds for a person: identity, contact and demographics from the
 * registration; legal status when known (with the screened document, if any); from the latest
 * screening, when screened: needs, disability (Washington Group answers), household and each of the
 * protection, GBV, child-protection, health, MHPSS, financial and education sections screened. The
 * referral library then cuts this down to what one target may receive (data contract, consent, and
 * for GBV and child protection the restricted-category rule).
 */
export function personSections(
  person: BeneficiaryRecord,
  screening: ScreeningRecord | undefined,
  at: Date,
): PackageSections {
  const sections: PackageSections = {
    identity: {
      givenName: person.givenName,
      familyName: person.familyName,
      preferredName: person.preferredName,
    },
    contact: {
      phoneNumber: person.phoneNumber,
      addressLine: undefined,
      residence: person.residence,
      safeToContact: person.safeToContact,
      safeTimes: person.safeTimes,
      preferredContactMethod: person.preferredContactMethod,
      preferredLanguage: person.preferredLanguage,
      interpreterNeeded: person.interpreterNeeded,
      interpreterLanguage: person.interpreterLanguage,
      safeWindows: person.safeContactWindows.map((w) => ({ ...w, days: [...w.days] })),
    },
    demographics: {
      sex: person.sex,
      birthYear: person.birthYear,
      ageBand: ageBand(person.birthYear, at),
      nationality: person.nationality,
    },
  };
  const document = screening?.legalDocument;
  if (person.legalStatus !== LegalStatus.LEGAL_STATUS_UNSPECIFIED || document) {
    sections.legalStatus = {
      legalStatus: person.legalStatus,
      documentType: document?.documentType ?? DocumentType.DOCUMENT_TYPE_UNSPECIFIED,
      documentNumber: document?.documentNumber,
      registrationProvinceCode: document?.registrationProvinceCode ?? "",
    };
  }
  if (screening) {
    sections.needs = {
      vulnerabilities: [...screening.vulnerabilities],
      needsSummary: screening.needsSummary,
    };
    if (screening.washingtonGroupAnswers.length > 0) {
      sections.disability = {
        answers: screening.washingtonGroupAnswers.map((a) => ({ ...a })),
        status: disabilityStatus(screening.washingtonGroupAnswers),
      };
    }
    if (screening.household) sections.household = { ...screening.household };
    if (screening.protection)
      sections.protection = { ...screening.protection, concerns: [...screening.protection.concerns] };
    if (screening.gbv) sections.gbv = { ...screening.gbv };
    if (screening.childProtection)
      sections.childProtection = {
        ...screening.childProtection,
        concerns: [...screening.childProtection.concerns],
      };
    if (screening.health) sections.health = { ...screening.health };
    if (screening.mhpss) sections.mhpss = { ...screening.mhpss };
    if (screening.financial) sections.financial = { ...screening.financial };
    if (screening.education) sections.education = { ...screening.education };
  }
  return sections;
}

export interface SourcePackageInput {
  referralId: string;
  /** For a re-route: the referral it replaces (same chain). */
  parent?: { referralId: string; rootReferralId: string } | undefined;
  origin: ReferralOrigin;
  person: BeneficiaryRecord;
  screening: ScreeningRecord | undefined;
  consent: { consentId: string; scope: ConsentScope; expiresAt: Date | undefined };
  referrer: { organisationId: string; displayName?: string | undefined };
  serviceType: ServiceType;
  priority: Priority;
  purpose: Purpose;
  reasonForReferral: string;
  requestedBy: Actor;
  at: Date;
}

/**
 * The full package before minimisation: everything intake holds about the person plus the request.
 * The target is filled in per candidate; `preparePackage` (libs/referral) then keeps only what the
 * service type's data contract and the consent allow.
 */
export function sourcePackage(input: SourcePackageInput): ReferralPackage {
  return ReferralPackage.fromPartial({
    referralId: input.referralId,
    rootReferralId: input.parent?.rootReferralId ?? input.referralId,
    parentReferralId: input.parent?.referralId ?? "",
    origin: input.origin || ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: input.person.beneficiaryRef,
    referrer: input.referrer,
    serviceType: input.serviceType,
    priority: input.priority,
    purpose: input.purpose,
    consentId: input.consent.consentId,
    consentExpiresAt: input.consent.expiresAt,
    consentScope: input.consent.scope,
    requestedBy: input.requestedBy,
    reasonForReferral: input.reasonForReferral,
    disaggregation: personDisaggregation(input.person, input.screening, input.at, input.serviceType),
    languageNeeds: languageNeeds(input.person),
    ...personSections(input.person, input.screening, input.at),
  });
}

/**
 * How to speak with the person: travels with every package (not a section, so no data contract or
 * consent scope leaves it out), since every target must know whether to bring an interpreter.
 */
export function languageNeeds(person: BeneficiaryRecord): LanguageNeeds {
  return {
    preferredLanguage: person.preferredLanguage,
    interpreterNeeded: person.interpreterNeeded,
    interpreterLanguage: person.interpreterNeeded ? person.interpreterLanguage : undefined,
  };
}
