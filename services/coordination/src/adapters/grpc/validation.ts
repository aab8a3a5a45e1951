import {
  AgeBand,
  DisabilityStatus,
  LegalStatus,
  type Location,
  Sex,
} from "@kopru/contracts/common/v1/disaggregation";
import type { DateRange, PageRequest } from "@kopru/contracts/common/v1/refs";
import { DataCategory, PartnerKind, Priority, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  CapacityStatus,
  IntakeChannelKind,
  type Organisation,
  type ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";
import { FigureDimension, type FigureFilter } from "@kopru/contracts/coordination/v1/tracking";
import { dataContractFor, isSensitiveCategory } from "@kopru/referral/domain";
import { InvalidArgumentError, type RequestValidator, validate } from "@kopru/service-kit";
import { isDirectoryId } from "../../domain/ids.js";

// Field checks shared by the handlers. Field names are the proto spelling, as partners see them.

/** Validates a required message with `check` and returns it, typed as present. */
export function present<T>(
  value: T | undefined,
  field: string,
  check: (v: RequestValidator, value: T | undefined) => RequestValidator,
): T {
  check(validate(), value).done();
  if (value === undefined) throw new InvalidArgumentError([{ field, description: "is required" }]);
  return value;
}

/** ADM1 p-code, e.g. "TUR027". */
const PROVINCE_CODE = /^[A-Z]{2,3}[0-9]{2,6}$/;
/** ADM2 p-code, e.g. "TUR027004"; it starts with its province's code. */
const DISTRICT_CODE = /^[A-Z]{2,3}[0-9]{3,9}$/;
/** ISO 3166-1 alpha-2, upper case ("XX" for stateless). */
const NATIONALITY = /^[A-Z]{2}$/;
/** A BCP 47 tag as used in the directory: "ar", "tr", "fa", "ku-Latn". */
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const PAGE_TOKEN = /^[0-9a-z]{0,12}$/;
const MAX_AGE = 130;

export function directoryId(v: RequestValidator, value: string | undefined, field: string): RequestValidator {
  if (!value) return v.fail(field, "is required");
  return v.check(isDirectoryId(value), field, "must be a directory id (lowercase letters, digits, hyphens)");
}

export function provinceCode(
  v: RequestValidator,
  value: string | undefined,
  field: string,
): RequestValidator {
  if (!value) return v.fail(field, "is required");
  return v.check(PROVINCE_CODE.test(value), field, 'must be an ADM1 p-code such as "TUR027"');
}

function districtCode(v: RequestValidator, value: string, province: string, field: string): RequestValidator {
  if (!value) return v;
  if (!DISTRICT_CODE.test(value)) return v.fail(field, 'must be an ADM2 p-code such as "TUR027004"');
  return v.check(value.startsWith(province), field, `must be a district of province ${province}`);
}

export function nationality(v: RequestValidator, value: string, field: string): RequestValidator {
  return v.check(NATIONALITY.test(value), field, 'must be an ISO 3166-1 alpha-2 code such as "SY"');
}

function language(v: RequestValidator, value: string, field: string): RequestValidator {
  return v.check(LANGUAGE.test(value), field, 'must be a BCP 47 language tag such as "ar"');
}

function each<T>(
  v: RequestValidator,
  values: readonly T[],
  field: string,
  check: (v: RequestValidator, value: T, field: string) => unknown,
): RequestValidator {
  values.forEach((value, i) => {
    check(v, value, `${field}[${i}]`);
  });
  return v;
}

export const organisationIds = (v: RequestValidator, values: readonly string[], field: string) =>
  each(v, values, field, (v, value, f) => v.organisationId(value, f));
export const provinceCodes = (v: RequestValidator, values: readonly string[], field: string) =>
  each(v, values, field, provinceCode);
export const nationalities = (v: RequestValidator, values: readonly string[], field: string) =>
  each(v, values, field, nationality);

export function page(v: RequestValidator, value: PageRequest | undefined, field: string): RequestValidator {
  if (!value) return v;
  return v.check(
    PAGE_TOKEN.test(value.pageToken),
    `${field}.page_token`,
    "is not a token this server issued",
  );
}

function location(v: RequestValidator, value: Location, field: string): RequestValidator {
  provinceCode(v, value.provinceCode, `${field}.province_code`);
  districtCode(v, value.districtCode, value.provinceCode, `${field}.district_code`);
  v.maxLength(value.provinceName, 100, `${field}.province_name`);
  return v.maxLength(value.districtName, 100, `${field}.district_name`);
}

export function organisation(v: RequestValidator, value: Organisation | undefined): RequestValidator {
  if (!value) return v.fail("organisation", "is required");
  if (value.organisationId) v.organisationId(value.organisationId, "organisation.organisation_id");
  v.required(value.name, "organisation.name").maxLength(value.name, 200, "organisation.name");
  v.maxLength(value.shortName, 50, "organisation.short_name");
  v.enumValue(value.partnerKind, PartnerKind, "organisation.partner_kind");
  return each(v, value.locations, "organisation.locations", location);
}

export function serviceOffering(v: RequestValidator, value: ServiceOffering | undefined): RequestValidator {
  const f = "service_offering";
  if (!value) return v.fail(f, "is required");
  if (value.serviceOfferingId) directoryId(v, value.serviceOfferingId, `${f}.service_offering_id`);
  v.organisationId(value.organisationId, `${f}.organisation_id`);
  v.enumValue(value.serviceType, ServiceType, `${f}.service_type`);
  v.required(value.name, `${f}.name`).maxLength(value.name, 200, `${f}.name`);
  v.check(value.coverage.length > 0, `${f}.coverage`, "needs at least one location (a province code)");
  each(v, value.coverage, `${f}.coverage`, location);
  each(v, value.languages, `${f}.languages`, language);
  const rules = value.eligibility;
  if (rules) {
    v.range(rules.minAge, 0, MAX_AGE, `${f}.eligibility.min_age`, { optional: true });
    v.range(rules.maxAge, 0, MAX_AGE, `${f}.eligibility.max_age`, { optional: true });
    if (rules.minAge !== undefined && rules.maxAge !== undefined) {
      v.check(rules.minAge <= rules.maxAge, `${f}.eligibility.max_age`, "must not be below min_age");
    }
    v.enumList(rules.sexes, Sex, `${f}.eligibility.sexes`);
    nationalities(v, rules.nationalities, `${f}.eligibility.nationalities`);
    v.enumList(rules.legalStatuses, LegalStatus, `${f}.eligibility.legal_statuses`);
  }
  v.enumValue(value.capacityStatus, CapacityStatus, `${f}.capacity_status`);
  if (value.intakeChannel) {
    v.enumValue(value.intakeChannel.kind, IntakeChannelKind, `${f}.intake_channel.kind`, { optional: true });
    v.maxLength(value.intakeChannel.functionalContact, 200, `${f}.intake_channel.functional_contact`);
  }
  v.enumList(value.requiredDataCategories, DataCategory, `${f}.required_data_categories`);
  v.enumList(value.acceptedDataCategories, DataCategory, `${f}.accepted_data_categories`);
  const accepted = new Set(value.acceptedDataCategories);
  value.requiredDataCategories.forEach((category, i) => {
    v.check(
      accepted.has(category),
      `${f}.required_data_categories[${i}]`,
      `${DataCategory[category] ?? category} is required but not in accepted_data_categories`,
    );
  });
  // Sensitive categories only where the service type's data contract lists them.
  if (value.serviceType in ServiceType && value.serviceType > 0) {
    const contract = dataContractFor(value.serviceType);
    const allowed = new Set([...contract.required, ...contract.optional]);
    value.acceptedDataCategories.forEach((category, i) => {
      v.check(
        !isSensitiveCategory(category) || allowed.has(category),
        `${f}.accepted_data_categories[${i}]`,
        `${DataCategory[category]} is sensitive and not part of ${ServiceType[value.serviceType]}'s data contract`,
      );
    });
  }
  return v;
}

export function searchCriteria(
  v: RequestValidator,
  value: {
    serviceType: number;
    provinceCode: string;
    districtCode: string;
    language: string;
    age?: number | undefined;
    sex: number;
    nationality: string;
    legalStatus: number;
    limit: number;
  },
): RequestValidator {
  v.enumValue(value.serviceType, ServiceType, "service_type");
  provinceCode(v, value.provinceCode, "province_code");
  districtCode(v, value.districtCode, value.provinceCode, "district_code");
  if (value.language) language(v, value.language, "language");
  v.range(value.age, 0, MAX_AGE, "age", { optional: true });
  v.enumValue(value.sex, Sex, "sex", { optional: true });
  if (value.nationality) nationality(v, value.nationality, "nationality");
  v.enumValue(value.legalStatus, LegalStatus, "legal_status", { optional: true });
  return v.range(value.limit, 0, 100, "limit");
}

function dateRange(v: RequestValidator, value: DateRange | undefined, field: string): RequestValidator {
  if (!value) return v;
  v.date(value.start, `${field}.start`, { optional: true }).date(value.end, `${field}.end`, {
    optional: true,
  });
  if (value.start && value.end) v.check(value.start < value.end, `${field}.end`, "must be after start");
  return v;
}

export function figureFilter(
  v: RequestValidator,
  value: FigureFilter | undefined,
  field: string,
): RequestValidator {
  if (!value) return v;
  dateRange(v, value.requested, `${field}.requested`);
  organisationIds(v, value.targetOrganisationIds, `${field}.target_organisation_ids`);
  organisationIds(v, value.referrerOrganisationIds, `${field}.referrer_organisation_ids`);
  v.enumList(value.serviceTypes, ServiceType, `${field}.service_types`);
  provinceCodes(v, value.provinceCodes, `${field}.province_codes`);
  v.enumList(value.priorities, Priority, `${field}.priorities`);
  v.enumList(value.sexes, Sex, `${field}.sexes`);
  v.enumList(value.ageBands, AgeBand, `${field}.age_bands`);
  v.enumList(value.disabilityStatuses, DisabilityStatus, `${field}.disability_statuses`);
  return nationalities(v, value.nationalities, `${field}.nationalities`);
}

export function groupBy(v: RequestValidator, values: readonly number[], field: string): RequestValidator {
  v.enumList(values, FigureDimension, field);
  values.forEach((value, i) => {
    v.check(values.indexOf(value) === i, `${field}[${i}]`, "repeats a dimension");
  });
  return v;
}
