import { LegalStatus } from "@kopru/contracts/common/v1/disaggregation";
import type { Actor } from "@kopru/contracts/common/v1/refs";
import {
  type Priority,
  type Purpose,
  ReferralOrigin,
  type ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import type { ConsentScope } from "@kopru/contracts/referral/v1/consent";
import { DocumentType, ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { ageBand, disabilityStatus, type PackageSectionKey } from "@kopru/referral/domain";
import { personDisaggregation } from "./disaggregation.js";
import type { BeneficiaryRecord, ScreeningRecord } from "./records.js";

export type PackageSections = Partial<Pick<ReferralPackage, PackageSectionKey>>;

/**
 * Every package section intake holds for a person: identity, contact and demographics from the
 * registration; legal status when known; needs, disability (Washington Group answers) and household
 * from the latest screening, when screened. Intake records no protection, GBV, child-protection,
 * health, MHPSS, financial or education details (its contract has no field for them), so it never
 * holds those sections. The referral library then cuts this down to what one target may receive.
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
  if (person.legalStatus !== LegalStatus.LEGAL_STATUS_UNSPECIFIED) {
    sections.legalStatus = {
      legalStatus: person.legalStatus,
      documentType: DocumentType.DOCUMENT_TYPE_UNSPECIFIED,
      documentNumber: undefined,
      registrationProvinceCode: "",
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
    ...personSections(input.person, input.screening, input.at),
  });
}
