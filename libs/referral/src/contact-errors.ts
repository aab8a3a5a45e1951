import type { ErrorDeclarations } from "@kopru/service-kit";

/** Refusals of a contact attempt (RecordContactAttempt), by stable code; part of REFERRAL_ERRORS. */
export const CONTACT_ERRORS = {
  not_safe_to_contact: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The person is not safe to contact directly",
  },
  outside_safe_contact_window: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "Outside the person's safe-contact windows",
  },
  contact_not_shared: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The package carries no contact section",
  },
  referral_not_held_for_contact: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The referral was declined, cancelled, expired or redirected",
  },
} as const satisfies ErrorDeclarations;

type ContactErrorCode = keyof typeof CONTACT_ERRORS;

/** A contact attempt the person's safe-contact details, or the referral's state, do not allow. */
export class ContactAttemptRefusedError extends Error {
  override readonly name = "ContactAttemptRefusedError";
  constructor(
    readonly code: ContactErrorCode,
    message: string,
    /** For outside_safe_contact_window: when the next window opens, if there is one. */
    readonly nextAllowedAt?: Date,
  ) {
    super(message);
  }
}
