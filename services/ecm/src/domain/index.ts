// The ECM domain: cases, assistance items and their approval rules, money. Pure: no I/O; only
// @kopru/contracts codes and types.

export { hasOneOfRoles, normaliseRole, staffRole } from "@kopru/service-kit/roles";
export {
  type ApprovalPolicy,
  type Approver,
  type AssistanceItemState,
  approveAssistance,
  cancelAssistance,
  deliverAssistance,
  isPending,
  planAssistance,
  planningProblems,
} from "./assistance.js";
export {
  announce,
  assertOpen,
  closeCase,
  type EcmCaseState,
  isOpen,
  type NewEcmCase,
  openCase,
} from "./ecm-case.js";
export {
  ApprovalForbiddenError,
  AssistanceAmountError,
  AssistanceStatusError,
  CaseAlreadyOpenError,
  CaseClosedError,
  CaseHasPendingAssistanceError,
  ECM_ERRORS,
  EcmDomainError,
  type EcmErrorCode,
  ReferralNotAcceptedError,
} from "./errors.js";
export { formatMoney, moneyProblems, sameMoney, type Violation } from "./money.js";
