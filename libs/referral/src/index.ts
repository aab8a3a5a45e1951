export {
  deadlineTimerHandler,
  receivingConsumers,
  referrerOutcomeConsumer,
  referrerStatusConsumer,
} from "./consumers.js";
export * from "./domain/index.js";
export {
  ConsentRefusedError,
  DataContractUnmetError,
  ParentReferralClosedError,
  REFERRAL_ERRORS,
  ReferralNotFoundError,
} from "./errors.js";
export { type InboxDependencies, referralInboxBinding } from "./inbox-grpc.js";
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
export { type ReceivingParts, receivingServiceParts } from "./receiving.js";
export {
  type ReferralRecord,
  type ReferralRole,
  referralMigrations,
  referralStore,
  type TransitionRecord,
} from "./store.js";
export { nextPage, readPage, referralView, transitionView } from "./views.js";
