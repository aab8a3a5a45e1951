// The municipality's domain: MMCC tenants, case rules, counselling and assistance rules, errors.
// Pure: no I/O imports.
export {
  type Amount,
  DEFAULT_CURRENCY,
  type DirectAssistanceDraft,
  directAssistanceViolations,
  MAX_AMOUNT_MINOR,
  normaliseAmount,
} from "./assistance.js";
export {
  assertOpen,
  assertReferralServable,
  type CaseState,
  closeCase,
  isOpen,
  SERVABLE_REFERRAL_STATUSES,
} from "./case.js";
export {
  type CounsellingSessionDraft,
  counsellingSessionViolations,
  isLanguageTag,
  MAX_SESSION_MINUTES,
} from "./counselling.js";
export {
  CaseAlreadyOpenError,
  CaseClosedError,
  MUNICIPALITY_ERRORS,
  MunicipalityDomainError,
  type MunicipalityErrorCode,
  ReferralNotAcceptedError,
  ReferralNotOnCaseError,
  type RuleViolation,
} from "./errors.js";
export { DEFAULT_HOSTED_MMCCS, KNOWN_MMCCS, type MmccProfile, mmccProfile } from "./mmccs.js";
