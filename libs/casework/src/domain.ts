// Pure parts of casework (no I/O), for a receiving service's domain code.
export {
  assertOpen,
  type CaseState,
  closeCaseState,
  isOpen,
  type NewCase,
  openCaseState,
} from "./case-state.js";
export {
  CASEWORK_ERRORS,
  CaseAlreadyOpenError,
  CaseClosedError,
  type CaseworkErrorCode,
  ReferralNotAcceptedError,
  StaffDirectoryUnavailableError,
} from "./errors.js";
export {
  type KnownSite,
  type SiteProfile,
  type SiteRow,
  siteDirectory,
  siteFromRow,
  siteValues,
} from "./sites.js";
