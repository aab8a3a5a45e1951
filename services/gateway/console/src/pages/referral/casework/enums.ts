import type { components } from "@kopru/contracts/openapi/console-api";

// The enum values each casework form offers, in the order the forms list them. Labels come from the
// vocabulary namespace (`useVocabulary()`); the values are the contracts' proto3 JSON names, and the
// compiler holds every full list to its contract type (a value added to the proto fails `Exhaustive`).

type Schema = components["schemas"];
type Exhaustive<All, Listed extends readonly All[]> = [Exclude<All, Listed[number]>] extends [never]
  ? Listed
  : never;

function all<All>() {
  return <const Listed extends readonly All[]>(listed: Exhaustive<All, Listed>): Listed => listed;
}

export type SessionType = Schema["kopru.municipality.v1.CounsellingSessionType"];
export const SESSION_TYPES = all<SessionType>()([
  "COUNSELLING_SESSION_TYPE_INDIVIDUAL",
  "COUNSELLING_SESSION_TYPE_FAMILY",
  "COUNSELLING_SESSION_TYPE_GROUP",
]);

export type SessionModality = Schema["kopru.municipality.v1.SessionModality"];
export const SESSION_MODALITIES = all<SessionModality>()([
  "SESSION_MODALITY_IN_PERSON",
  "SESSION_MODALITY_PHONE",
  "SESSION_MODALITY_HOME_VISIT",
  "SESSION_MODALITY_ONLINE",
]);

export type CounsellingTopic = Schema["kopru.municipality.v1.CounsellingTopic"];
export const COUNSELLING_TOPICS = all<CounsellingTopic>()([
  "COUNSELLING_TOPIC_LEGAL_STATUS_DOCUMENTATION",
  "COUNSELLING_TOPIC_HEALTH_ACCESS",
  "COUNSELLING_TOPIC_EDUCATION_ACCESS",
  "COUNSELLING_TOPIC_EMPLOYMENT_LIVELIHOODS",
  "COUNSELLING_TOPIC_SOCIAL_ASSISTANCE",
  "COUNSELLING_TOPIC_HOUSING",
  "COUNSELLING_TOPIC_PSYCHOSOCIAL",
  "COUNSELLING_TOPIC_SOCIAL_COHESION",
  "COUNSELLING_TOPIC_LANGUAGE_LEARNING",
  "COUNSELLING_TOPIC_PROTECTION_RISK",
  "COUNSELLING_TOPIC_MUNICIPAL_SERVICES",
  "COUNSELLING_TOPIC_OTHER",
]);

export type AssistanceKind = Schema["kopru.common.v1.AssistanceKind"];
export const ASSISTANCE_KINDS = all<AssistanceKind>()([
  "ASSISTANCE_KIND_CASH",
  "ASSISTANCE_KIND_MEDICAL",
  "ASSISTANCE_KIND_TRANSPORT",
  "ASSISTANCE_KIND_ACCOMMODATION",
  "ASSISTANCE_KIND_FOOD",
  "ASSISTANCE_KIND_NFI",
  "ASSISTANCE_KIND_OTHER",
]);

export type PaymentChannel = Schema["kopru.referral.v1.PaymentChannel"];
export const PAYMENT_CHANNELS = all<PaymentChannel>()([
  "PAYMENT_CHANNEL_BANK_ACCOUNT",
  "PAYMENT_CHANNEL_PREPAID_CARD",
  "PAYMENT_CHANNEL_CASH_PICKUP",
  "PAYMENT_CHANNEL_MOBILE_WALLET",
  "PAYMENT_CHANNEL_CASH_IN_HAND",
]);

export type NeedSeverity = Schema["kopru.ecm.v1.NeedSeverity"];
export const NEED_SEVERITIES = all<NeedSeverity>()([
  "NEED_SEVERITY_MODERATE",
  "NEED_SEVERITY_SEVERE",
  "NEED_SEVERITY_CRITICAL",
]);

export type RiskLevel = Schema["kopru.common.v1.RiskLevel"];
export const RISK_LEVELS = all<RiskLevel>()([
  "RISK_LEVEL_LOW",
  "RISK_LEVEL_MEDIUM",
  "RISK_LEVEL_HIGH",
  "RISK_LEVEL_CRITICAL",
]);

export type ProtectionConcern = Schema["kopru.common.v1.ProtectionConcern"];
export const PROTECTION_CONCERNS = all<ProtectionConcern>()([
  "PROTECTION_CONCERN_DOCUMENTATION",
  "PROTECTION_CONCERN_REFOULEMENT_RISK",
  "PROTECTION_CONCERN_DETENTION",
  "PROTECTION_CONCERN_FAMILY_SEPARATION",
  "PROTECTION_CONCERN_EXPLOITATION",
  "PROTECTION_CONCERN_TRAFFICKING",
  "PROTECTION_CONCERN_DISCRIMINATION",
  "PROTECTION_CONCERN_PHYSICAL_SAFETY",
  "PROTECTION_CONCERN_HOUSING_INSECURITY",
  "PROTECTION_CONCERN_PSYCHOSOCIAL_DISTRESS",
  "PROTECTION_CONCERN_OTHER",
]);

export type SafetyPlanResponsible = Schema["kopru.protection.v1.SafetyPlanResponsible"];
export const SAFETY_PLAN_RESPONSIBLES = all<SafetyPlanResponsible>()([
  "SAFETY_PLAN_RESPONSIBLE_BENEFICIARY",
  "SAFETY_PLAN_RESPONSIBLE_CASEWORKER",
  "SAFETY_PLAN_RESPONSIBLE_PARTNER",
  "SAFETY_PLAN_RESPONSIBLE_TRUSTED_PERSON",
]);

export type AttendanceStatus = Schema["kopru.communitycentre.v1.AttendanceStatus"];
export const ATTENDANCE_STATUSES = all<AttendanceStatus>()([
  "ATTENDANCE_STATUS_PRESENT",
  "ATTENDANCE_STATUS_ABSENT",
  "ATTENDANCE_STATUS_EXCUSED",
]);

export type ClosureReason = Schema["kopru.common.v1.CaseClosureReason"];
/**
 * The reasons staff close a case for. Cancellation, consent withdrawal and consent expiry close
 * cases by themselves (the service does it when the referral ends), so staff never choose them.
 */
export const STAFF_CLOSURE_REASONS = [
  "CASE_CLOSURE_REASON_OBJECTIVES_MET",
  "CASE_CLOSURE_REASON_BENEFICIARY_REQUEST",
  "CASE_CLOSURE_REASON_BENEFICIARY_UNREACHABLE",
  "CASE_CLOSURE_REASON_BENEFICIARY_RELOCATED",
  "CASE_CLOSURE_REASON_TRANSFERRED",
  "CASE_CLOSURE_REASON_BENEFICIARY_DECEASED",
  "CASE_CLOSURE_REASON_OTHER",
] as const satisfies readonly ClosureReason[];
