import type { Location } from "@kopru/contracts/common/v1/disaggregation";
import {
  LegalStatus,
  Sex,
  WashingtonGroupDomain,
  WashingtonGroupSeverity,
} from "@kopru/contracts/common/v1/disaggregation";
import {
  ChildProtectionConcern,
  DistressLevel,
  GbvIncidentType,
  ProtectionConcern,
  RiskLevel,
  TimeSinceIncident,
  VulnerabilityFlag,
} from "@kopru/contracts/common/v1/needs";
import {
  CancelReason,
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import type {
  CancelReferralRequest,
  CreateReferralRequest,
  ExplicitTarget,
  GetErasureRequestRequest,
  ListReferralsRequest,
  RecordConsentRequest,
  RegisterBeneficiaryRequest,
  RequestErasureRequest,
  RouteReferralRequest,
  RoutingCriteria,
  ScreenNeedsRequest,
  SuggestTargetsRequest,
  WithdrawConsentRequest,
} from "@kopru/contracts/intake/v1/intake_service";
import {
  ConsentGiver,
  ConsentMethod,
  ConsentWithdrawalPolicy,
  ConsentWithdrawalReason,
  ContinuingLawfulBasis,
} from "@kopru/contracts/referral/v1/consent";
import { ErasureRequestReason } from "@kopru/contracts/referral/v1/events";
import {
  ContactMethod,
  DocumentType,
  PaymentChannel,
  SchoolEnrolmentStatus,
} from "@kopru/contracts/referral/v1/package";
import { isPageToken } from "@kopru/referral";
import { type RequestValidator, validate } from "@kopru/service-kit";
import { safeWindows } from "./contact-validation.js";

// Request validation for IntakeService: every bad field is named in its proto spelling, all at once
// (INVALID_ARGUMENT). Rules that need stored state (e.g. a consent's recorded_at) live in the use cases.

/** BCP 47 language tag, e.g. "ar", "fa", "ku-Latn", "tr". */
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;
/** ISO 3166-1 alpha-2 in upper case; "XX" is stateless. */
const COUNTRY = /^[A-Z]{2}$/;
/** Humanitarian p-code: country letters then digits, e.g. "TUR027", "TUR027004". */
const PCODE = /^[A-Z]{2,3}[0-9]{1,12}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

const MAX_NAME = 100;
const MAX_TEXT = 2_000;

function language(v: RequestValidator, value: string | undefined, field: string, required: boolean) {
  if (!value) return required ? v.fail(field, "is required (a BCP 47 language tag such as ar, fa or tr)") : v;
  return v.check(LANGUAGE.test(value), field, "must be a BCP 47 language tag such as ar, fa or tr");
}

function location(v: RequestValidator, value: Location | undefined, field: string, required: boolean) {
  if (!value?.provinceCode) {
    if (required) v.fail(`${field}.province_code`, "is required (an ADM1 p-code such as TUR027)");
    if (value?.districtCode) v.fail(`${field}.province_code`, "is required when district_code is given");
    return v;
  }
  v.check(PCODE.test(value.provinceCode), `${field}.province_code`, "must be an ADM1 p-code such as TUR027");
  if (value.districtCode) {
    v.check(
      PCODE.test(value.districtCode),
      `${field}.district_code`,
      "must be an ADM2 p-code such as TUR027004",
    );
  }
  return v
    .maxLength(value.provinceName, MAX_NAME, `${field}.province_name`)
    .maxLength(value.districtName, MAX_NAME, `${field}.district_name`);
}

function organisationIds(v: RequestValidator, values: readonly string[], field: string) {
  for (const [i, value] of values.entries()) {
    v.check(
      SLUG.test(value),
      `${field}[${i}]`,
      "must be an organisation id (lowercase letters, digits, hyphens)",
    );
  }
  return v;
}

function criteria(v: RequestValidator, value: RoutingCriteria | undefined, field: string) {
  if (!value) return v;
  location(v, value.location, `${field}.location`, false);
  language(v, value.language, `${field}.language`, false);
  v.enumList(value.partnerKinds, PartnerKind, `${field}.partner_kinds`);
  return organisationIds(v, value.excludedOrganisationIds, `${field}.excluded_organisation_ids`);
}

function explicitTarget(v: RequestValidator, value: ExplicitTarget, field: string) {
  return v
    .organisationId(value.organisationId, `${field}.organisation_id`)
    .maxLength(value.serviceOfferingId, MAX_NAME, `${field}.service_offering_id`);
}

export function checkRegisterBeneficiary(request: RegisterBeneficiaryRequest, now: Date): void {
  const v = validate()
    .uuid(request.requestId, "request_id")
    .check(
      !request.organisationId || SLUG.test(request.organisationId),
      "organisation_id",
      "must be an organisation id (lowercase letters, digits, hyphens)",
    )
    .required(request.givenName, "given_name")
    .maxLength(request.givenName, MAX_NAME, "given_name")
    .required(request.familyName, "family_name")
    .maxLength(request.familyName, MAX_NAME, "family_name")
    .maxLength(request.preferredName, MAX_NAME, "preferred_name")
    .enumValue(request.sex, Sex, "sex")
    .range(request.birthYear, now.getUTCFullYear() - 120, now.getUTCFullYear(), "birth_year", {
      optional: true,
    })
    .check(
      request.nationality === "" || COUNTRY.test(request.nationality),
      "nationality",
      'must be an ISO 3166-1 alpha-2 code in upper case ("SY"), "XX" for stateless, or empty',
    )
    .enumValue(request.legalStatus, LegalStatus, "legal_status", { optional: true })
    .check(
      !request.phoneNumber || E164.test(request.phoneNumber),
      "phone_number",
      "must be in E.164 form, e.g. +905321234567",
    )
    .maxLength(request.safeTimes, 500, "safe_times")
    .enumValue(request.preferredContactMethod, ContactMethod, "preferred_contact_method", { optional: true });
  location(v, request.residence, "residence", true);
  language(v, request.preferredLanguage, "preferred_language", true);
  if (request.interpreterNeeded) language(v, request.interpreterLanguage, "interpreter_language", true);
  safeWindows(v, request.safeContactWindows, "safe_contact_windows");
  v.done();
}

export function checkBeneficiaryId(request: { beneficiaryId: string }): void {
  validate().uuid(request.beneficiaryId, "beneficiary_id").done();
}

/** ListDisclosures, ExportSubjectAccess: the person by beneficiary_id or by referral_id, one of them. */
export function checkPersonOrReferral(request: { beneficiaryId: string; referralId: string }): void {
  validate()
    .uuid(request.beneficiaryId, "beneficiary_id", { optional: true })
    .uuid(request.referralId, "referral_id", { optional: true })
    .check(
      (request.beneficiaryId === "") !== (request.referralId === ""),
      "beneficiary_id",
      "exactly one of beneficiary_id and referral_id is required",
    )
    .done();
}

export function checkLinkPossibleMatch(request: {
  beneficiaryId: string;
  matchId: string;
  consentId: string;
}): void {
  validate()
    .uuid(request.beneficiaryId, "beneficiary_id")
    .uuid(request.matchId, "match_id")
    .uuid(request.consentId, "consent_id")
    .done();
}

export function checkReferralId(request: { referralId: string }): void {
  validate().uuid(request.referralId, "referral_id").done();
}

export function checkRecordConsent(request: RecordConsentRequest): void {
  const v = validate()
    .uuid(request.requestId, "request_id")
    .uuid(request.beneficiaryId, "beneficiary_id")
    .enumValue(request.givenBy, ConsentGiver, "given_by")
    .enumValue(request.method, ConsentMethod, "method")
    .date(request.recordedAt, "recorded_at", { optional: true })
    .date(request.expiresAt, "expires_at");
  if (request.givenBy === ConsentGiver.CONSENT_GIVER_SELF) {
    v.check(
      !request.caregiverRelationship?.trim(),
      "caregiver_relationship",
      "must be empty when given_by is SELF",
    );
  } else if (request.givenBy !== ConsentGiver.CONSENT_GIVER_UNSPECIFIED) {
    v.required(request.caregiverRelationship, "caregiver_relationship").maxLength(
      request.caregiverRelationship,
      MAX_NAME,
      "caregiver_relationship",
    );
  }
  language(v, request.explainedInLanguage, "explained_in_language", true);
  const scope = request.scope;
  if (!scope) {
    v.fail("scope", "is required");
  } else {
    organisationIds(v, scope.organisationIds, "scope.organisation_ids");
    v.enumList(scope.partnerKinds, PartnerKind, "scope.partner_kinds")
      .check(
        scope.organisationIds.length > 0 || scope.partnerKinds.length > 0,
        "scope",
        "must name organisations (organisation_ids) or kinds of partner (partner_kinds)",
      )
      .enumList(scope.purposes, Purpose, "scope.purposes", { min: 1 })
      .enumList(scope.dataCategories, DataCategory, "scope.data_categories", { min: 1 });
  }
  v.done();
}

export function checkWithdrawConsent(request: WithdrawConsentRequest): void {
  validate()
    .uuid(request.consentId, "consent_id")
    .enumValue(request.reason, ConsentWithdrawalReason, "reason")
    .date(request.withdrawnAt, "withdrawn_at", { optional: true })
    .enumValue(request.policy, ConsentWithdrawalPolicy, "policy", { optional: true })
    .enumValue(request.continuingBasis, ContinuingLawfulBasis, "continuing_basis", { optional: true })
    // Accepted work goes on after a withdrawal only under a lawful basis stated at withdrawal.
    .check(
      request.policy !== ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_FINISH_ACCEPTED_WORK ||
        request.continuingBasis !== ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_UNSPECIFIED,
      "continuing_basis",
      "is required when policy is FINISH_ACCEPTED_WORK",
    )
    .check(
      request.policy === ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_FINISH_ACCEPTED_WORK ||
        request.continuingBasis === ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_UNSPECIFIED,
      "continuing_basis",
      "is set only when policy is FINISH_ACCEPTED_WORK",
    )
    .done();
}

export function checkScreenNeeds(request: ScreenNeedsRequest): void {
  const v = validate()
    .uuid(request.requestId, "request_id")
    .uuid(request.beneficiaryId, "beneficiary_id")
    .enumList(request.servicesNeeded, ServiceType, "services_needed")
    .enumList(request.vulnerabilities, VulnerabilityFlag, "vulnerabilities")
    .maxLength(request.needsSummary, MAX_TEXT, "needs_summary");
  const seen = new Set<number>();
  request.washingtonGroupAnswers.forEach((answer, i) => {
    const field = `washington_group_answers[${i}]`;
    v.enumValue(answer.domain, WashingtonGroupDomain, `${field}.domain`);
    // UNSPECIFIED is a valid answer: refused or "don't know".
    v.check(
      answer.severity >= 0 && answer.severity in WashingtonGroupSeverity,
      `${field}.severity`,
      `has unknown value ${answer.severity}`,
    );
    v.check(!seen.has(answer.domain), `${field}.domain`, "is answered more than once");
    seen.add(answer.domain);
  });
  language(v, request.preferredLanguage, "preferred_language", false);
  language(v, request.interpreterLanguage, "interpreter_language", false);
  const household = request.household;
  if (household) {
    v.range(household.size, 1, 50, "household.size", { optional: true })
      .range(household.childrenCount, 0, 50, "household.children_count", { optional: true })
      .range(household.dependantsWithDisability, 0, 50, "household.dependants_with_disability", {
        optional: true,
      });
    if (household.size !== undefined) {
      v.check(
        (household.childrenCount ?? 0) <= household.size,
        "household.children_count",
        "must not exceed household.size",
      ).check(
        (household.dependantsWithDisability ?? 0) <= household.size,
        "household.dependants_with_disability",
        "must not exceed household.size",
      );
    }
  }
  screeningSections(v, request);
  v.done();
}

const MAX_ACCOUNT_REFERENCE = 64;
const MAX_DOCUMENT_NUMBER = 40;

/**
 * The sections a data contract may require. A section given must say the one thing that makes it
 * worth sending (e.g. a GBV section its incident type), so an empty message never passes for data.
 */
function screeningSections(v: RequestValidator, request: ScreenNeedsRequest): void {
  const { protection, gbv, childProtection, health, mhpss, financial, education, legalDocument } = request;
  if (protection) {
    v.enumValue(protection.riskLevel, RiskLevel, "protection.risk_level")
      .enumList(protection.concerns, ProtectionConcern, "protection.concerns")
      .maxLength(protection.concernsSummary, MAX_TEXT, "protection.concerns_summary");
  }
  if (gbv) {
    v.enumValue(gbv.incidentType, GbvIncidentType, "gbv.incident_type")
      .enumValue(gbv.timeSinceIncident, TimeSinceIncident, "gbv.time_since_incident", { optional: true })
      .maxLength(gbv.survivorCentredNotes, MAX_TEXT, "gbv.survivor_centred_notes");
  }
  if (childProtection) {
    v.enumList(childProtection.concerns, ChildProtectionConcern, "child_protection.concerns", {
      min: 1,
    }).maxLength(childProtection.concernsSummary, MAX_TEXT, "child_protection.concerns_summary");
  }
  if (health) {
    v.check(
      Boolean(health.conditionsSummary?.trim()) ||
        health.urgentMedicalNeed !== undefined ||
        health.pregnant !== undefined,
      "health",
      "needs conditions_summary, urgent_medical_need or pregnant",
    ).maxLength(health.conditionsSummary, MAX_TEXT, "health.conditions_summary");
  }
  if (mhpss) {
    v.enumValue(mhpss.distressLevel, DistressLevel, "mhpss.distress_level").maxLength(
      mhpss.priorSupportSummary,
      MAX_TEXT,
      "mhpss.prior_support_summary",
    );
  }
  if (financial) {
    v.enumValue(financial.paymentChannel, PaymentChannel, "financial.payment_channel")
      .maxLength(financial.accountHolderName, MAX_NAME, "financial.account_holder_name")
      .maxLength(financial.accountReference, MAX_ACCOUNT_REFERENCE, "financial.account_reference");
    const needsReference = [
      PaymentChannel.PAYMENT_CHANNEL_BANK_ACCOUNT,
      PaymentChannel.PAYMENT_CHANNEL_PREPAID_CARD,
      PaymentChannel.PAYMENT_CHANNEL_MOBILE_WALLET,
    ].includes(financial.paymentChannel);
    if (needsReference) {
      v.required(financial.accountReference, "financial.account_reference");
    }
  }
  if (education) {
    v.enumValue(education.enrolmentStatus, SchoolEnrolmentStatus, "education.enrolment_status")
      .range(education.grade, 1, 12, "education.grade", { optional: true })
      .maxLength(education.schoolName, MAX_NAME, "education.school_name");
  }
  if (legalDocument) {
    v.enumValue(legalDocument.documentType, DocumentType, "legal_document.document_type")
      .maxLength(legalDocument.documentNumber, MAX_DOCUMENT_NUMBER, "legal_document.document_number")
      .check(
        !legalDocument.registrationProvinceCode || PCODE.test(legalDocument.registrationProvinceCode),
        "legal_document.registration_province_code",
        "must be an ADM1 p-code such as TUR027",
      );
    if (legalDocument.documentType === DocumentType.DOCUMENT_TYPE_NONE) {
      v.check(
        !legalDocument.documentNumber,
        "legal_document.document_number",
        "must be empty when the person holds no document",
      );
    }
  }
}

export function checkSuggestTargets(request: SuggestTargetsRequest): void {
  const v = validate()
    .enumValue(request.serviceType, ServiceType, "service_type")
    .uuid(request.beneficiaryId, "beneficiary_id", { optional: true })
    .uuid(request.consentId, "consent_id", { optional: true })
    .range(request.limit, 0, 100, "limit");
  criteria(v, request.criteria, "criteria");
  v.done();
}

export function checkCreateReferral(request: CreateReferralRequest): void {
  const v = validate()
    .uuid(request.requestId, "request_id")
    .uuid(request.beneficiaryId, "beneficiary_id")
    .enumValue(request.serviceType, ServiceType, "service_type")
    .enumValue(request.priority, Priority, "priority")
    .enumValue(request.purpose, Purpose, "purpose")
    .required(request.reasonForReferral, "reason_for_referral")
    .maxLength(request.reasonForReferral, MAX_TEXT, "reason_for_referral")
    .uuid(request.consentId, "consent_id")
    .enumList(request.dataCategories, DataCategory, "data_categories");
  const routing = request.routing;
  if (!routing) v.fail("routing", "is required: explicit_target or routing_criteria");
  else if (routing.$case === "explicitTarget") explicitTarget(v, routing.value, "explicit_target");
  else criteria(v, routing.value, "routing_criteria");
  v.done();
}

export function checkRouteReferral(request: RouteReferralRequest): void {
  const v = validate()
    .uuid(request.requestId, "request_id")
    .uuid(request.referralId, "referral_id")
    .uuid(request.consentId, "consent_id", { optional: true });
  const routing = request.routing;
  if (routing?.$case === "explicitTarget") explicitTarget(v, routing.value, "explicit_target");
  else criteria(v, routing?.value, "routing_criteria");
  v.done();
}

export function checkListReferrals(request: ListReferralsRequest): void {
  const v = validate()
    .check(
      !request.referrerOrganisationId || SLUG.test(request.referrerOrganisationId),
      "referrer_organisation_id",
      "must be an organisation id (lowercase letters, digits, hyphens)",
    )
    .enumList(request.statuses, ReferralStatus, "statuses")
    .enumList(request.serviceTypes, ServiceType, "service_types")
    .enumList(request.priorities, Priority, "priorities")
    .uuid(request.beneficiaryId, "beneficiary_id", { optional: true })
    .date(request.requested?.start, "requested.start", { optional: true })
    .date(request.requested?.end, "requested.end", { optional: true })
    .date(request.updatedSince, "updated_since", { optional: true })
    .range(request.page?.pageSize, 0, 500, "page.page_size", { optional: true })
    .check(
      !request.page?.pageToken || isPageToken(request.page.pageToken),
      "page.page_token",
      "is not a token this service issued",
    );
  const { start, end } = request.requested ?? {};
  if (start && end)
    v.check(start.getTime() < end.getTime(), "requested.end", "must be after requested.start");
  v.done();
}

export function checkCancelReferral(request: CancelReferralRequest): void {
  validate()
    .uuid(request.referralId, "referral_id")
    .enumValue(request.reason, CancelReason, "reason")
    .maxLength(request.internalNote, MAX_TEXT, "internal_note")
    .range(request.expectedSequence, 1, Number.MAX_SAFE_INTEGER, "expected_sequence", { optional: true })
    .done();
}

export function checkRequestErasure(request: RequestErasureRequest): void {
  validate()
    .uuid(request.requestId, "request_id")
    .uuid(request.beneficiaryId, "beneficiary_id")
    .enumValue(request.reason, ErasureRequestReason, "reason")
    .done();
}

export function checkGetErasureRequest(request: GetErasureRequestRequest): void {
  validate().uuid(request.erasureRequestId, "erasure_request_id").done();
}
