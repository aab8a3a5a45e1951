export {
  type AuditEntry,
  type AuditLog,
  auditLog,
  type CaseAuditEntry,
  recordAudit,
  recordCaseAudit,
} from "./audit.js";
export { actorOfCaller, type Caller, callerOf } from "./caller.js";
export {
  CASEWORK_ERRORS,
  CaseAlreadyOpenError,
  CaseClosedError,
  type CaseworkErrorCode,
  ReferralNotAcceptedError,
} from "./errors.js";
export {
  type CaseOpened,
  type CaseOpening,
  lockPerson,
  openOrJoinCase,
  type PersonKey,
} from "./open-or-join.js";
export {
  type ReceivedReferrals,
  type ReferralForCase,
  type ReferralLookup,
  receivedReferral,
  receivedReferrals,
  referralForCase,
  referralLookup,
} from "./referrals.js";
export { claimRequest, type RequestClaim, type RequestLog, requestLog } from "./requests.js";
export {
  caseworkMigrations,
  migrateService,
  type ReceivingConfig,
  type ReceivingDomain,
  type ReceivingServiceDefinition,
  receivingErrorCatalogue,
  receivingMigrations,
  receivingServiceSpec,
} from "./service.js";
export { sqlUnitOfWork, type UnitOfWork } from "./unit-of-work.js";
