import type { ErrorDeclarations } from "@kopru/service-kit";

export { CaseAlreadyOpenError, CaseClosedError, ReferralNotAcceptedError } from "@kopru/casework/errors";

/**
 * The municipality's own failures by stable code, with what each means on the wire (the failures every
 * receiving service shares, such as a closed case, are casework's).
 */
export const MUNICIPALITY_ERRORS = {
  referral_not_on_case: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The case does not serve this referral",
  },
} as const satisfies ErrorDeclarations;

export type MunicipalityErrorCode = keyof typeof MUNICIPALITY_ERRORS;

export abstract class MunicipalityDomainError extends Error {
  abstract readonly code: MunicipalityErrorCode;
}

/** Assistance can answer a referral only if the case serves that referral. */
export class ReferralNotOnCaseError extends MunicipalityDomainError {
  override readonly name = "ReferralNotOnCaseError";
  readonly code: MunicipalityErrorCode = "referral_not_on_case";
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
