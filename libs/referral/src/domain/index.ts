// The referral domain: the lifecycle every Köprü service follows, consent and minimum-necessary rules,
// and disaggregation helpers. Pure: no I/O, no database, no broker; only @kopru/contracts codes and types.

export {
  type ConsentCoverage,
  type ConsentForCheck,
  type ConsentProblem,
  type ConsentProblemKind,
  consentCovers,
  type SharingRequest,
} from "./consent.js";
export {
  type ContractedServiceType,
  type DataContract,
  dataContractFor,
  isSensitiveCategory,
  type PackageSelection,
  SENSITIVE_DATA_CATEGORIES,
  SERVICE_DATA_CONTRACTS,
  selectPackageCategories,
} from "./data-contracts.js";
export {
  type AnsweredPriority,
  isKnownPriority,
  isOverdue,
  RESPONSE_DEADLINE_MS,
  respondBy,
} from "./deadlines.js";
export { ageBand, disabilityStatus, WASHINGTON_GROUP_DOMAINS } from "./disaggregation.js";
export {
  ExpiryBeforeDeadlineError,
  InvalidTransitionInputError,
  MissingReasonError,
  NoDataContractError,
  REFERRAL_DOMAIN_ERRORS,
  ReferralDomainError,
  type ReferralErrorCode,
  SequenceConflictError,
  TransitionForbiddenError,
  TransitionNotAllowedError,
} from "./errors.js";
export {
  DEFAULT_FOLLOW_UP_POLICY,
  type FollowUpPolicy,
  followUpSchedule,
  isFollowUpRunning,
  stageAfterDeadline,
  stageAfterReminder,
} from "./follow-up.js";
export {
  type AcceptCommand,
  applyTransition,
  type CancelCommand,
  type CompleteCommand,
  type DeclineCommand,
  type ExpireCommand,
  type HoldCommand,
  isRepeatedCommand,
  type NewReferralInput,
  type NotCompleteCommand,
  newReferralState,
  type ReceiveCommand,
  type RedirectCommand,
  type ReferralState,
  reportOutcome,
  type StartCommand,
  type StatusChange,
  type StatusReasons,
  type TransitionActor,
  type TransitionCommand,
  type TransitionResult,
} from "./lifecycle.js";
export {
  DATA_CATEGORY_SECTIONS,
  minimiseSections,
  type PackageSectionKey,
  presentDataCategories,
  type SectionedDataCategory,
  withholdSensitiveSections,
} from "./package-sections.js";
export {
  isRestrictedCategory,
  PARTNER_KINDS_WITHOUT_RESTRICTED_DATA,
  RESTRICTED_CATEGORY_SERVICE,
  RESTRICTED_DATA_CATEGORIES,
  type RestrictedDataProblem,
  type RestrictedDataProblemKind,
  restrictedDataProblems,
  restrictedTargetProblems,
  withoutRestrictedSections,
} from "./restricted-categories.js";
export {
  type ContactCheck,
  checkContactAttempt,
  describeWindow,
  nextWindow,
  SAFE_CONTACT_TIME_ZONE,
  safeWindowProblems,
  type WindowOccurrence,
} from "./safe-contact.js";

export {
  ALL_STATUSES,
  AWAITING_ANSWER_STATUSES,
  isAwaitingAnswer,
  isTerminal,
  OPEN_STATUSES,
  OUTCOME_STATUSES,
  statusName,
  TERMINAL_STATUSES,
} from "./status.js";
export {
  type AllowedTransition,
  allowedTransitions,
  COMMAND_TYPES,
  type CommandType,
  canTransition,
  isCommandType,
  PARTIES,
  type Party,
  TRANSITION_RULES,
  type TransitionRule,
} from "./transitions.js";
