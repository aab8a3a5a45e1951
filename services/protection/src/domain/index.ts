// The protection domain: case types and restriction, who may see a case, the case's lifecycle and
// risk review rules. Pure: no I/O; only @kopru/contracts codes and types.
export {
  type AccessPolicy,
  type CaseTeam,
  canAccessCase,
  canChangeTeam,
  hasRestrictedRole,
  isOnCaseTeam,
  maySeeRiskAndSafety,
  normaliseRole,
  staffRole,
  type Viewer,
} from "./access.js";
export {
  caseTypeForService,
  isRestrictedCase,
  isRestrictedCaseType,
  RESTRICTED_DATA_CATEGORIES,
} from "./case-type.js";
export {
  CaseAlreadyOpenError,
  CaseClosedError,
  PROTECTION_ERRORS,
  ProtectionDomainError,
  type ProtectionErrorCode,
  ReferralNotAcceptedError,
  RestrictedRoleRequiredError,
  TeamChangeForbiddenError,
} from "./errors.js";
export {
  assertOpen,
  assignTeam,
  closeCase,
  eventDisaggregation,
  isOpen,
  type NewCase,
  openCase,
  type ProtectionCaseState,
  recordRiskLevel,
  serveReferral,
} from "./protection-case.js";
export { type AssessedRiskLevel, isAssessedRiskLevel, nextReviewAt, REVIEW_INTERVAL_MS } from "./risk.js";
