export {
  type AuditEntry,
  type AuditLog,
  auditCaller,
  auditLog,
  type CaseAuditEntry,
  type ListingDetail,
  listingDetail,
  recordAudit,
  recordCaseAudit,
} from "./audit.js";
export { actorOfCaller, type Caller, callerOf, callerOfActing } from "./caller.js";
export {
  type CaseListFilter,
  caseApiBinding,
  caseHandlers,
  checkOpenCase,
  closeCaseHandler,
  closeCaseInput,
  listCasesHandler,
  NOTE_MAX,
  openCaseInput,
  ownCasePage,
  ownOrganisation,
  REF_MAX,
} from "./case-commands.js";
export { addCaseEntry, type CaseEntryPorts } from "./case-entries.js";
export { type CaseLifeEvents, caseEventOutbox, caseOpenedEvent } from "./case-events.js";
export {
  actorColumns,
  type CaseCore,
  type CaseRow,
  caseCoreFromRow,
  caseQueries,
  caseStore,
  insertRow,
  optionalDate,
  storedActor,
} from "./case-records.js";
export * from "./domain.js";
export { type FollowUpConfig, followUpEnv, followUpPolicyOf } from "./follow-up-config.js";
export {
  closureReasonFor,
  type EndedWork,
  endCasesServing,
  type LateEndCause,
  publishReferralClosedNotices,
  type ReferralEndedAfterAcceptance,
  type ReferralEndedHandler,
  systemCaller,
} from "./late-end.js";
export {
  type CaseOpened,
  type CaseOpening,
  lockPerson,
  openOrJoinCase,
  type PersonKey,
} from "./open-or-join.js";
export {
  type CaseOpeningPorts,
  type CaseOpeningStart,
  claimCommand,
  newCaseFor,
  personOfCase,
  recordOpenedCase,
  referralToServe,
  SERVED_STATUSES,
  startCaseOpening,
} from "./opening.js";
export { reassignCasesServing } from "./reassign.js";
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
export { type ClosedCasesClassOptions, closedCasesClass } from "./retention.js";
export {
  caseworkMigrations,
  migrateService,
  type ReceivingConfig,
  type ReceivingDomain,
  type ReceivingServiceDefinition,
  type ReceivingServiceSpec,
  type ReceivingSpecOptions,
  receivingErrorCatalogue,
  receivingMigrations,
  receivingServiceSpec,
} from "./service.js";
export { identityStaffDirectory, type StaffDirectoryConfig, staffDirectoryEnv } from "./staff-directory.js";
export {
  type CaseworkTx,
  type Clock,
  type ReceivingDeps,
  sqlUnitOfWork,
  type UnitOfWork,
} from "./unit-of-work.js";
export { caseAggregate, caseClosedFacts, caseCoreView, siteView } from "./views.js";
