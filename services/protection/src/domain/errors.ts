/**
 * Stable codes of the protection domain's failures. The gRPC adapter registers each with its
 * status in one place (case_closed, case_already_open, referral_not_accepted → FAILED_PRECONDITION;
 * case_team_change_forbidden → PERMISSION_DENIED).
 */
export type ProtectionErrorCode =
  | "case_closed"
  | "case_already_open"
  | "referral_not_accepted"
  | "case_team_change_forbidden";

/** Base of every protection domain failure; `code` is stable, `message` is for people (no personal data). */
export abstract class ProtectionDomainError extends Error {
  abstract readonly code: ProtectionErrorCode;
}

/** The case is closed: nothing may be added to it or changed on it. */
export class CaseClosedError extends ProtectionDomainError {
  override readonly name = "CaseClosedError";
  readonly code = "case_closed";
  constructor(
    readonly caseId: string,
    action: string,
  ) {
    super(`case ${caseId} is closed; ${action}`);
  }
}

/** The person already has an open case of this type here, or the referral is already served by one. */
export class CaseAlreadyOpenError extends ProtectionDomainError {
  override readonly name = "CaseAlreadyOpenError";
  readonly code = "case_already_open";
  constructor(
    readonly existingCaseId: string,
    message: string,
  ) {
    super(message);
  }
}

/** A case can be opened from a referral only once it was accepted (and while it is not closed). */
export class ReferralNotAcceptedError extends ProtectionDomainError {
  override readonly name = "ReferralNotAcceptedError";
  readonly code = "referral_not_accepted";
  constructor(
    readonly referralId: string,
    statusName: string,
  ) {
    super(`referral ${referralId} is ${statusName}; a case is opened from an accepted or started referral`);
  }
}

/** Only a restricted-case role or the assigned caseworker may change who works on a restricted case. */
export class TeamChangeForbiddenError extends ProtectionDomainError {
  override readonly name = "TeamChangeForbiddenError";
  readonly code = "case_team_change_forbidden";
  constructor(readonly caseId: string) {
    super(
      `the team of restricted case ${caseId} may be changed only by its assigned caseworker or by staff with a restricted-case role`,
    );
  }
}
