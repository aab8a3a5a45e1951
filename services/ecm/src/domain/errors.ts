/**
 * Stable codes of the ECM domain's failures. The gRPC adapter registers each with its status in one
 * place (approval_forbidden → PERMISSION_DENIED; every other one → FAILED_PRECONDITION).
 */
export type EcmErrorCode =
  | "case_closed"
  | "case_already_open"
  | "case_has_pending_assistance"
  | "referral_not_accepted"
  | "assistance_status"
  | "assistance_amount_not_allowed"
  | "approval_forbidden";

/** Base of every ECM domain failure; `code` is stable, `message` is for people (no personal data). */
export abstract class EcmDomainError extends Error {
  abstract readonly code: EcmErrorCode;
}

export class CaseClosedError extends EcmDomainError {
  override readonly name = "CaseClosedError";
  readonly code = "case_closed";
  constructor(
    readonly caseId: string,
    consequence: string,
  ) {
    super(`case ${caseId} is closed; ${consequence}`);
  }
}

/** The person already has an open case at this unit, or the referral is already served by one. */
export class CaseAlreadyOpenError extends EcmDomainError {
  override readonly name = "CaseAlreadyOpenError";
  readonly code = "case_already_open";
  constructor(
    readonly existingCaseId: string,
    message: string,
  ) {
    super(message);
  }
}

/** A case closes only once every assistance item was delivered or cancelled. */
export class CaseHasPendingAssistanceError extends EcmDomainError {
  override readonly name = "CaseHasPendingAssistanceError";
  readonly code = "case_has_pending_assistance";
  constructor(
    readonly caseId: string,
    readonly pending: number,
  ) {
    super(
      `case ${caseId} has ${pending} assistance item(s) neither delivered nor cancelled; deliver or cancel them before closing`,
    );
  }
}

export class ReferralNotAcceptedError extends EcmDomainError {
  override readonly name = "ReferralNotAcceptedError";
  readonly code = "referral_not_accepted";
  constructor(
    readonly referralId: string,
    statusName: string,
  ) {
    super(`referral ${referralId} is ${statusName}; a case is opened from an accepted or started referral`);
  }
}

/** The item is not in a status that allows the step, e.g. delivering a cancelled item. */
export class AssistanceStatusError extends EcmDomainError {
  override readonly name = "AssistanceStatusError";
  readonly code = "assistance_status";
  constructor(
    readonly assistanceItemId: string,
    message: string,
  ) {
    super(message);
  }
}

/** A delivered amount that the approval does not cover (more than approved, another currency). */
export class AssistanceAmountError extends EcmDomainError {
  override readonly name = "AssistanceAmountError";
  readonly code = "assistance_amount_not_allowed";
  constructor(
    readonly assistanceItemId: string,
    message: string,
  ) {
    super(message);
  }
}

/** The caller may not approve this item (a supervisor is needed, or it was their own plan). */
export class ApprovalForbiddenError extends EcmDomainError {
  override readonly name = "ApprovalForbiddenError";
  readonly code = "approval_forbidden";
  constructor(
    readonly assistanceItemId: string,
    message: string,
  ) {
    super(message);
  }
}
