import {
  AgeBand,
  DisabilityStatus,
  LegalStatus,
  type Location,
  Sex,
  type WashingtonGroupAnswer,
  WashingtonGroupDomain,
  WashingtonGroupSeverity,
} from "@kopru/contracts/common/v1/disaggregation";
import { VulnerabilityFlag } from "@kopru/contracts/common/v1/needs";
import {
  CancelReason,
  DataCategory,
  DeclineReason,
  NotCompletedReason,
  OnHoldReason,
  OutcomeCode,
  PartnerKind,
  Priority,
  Purpose,
  RedirectReason,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import type {
  GetReferralFiguresRequest,
  ListOverdueReferralsRequest,
} from "@kopru/contracts/coordination/v1/coordination_service";
import { CapacityStatus } from "@kopru/contracts/coordination/v1/directory";
import { FigureDimension } from "@kopru/contracts/coordination/v1/tracking";
import type {
  CreateReferralRequest,
  RecordConsentRequest,
  RegisterBeneficiaryRequest,
  RoutingCriteria,
  ScreenNeedsRequest,
  SuggestTargetsRequest,
} from "@kopru/contracts/intake/v1/intake_service";
import { ConsentGiver, ConsentMethod } from "@kopru/contracts/referral/v1/consent";
import type { ListInboxRequest } from "@kopru/contracts/referral/v1/inbox_service";
import { ContactMethod, type HouseholdSection } from "@kopru/contracts/referral/v1/package";
import { FollowUpStage } from "@kopru/contracts/referral/v1/referral";
import { safeWindows } from "./contact-requests.js";
import { parseEnum, parseEnumList, splitList } from "./enums.js";
import { CliUsageError } from "./errors.js";
import { provinceName } from "./provinces.js";

// Pure translations from parsed command-line options to gRPC requests. Every check that needs no
// server happens here, so a mistake is reported before anything is sent.

export const ENUMS = {
  sex: Sex,
  legalStatus: LegalStatus,
  contactMethod: ContactMethod,
  consentGiver: ConsentGiver,
  consentMethod: ConsentMethod,
  partnerKind: PartnerKind,
  purpose: Purpose,
  dataCategory: DataCategory,
  serviceType: ServiceType,
  vulnerability: VulnerabilityFlag,
  wgDomain: WashingtonGroupDomain,
  wgSeverity: WashingtonGroupSeverity,
  priority: Priority,
  status: ReferralStatus,
  declineReason: DeclineReason,
  onHoldReason: OnHoldReason,
  notCompletedReason: NotCompletedReason,
  cancelReason: CancelReason,
  redirectReason: RedirectReason,
  outcome: OutcomeCode,
  dimension: FigureDimension,
  ageBand: AgeBand,
  disability: DisabilityStatus,
  capacity: CapacityStatus,
  origin: ReferralOrigin,
  followUpStage: FollowUpStage,
} as const;

const PROVINCE_CODE = /^TUR\d{3}$/;
const DISTRICT_CODE = /^TUR\d{4,}$/;
const COUNTRY = /^[A-Z]{2}$/;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const E164 = /^\+[1-9]\d{6,14}$/;

export function required<T>(value: T | undefined, option: string): T {
  if (value === undefined || (typeof value === "string" && value.trim() === "")) {
    throw new CliUsageError(`${option} is required`);
  }
  return value;
}

export function location(province: string, district?: string): Location {
  const provinceCode = province.trim().toUpperCase();
  if (!PROVINCE_CODE.test(provinceCode)) {
    throw new CliUsageError(`--province must be an ADM1 p-code like TUR027 (Gaziantep), got "${province}"`);
  }
  const districtCode = district?.trim().toUpperCase() ?? "";
  if (districtCode !== "" && !(DISTRICT_CODE.test(districtCode) && districtCode.startsWith(provinceCode))) {
    throw new CliUsageError(`--district must be an ADM2 p-code inside ${provinceCode}, got "${district}"`);
  }
  return { provinceCode, districtCode, provinceName: provinceName(provinceCode) };
}

export function language(value: string, option: string): string {
  const tag = value.trim();
  if (!LANGUAGE.test(tag))
    throw new CliUsageError(`${option} must be a BCP 47 language tag like ar, tr, fa, ku`);
  return tag;
}

export function integer(value: string, option: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliUsageError(`${option} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

/** `2027-11-25` (end of that day, UTC) or a full ISO timestamp. */
export function date(value: string, option: string, endOfDay = false): Date {
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(value.trim());
  const parsed = new Date(dayOnly ? `${value.trim()}T${endOfDay ? "23:59:59.999" : "00:00:00.000"}Z` : value);
  if (Number.isNaN(parsed.getTime())) {
    throw new CliUsageError(`${option} must be a date like 2027-11-25 or an ISO timestamp, got "${value}"`);
  }
  return parsed;
}

export interface RegisterOptions {
  as: string;
  givenName?: string;
  familyName?: string;
  preferredName?: string;
  sex?: string;
  birthYear?: string;
  nationality?: string;
  legalStatus?: string;
  province?: string;
  district?: string;
  phone?: string;
  language?: string;
  interpreter?: boolean;
  interpreterLanguage?: string;
  safeToContact?: boolean;
  safeTimes?: string;
  safeWindow?: string[];
  contactMethod?: string;
}

export function registerRequest(
  o: RegisterOptions,
  requestId: string,
  now = new Date(),
): RegisterBeneficiaryRequest {
  const nationality = required(o.nationality, "--nationality").trim().toUpperCase();
  if (!COUNTRY.test(nationality)) {
    throw new CliUsageError(
      `--nationality must be an ISO 3166-1 alpha-2 code like SY, AF, IQ (XX: stateless)`,
    );
  }
  const phone = o.phone?.replaceAll(/[\s()-]/g, "");
  if (phone !== undefined && !E164.test(phone)) {
    throw new CliUsageError(`--phone must be in E.164 form, e.g. +905550001234`);
  }
  const preferredLanguage = language(required(o.language, "--language"), "--language");
  const interpreterLanguage =
    o.interpreterLanguage !== undefined
      ? language(o.interpreterLanguage, "--interpreter-language")
      : o.interpreter
        ? preferredLanguage
        : undefined;
  return {
    requestId,
    organisationId: o.as,
    givenName: required(o.givenName, "--given-name").trim(),
    familyName: required(o.familyName, "--family-name").trim(),
    preferredName: o.preferredName,
    sex: parseEnum(ENUMS.sex, required(o.sex, "--sex"), "--sex"),
    birthYear:
      o.birthYear === undefined
        ? undefined
        : integer(o.birthYear, "--birth-year", 1900, now.getUTCFullYear()),
    nationality,
    legalStatus: parseEnum(ENUMS.legalStatus, required(o.legalStatus, "--legal-status"), "--legal-status"),
    residence: location(required(o.province, "--province"), o.district),
    phoneNumber: phone,
    preferredLanguage,
    interpreterNeeded: o.interpreter === true,
    interpreterLanguage,
    safeToContact: o.safeToContact !== false,
    safeTimes: o.safeTimes,
    preferredContactMethod:
      o.contactMethod === undefined ? 0 : parseEnum(ENUMS.contactMethod, o.contactMethod, "--contact-method"),
    safeContactWindows: safeWindows(o.safeWindow),
  };
}

export interface ConsentOptions {
  beneficiary?: string;
  givenBy?: string;
  caregiverRelationship?: string;
  method?: string;
  explainedIn?: string;
  interpreter?: boolean;
  org?: string[];
  kind?: string[];
  purpose?: string[];
  data?: string[];
  expires?: string;
}

export function consentRequest(
  o: ConsentOptions,
  explainedInLanguage: string,
  requestId: string,
  now = new Date(),
): RecordConsentRequest {
  const organisationIds = splitList(o.org);
  const partnerKinds = parseEnumList(ENUMS.partnerKind, o.kind, "--kind");
  if (organisationIds.length === 0 && partnerKinds.length === 0) {
    throw new CliUsageError("consent needs --org <organisation ids> or --kind <partner kinds> (or both)");
  }
  const purposes = parseEnumList(ENUMS.purpose, o.purpose, "--purpose");
  if (purposes.length === 0) throw new CliUsageError("--purpose is required (e.g. service_provision)");
  const dataCategories = parseEnumList(ENUMS.dataCategory, o.data, "--data");
  if (dataCategories.length === 0) {
    throw new CliUsageError("--data is required (e.g. identity,contact,demographics,needs)");
  }
  const givenBy = parseEnum(ENUMS.consentGiver, o.givenBy ?? "self", "--given-by");
  if (givenBy !== ConsentGiver.CONSENT_GIVER_SELF && !o.caregiverRelationship) {
    throw new CliUsageError(
      "--caregiver-relationship is required when consent is given by a caregiver or guardian",
    );
  }
  const expiresAt = o.expires
    ? date(o.expires, "--expires", true)
    : new Date(now.getTime() + 365 * 24 * 3_600_000);
  if (expiresAt.getTime() <= now.getTime()) throw new CliUsageError("--expires must be in the future");
  return {
    requestId,
    beneficiaryId: required(o.beneficiary, "--beneficiary"),
    givenBy,
    caregiverRelationship: o.caregiverRelationship,
    method: parseEnum(ENUMS.consentMethod, required(o.method, "--method"), "--method"),
    explainedInLanguage: language(explainedInLanguage, "--explained-in"),
    interpreterUsed: o.interpreter === true,
    recordedAt: now,
    scope: { organisationIds, partnerKinds, purposes, dataCategories },
    expiresAt,
  };
}

export interface ScreenOptions {
  beneficiary?: string;
  service?: string[];
  flag?: string[];
  wg?: string[];
  summary?: string;
  householdSize?: string;
  children?: string;
  femaleHeaded?: boolean;
  dependantsWithDisability?: string;
}

/** `walking=a_lot_of_difficulty` pairs of the Washington Group Short Set. */
export function washingtonGroupAnswers(values: readonly string[] | undefined): WashingtonGroupAnswer[] {
  return splitList(values).map((pair) => {
    const [domain, severity, extra] = pair.split("=");
    if (!domain || !severity || extra !== undefined) {
      throw new CliUsageError(
        `--wg takes domain=severity pairs, e.g. walking=a_lot_of_difficulty; got "${pair}"`,
      );
    }
    return {
      domain: parseEnum(ENUMS.wgDomain, domain, "--wg domain"),
      severity: parseEnum(ENUMS.wgSeverity, severity, "--wg severity"),
    };
  });
}

export function householdSection(o: ScreenOptions): HouseholdSection | undefined {
  if (
    o.householdSize === undefined &&
    o.children === undefined &&
    o.femaleHeaded === undefined &&
    o.dependantsWithDisability === undefined
  ) {
    return undefined;
  }
  return {
    size: o.householdSize === undefined ? undefined : integer(o.householdSize, "--household-size", 1, 50),
    childrenCount: o.children === undefined ? undefined : integer(o.children, "--children", 0, 40),
    femaleHeaded: o.femaleHeaded,
    dependantsWithDisability:
      o.dependantsWithDisability === undefined
        ? undefined
        : integer(o.dependantsWithDisability, "--dependants-with-disability", 0, 40),
  };
}

export function screenRequest(o: ScreenOptions, requestId: string): ScreenNeedsRequest {
  return {
    requestId,
    beneficiaryId: required(o.beneficiary, "--beneficiary"),
    servicesNeeded: parseEnumList(ENUMS.serviceType, o.service, "--service"),
    vulnerabilities: parseEnumList(ENUMS.vulnerability, o.flag, "--flag"),
    washingtonGroupAnswers: washingtonGroupAnswers(o.wg),
    needsSummary: o.summary,
    household: householdSection(o),
  };
}

export interface RoutingOptions {
  province?: string;
  district?: string;
  language?: string;
  kind?: string[];
  allowWaitlist?: boolean;
  exclude?: string[];
}

export function routingCriteria(o: RoutingOptions): RoutingCriteria {
  return {
    location: o.province ? location(o.province, o.district) : undefined,
    language: o.language ? language(o.language, "--language") : undefined,
    partnerKinds: parseEnumList(ENUMS.partnerKind, o.kind, "--kind"),
    allowWaitlist: o.allowWaitlist === true,
    excludedOrganisationIds: splitList(o.exclude),
  };
}

export interface SubmitOptions extends RoutingOptions {
  beneficiary?: string;
  consent?: string;
  service?: string;
  priority?: string;
  purpose?: string;
  to?: string;
  offering?: string;
  reason?: string;
  data?: string[];
}

export function submitRequest(o: SubmitOptions, requestId: string): CreateReferralRequest {
  const hasRouting =
    o.province !== undefined ||
    o.district !== undefined ||
    o.language !== undefined ||
    (o.kind?.length ?? 0) > 0 ||
    o.allowWaitlist === true ||
    (o.exclude?.length ?? 0) > 0;
  if (o.to && hasRouting) {
    throw new CliUsageError(
      "give either --to <organisation> or routing options (--province, --kind, ...), not both",
    );
  }
  if (o.offering && !o.to) throw new CliUsageError("--offering needs --to <organisation>");
  return {
    requestId,
    beneficiaryId: required(o.beneficiary, "--beneficiary"),
    serviceType: parseEnum(ENUMS.serviceType, required(o.service, "--service"), "--service"),
    priority: parseEnum(ENUMS.priority, o.priority ?? "normal", "--priority"),
    purpose: parseEnum(ENUMS.purpose, o.purpose ?? "service_provision", "--purpose"),
    reasonForReferral: required(o.reason, "--reason"),
    consentId: required(o.consent, "--consent"),
    routing: o.to
      ? { $case: "explicitTarget", value: { organisationId: o.to, serviceOfferingId: o.offering } }
      : { $case: "routingCriteria", value: routingCriteria(o) },
    dataCategories: parseEnumList(ENUMS.dataCategory, o.data, "--data"),
  };
}

export interface SuggestOptions extends RoutingOptions {
  beneficiary?: string;
  consent?: string;
  service?: string;
  limit?: string;
}

export function suggestRequest(o: SuggestOptions): SuggestTargetsRequest {
  return {
    beneficiaryId: o.beneficiary,
    serviceType: parseEnum(ENUMS.serviceType, required(o.service, "--service"), "--service"),
    criteria: routingCriteria(o),
    consentId: o.consent,
    limit: o.limit === undefined ? 0 : integer(o.limit, "--limit", 1, 100),
  };
}

export interface InboxOptions {
  as: string;
  status?: string[];
  service?: string[];
  priority?: string[];
  overdue?: boolean;
  /** Only referrals assigned to the logged-in staff member ("my cases"). */
  mine?: boolean;
  /** Only accepted referrals past their follow-up deadline. */
  followUpOverdue?: boolean;
  limit?: string;
}

export function inboxRequest(o: InboxOptions): ListInboxRequest {
  return {
    organisationId: o.as,
    statuses: parseEnumList(ENUMS.status, o.status, "--status"),
    serviceTypes: parseEnumList(ENUMS.serviceType, o.service, "--service"),
    priorities: parseEnumList(ENUMS.priority, o.priority, "--priority"),
    overdueOnly: o.overdue === true,
    assignedToMe: o.mine === true,
    followUpOverdueOnly: o.followUpOverdue === true,
    page: { pageSize: o.limit === undefined ? 100 : integer(o.limit, "--limit", 1, 500), pageToken: "" },
  };
}

/** Figure dimensions by their short names, plus the words people use for them. */
export const DIMENSION_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  organisation: "target_organisation",
  target: "target_organisation",
  referrer: "referrer_organisation",
  service: "service_type",
  age: "age_band",
  disability: "disability_status",
});

export function dimensions(values: readonly string[] | undefined): FigureDimension[] {
  return [
    ...new Set(
      splitList(values).map((value) => {
        const key = value.trim().toLowerCase().replaceAll("-", "_");
        return parseEnum(ENUMS.dimension, DIMENSION_ALIASES[key] ?? value, "--by");
      }),
    ),
  ];
}

export interface FiguresOptions {
  from?: string;
  to?: string;
  by?: string[];
  target?: string[];
  referrer?: string[];
  service?: string[];
  province?: string[];
  priority?: string[];
}

export function figuresRequest(o: FiguresOptions): GetReferralFiguresRequest {
  const start = o.from ? date(o.from, "--from") : undefined;
  const end = o.to ? date(o.to, "--to", true) : undefined;
  if (start && end && start.getTime() >= end.getTime()) throw new CliUsageError("--from must be before --to");
  return {
    filter: {
      requested: start || end ? { start, end } : undefined,
      targetOrganisationIds: splitList(o.target),
      referrerOrganisationIds: splitList(o.referrer),
      serviceTypes: parseEnumList(ENUMS.serviceType, o.service, "--service"),
      provinceCodes: splitList(o.province).map((code) => location(code).provinceCode),
      priorities: parseEnumList(ENUMS.priority, o.priority, "--priority"),
      sexes: [],
      ageBands: [],
      disabilityStatuses: [],
      nationalities: [],
    },
    groupBy: dimensions(o.by),
  };
}

export interface OverdueOptions {
  target?: string[];
  referrer?: string[];
  service?: string[];
  priority?: string[];
  province?: string[];
  includeExpired?: boolean;
  /** Past the follow-up deadline after acceptance instead of the answer deadline. */
  followUp?: boolean;
  limit?: string;
}

export function overdueRequest(o: OverdueOptions): ListOverdueReferralsRequest {
  return {
    targetOrganisationIds: splitList(o.target),
    referrerOrganisationIds: splitList(o.referrer),
    serviceTypes: parseEnumList(ENUMS.serviceType, o.service, "--service"),
    priorities: parseEnumList(ENUMS.priority, o.priority, "--priority"),
    provinceCodes: splitList(o.province).map((code) => location(code).provinceCode),
    includeExpired: o.includeExpired === true,
    followUp: o.followUp === true,
    page: { pageSize: o.limit === undefined ? 100 : integer(o.limit, "--limit", 1, 500), pageToken: "" },
  };
}
