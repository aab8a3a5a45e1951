/**
 * The municipality's domain failures. Each has a stable `code`; the gRPC adapter registers what each
 * code means on the wire (all of these are FAILED_PRECONDITION: valid requests the record's state
 * does not allow).
 */
export const DOMAIN_ERROR_CODES = [
  "case_not_open",
  "open_case_exists",
  "referral_not_accepted",
  "referral_not_on_case",
] as const;
export type MunicipalityErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export abstract class MunicipalityDomainError extends Error {
  abstract readonly code: MunicipalityErrorCode;
}

/** The case is closed: nothing more can be recorded on it, and it cannot be closed for another reason. */
export class CaseNotOpenError extends MunicipalityDomainError {
  override readonly name = "CaseNotOpenError";
  readonly code = "case_not_open";
  constructor(
    readonly caseId: string,
    action: string,
  ) {
    super(`case ${caseId} is closed; ${action}`);
  }
}

/** The person already has an open case at this MMCC; work in that one. */
export class OpenCaseExistsError extends MunicipalityDomainError {
  override readonly name = "OpenCaseExistsError";
  readonly code = "open_case_exists";
  constructor(readonly existingCaseId: string | undefined) {
    super(
      existingCaseId
        ? `the person already has an open case at this MMCC (${existingCaseId})`
        : "the person already has an open case at this MMCC",
    );
  }
}

/** A case serves a referral only once the MMCC has accepted it. */
export class ReferralNotAcceptedError extends MunicipalityDomainError {
  override readonly name = "ReferralNotAcceptedError";
  readonly code = "referral_not_accepted";
  constructor(
    readonly referralId: string,
    status: string,
  ) {
    super(`referral ${referralId} is ${status}; a case can serve only an accepted or in-progress referral`);
  }
}

/** Assistance can answer a referral only if the case serves that referral. */
export class ReferralNotOnCaseError extends MunicipalityDomainError {
  override readonly name = "ReferralNotOnCaseError";
  readonly code = "referral_not_on_case";
  constructor(
    readonly referralId: string,
    readonly caseId: string,
  ) {
    super(`referral ${referralId} is not served by case ${caseId}`);
  }
}

/** A request field that breaks a domain rule, named in its proto spelling. */
export interface RuleViolation {
  field: string;
  description: string;
}
