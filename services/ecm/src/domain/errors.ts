import type { ErrorDeclarations } from "@kopru/service-kit";

export { CaseAlreadyOpenError, CaseClosedError, ReferralNotAcceptedError } from "@kopru/casework/errors";

/**
 * The ECM domain's own failures by stable code, with what each means on the wire (the failures every
 * receiving service shares, such as a closed case, are casework's).
 */
export const ECM_ERRORS = {
  case_has_pending_assistance: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The case has assistance neither delivered nor cancelled",
  },
  assistance_status: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The assistance item's status does not allow this",
  },
  assistance_amount_not_allowed: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The amount is not covered by the approval",
  },
  approval_forbidden: { grpc: "PERMISSION_DENIED", http: 403, title: "The caller may not approve this item" },
} as const satisfies ErrorDeclarations;

export type EcmErrorCode = keyof typeof ECM_ERRORS;

/** Base of every ECM domain failure; `code` is stable, `message` is for people (no personal data). */
export abstract class EcmDomainError extends Error {
  abstract readonly code: EcmErrorCode;
}

/** A case closes only once every assistance item was delivered or cancelled. */
export class CaseHasPendingAssistanceError extends EcmDomainError {
  override readonly name = "CaseHasPendingAssistanceError";
  readonly code: EcmErrorCode = "case_has_pending_assistance";
  constructor(
    readonly caseId: string,
    readonly pending: number,
  ) {
    super(
      `case ${caseId} has ${pending} assistance item(s) neither delivered nor cancelled; deliver or cancel them before closing`,
    );
  }
}

/** The item is not in a status that allows the step, e.g. delivering a cancelled item. */
export class AssistanceStatusError extends EcmDomainError {
  override readonly name = "AssistanceStatusError";
  readonly code: EcmErrorCode = "assistance_status";
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
  readonly code: EcmErrorCode = "assistance_amount_not_allowed";
  constructor(
    readonly assistanceItemId: string,
    message: string,
  ) {
    super(message);
  }
}

/** The caller may not approve this item (an ECM approver is needed, or it was their own plan). */
export class ApprovalForbiddenError extends EcmDomainError {
  override readonly name = "ApprovalForbiddenError";
  readonly code: EcmErrorCode = "approval_forbidden";
  constructor(
    readonly assistanceItemId: string,
    message: string,
  ) {
    super(message);
  }
}
