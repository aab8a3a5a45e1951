import type { ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { ErrorDeclarations } from "@kopru/service-kit";

import type { CommandType, Party } from "./transitions.js";

/**
 * The referral domain's failures by stable code, with what each means on the wire. Services hand
 * this table to their error catalogue; the classes below carry the codes.
 */
export const REFERRAL_DOMAIN_ERRORS = {
  transition_not_allowed: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The referral's status does not allow this",
  },
  expiry_before_deadline: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The referral is not overdue yet",
  },
  transition_forbidden: { grpc: "PERMISSION_DENIED", http: 403, title: "Not this party's change to make" },
  missing_reason: { grpc: "INVALID_ARGUMENT", http: 400, title: "A reason code is required" },
  invalid_transition_input: {
    grpc: "INVALID_ARGUMENT",
    http: 400,
    title: "A field of the change is invalid",
  },
  sequence_conflict: { grpc: "ABORTED", http: 409, title: "The referral changed since it was read" },
  no_data_contract: {
    grpc: "INVALID_ARGUMENT",
    http: 400,
    title: "The service type has no data contract",
  },
} as const satisfies ErrorDeclarations;

export type ReferralErrorCode = keyof typeof REFERRAL_DOMAIN_ERRORS;

/** Base of every referral domain failure; `code` is stable, `message` is for people. */
export abstract class ReferralDomainError extends Error {
  abstract readonly code: ReferralErrorCode;
}

/**
 * The command's transition is not in the lifecycle table for the referral's current status, or the
 * referral is already closed. Message in plain words: "referral is already accepted; it cannot be declined".
 */
export class TransitionNotAllowedError extends ReferralDomainError {
  override readonly name: string = "TransitionNotAllowedError";
  readonly code: ReferralErrorCode = "transition_not_allowed";
  constructor(
    /** Status the referral is in. */
    readonly from: ReferralStatus,
    /** What was attempted. */
    readonly command: CommandType | "reportOutcome",
    /** Status the command would lead to; undefined for commands that do not change status. */
    readonly to: ReferralStatus | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** `expire` before the referral's answer deadline has passed. A special case of a refused transition. */
export class ExpiryBeforeDeadlineError extends TransitionNotAllowedError {
  override readonly name: string = "ExpiryBeforeDeadlineError";
  override readonly code: ReferralErrorCode = "expiry_before_deadline";
  constructor(
    from: ReferralStatus,
    to: ReferralStatus,
    readonly respondBy: Date,
    readonly at: Date,
  ) {
    super(
      from,
      "expire",
      to,
      `referral is not overdue until ${respondBy.toISOString()}; it cannot be expired at ${at.toISOString()}`,
    );
  }
}

/** The party (or the organisation acting as it) may not make this change. */
export class TransitionForbiddenError extends ReferralDomainError {
  override readonly name = "TransitionForbiddenError";
  readonly code: ReferralErrorCode = "transition_forbidden";
  constructor(
    readonly party: Party,
    readonly command: CommandType | "create" | "reportOutcome",
    message: string,
  ) {
    super(message);
  }
}

/**
 * A command carries a field it must not carry, or a field has an invalid value. `field` is the wire
 * name of the field, e.g. `outcome_codes`, `child_referral_id`, `expected_sequence`, `actor.kind`.
 */
export class InvalidTransitionInputError extends ReferralDomainError {
  override readonly name: string = "InvalidTransitionInputError";
  readonly code: ReferralErrorCode = "invalid_transition_input";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** A reason code the transition requires is missing (absent, UNSPECIFIED or unrecognised). */
export class MissingReasonError extends InvalidTransitionInputError {
  override readonly name: string = "MissingReasonError";
  override readonly code: ReferralErrorCode = "missing_reason";
}

/** The caller's `expectedSequence` is stale: someone else changed the referral first. */
export class SequenceConflictError extends ReferralDomainError {
  override readonly name = "SequenceConflictError";
  readonly code: ReferralErrorCode = "sequence_conflict";
  constructor(
    readonly expected: number,
    readonly current: number,
    readonly currentStatus: ReferralStatus,
    currentStatusName: string,
  ) {
    super(
      `referral is at sequence ${current} (${currentStatusName}), not the expected ${expected}: ` +
        "it changed since it was read; read it again and retry",
    );
  }
}

/** The service type has no data contract (UNSPECIFIED or unknown), so no package can be built for it. */
export class NoDataContractError extends ReferralDomainError {
  override readonly name = "NoDataContractError";
  readonly code: ReferralErrorCode = "no_data_contract";
  constructor(readonly serviceType: ServiceType) {
    super(`service type ${serviceType} has no data contract; no referral package can be built for it`);
  }
}
