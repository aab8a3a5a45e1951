export {
  consentExpiryTimerHandler,
  deadlineTimerHandler,
  type ReceivingOptions,
  receivingConsumers,
  referrerOutcomeConsumer,
  referrerStatusConsumer,
} from "./consumers.js";
export { applyContactUpdate, contactStore, contactUpdateConsumer } from "./contact.js";
export { CONTACT_ERRORS, ContactAttemptRefusedError } from "./contact-errors.js";
export * from "./domain/index.js";
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
  type LifecycleClock,
  outcomeReportedEvent,
  preparePackage,
  ReferralLifecycle,
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
