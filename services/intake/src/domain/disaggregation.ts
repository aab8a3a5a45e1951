import { DisabilityStatus, type Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ageBand, disabilityStatus } from "@kopru/referral/domain";
import type { BeneficiaryRecord, ScreeningRecord } from "./records.js";

/**
 * Services whose referrals are restricted (GBV and child-protection case management): their
 * status events carry neither nationality nor district, so small cells cannot single a survivor out
 * (disaggregation.proto).
 */
const RESTRICTED_SERVICE_TYPES: readonly ServiceType[] = [
  ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
  ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT,
];

/**
 * Age in years at `at` from the birth year alone, by the same convention as `ageBand` (the age the
 * person reaches during that calendar year); undefined when unknown or implausible.
 */
export function ageAt(birthYear: number | undefined, at: Date): number | undefined {
  if (birthYear === undefined || !Number.isInteger(birthYear)) return undefined;
  const age = at.getUTCFullYear() - birthYear;
  return age >= 0 && age <= 120 ? age : undefined;
}

/**
 * The PII-free bundle for a person at `at`: sex, age band, disability status from the latest
 * screening's Washington Group answers (NOT_ASKED without one), nationality, legal status and place
 * of residence. For a restricted service type, nationality and district are left out.
 */
export function personDisaggregation(
  person: BeneficiaryRecord,
  screening: ScreeningRecord | undefined,
  at: Date,
  serviceType?: ServiceType,
): Disaggregation {
  const restricted = serviceType !== undefined && RESTRICTED_SERVICE_TYPES.includes(serviceType);
  return {
    sex: person.sex,
    ageBand: ageBand(person.birthYear, at),
    disabilityStatus: screening
      ? disabilityStatus(screening.washingtonGroupAnswers)
      : DisabilityStatus.DISABILITY_STATUS_NOT_ASKED,
    nationality: restricted ? "" : person.nationality,
    legalStatus: person.legalStatus,
    provinceCode: person.residence?.provinceCode ?? "",
    districtCode: restricted ? "" : (person.residence?.districtCode ?? ""),
  };
}
