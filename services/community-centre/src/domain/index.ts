// The community centre's domain: centres, activity and capacity rules, enrolment, attendance, errors.
// Pure: no I/O imports.
export {
  type ActivityDraft,
  type ActivityState,
  activityViolations,
  DEFAULT_TIME_ZONE,
  ENROLLING_STATUSES,
  isEnrolling,
  isLanguageTag,
  MAX_CAPACITY,
  type ScheduleDraft,
  SERVICE_TYPES_BY_KIND,
  scheduleViolations,
  statusAfterAttendance,
  statusName,
  updateActivity,
} from "./activity.js";
export { attendanceViolations } from "./attendance.js";
export {
  type CentreProfile,
  centreProfile,
  DEFAULT_HOSTED_CENTRES,
  type DemoActivity,
  demoActivities,
  KNOWN_CENTRES,
  nextSession,
} from "./centres.js";
export {
  type Admission,
  assertEnrolled,
  ENROLLABLE_REFERRAL_STATUSES,
  type EnrolmentState,
  eligibilityProblems,
  endEnrolment,
  endingViolations,
  enrolmentStatusName,
  freeSeat,
  referralOutcomes,
  takeSeat,
} from "./enrolment.js";
export {
  ActivityClosedError,
  ActivityFullError,
  ActivityHasParticipantsError,
  ActivityStatusChangeError,
  AlreadyEnrolledError,
  CapacityBelowSeatsError,
  COMMUNITY_CENTRE_ERRORS,
  CommunityCentreDomainError,
  type CommunityCentreErrorCode,
  EnrolmentNotActiveError,
  NotEligibleError,
  ReferralNotEnrollableError,
  type RuleViolation,
  ServiceTypeMismatchError,
} from "./errors.js";
