export {
  type DisclosureEntry,
  disclosureLedger,
  effectivePolicy,
  freshConsents,
  type HeldWithdrawal,
  holdersFromLedger,
  withdrawalRegister,
} from "./consent-ledger.js";
export {
  consentExpiryTimerHandler,
  deadlineTimerHandler,
  type ReceivingOptions,
  receivingConsumers,
  referrerOutcomeConsumer,
  referrerStatusConsumer,
} from "./consumers.js";
export {
  announceContactChange,
  applyContactUpdate,
  type ContactChange,
  type ContactChangePorts,
  contactStore,
  contactUpdateConsumer,
} from "./contact.js";
export { CONTACT_ERRORS, ContactAttemptRefusedError } from "./contact-errors.js";
export * from "./domain/index.js";
export {
  anonymiseReferral,
  type ErasePersonHook,
  erasedRef,
  heldReferralsOf,
  isErasedRef,
  type PersonErasure,
  type PersonErasureResult,
  personalEventTypes,
  routingOnly,
  scrubPublishedPersonalData,
} from "./erasure.js";
export { answerErasureRequest, erasureRequestConsumer } from "./erasure-consumer.js";
export {
  AssigneeNotColleagueError,
  ConsentRefusedError,
  DataContractUnmetError,
  ParentReferralClosedError,
  REFERRAL_ERRORS,
  ReferralClosedForAssignmentError,
  ReferralNotFoundError,
  RestrictedDataRefusedError,
  StaffDirectoryMissingError,
} from "./errors.js";
export { type InboxDependencies, referralInboxBinding } from "./inbox-grpc.js";
export {
  ACCEPTED_STATUSES,
  CONSENT_EXPIRY_TIMER,
  type LateEndCause,
  type LifecycleHooks,
  openReferralsUnderConsent,
  type ReferralEndedAfterAcceptance,
  type ReferralEndedHook,
} from "./late-end.js";
export {
  type Acting,
  DEADLINE_TIMER,
  freshConsentProblems,
  type LifecycleClock,
  outcomeReportedEvent,
  preparePackage,
  ReferralLifecycle,
  type SendOptions,
  statusChangedEvent,
  type TargetRef,
  type TokenCaller,
  tokenCallerOf,
} from "./lifecycle.js";
export {
  appendStaffNotice,
  noticeConsentWithdrawn,
  noticeIdFor,
  noticeReferralOutcome,
  noticeReferralReceived,
  noticeReferralStatus,
  RECEIVED_NOTICE_ROLES,
} from "./notices.js";
export {
  isPageToken,
  type KeysetPage,
  keysetSql,
  nextKeysetPage,
  type PageKey,
  type PageOrder,
  readKeysetPage,
} from "./page-keys.js";
export { type ReceivingParts, receivingServiceParts } from "./receiving.js";
export {
  contactAttemptsClass,
  receivedPackagesClass,
  receivingReferralClasses,
  referrerPackagesClass,
} from "./retention.js";
export {
  type ReferralRecord,
  type ReferralRole,
  referralMigrations,
  referralStore,
  type TransitionRecord,
} from "./store.js";
export { nextPage, readPage, referralView, transitionView } from "./views.js";
export {
  FOLLOW_UP_DUE_TIMER,
  FOLLOW_UP_REMINDER_TIMER,
  ReferralWork,
  type StaffDirectoryPort,
  type StaffMember,
} from "./work.js";
