import type { ErrorDeclarations } from "@kopru/service-kit";

/** Intake's failures around cross-organisation duplicate matching (ADR 0027). */
export const INTAKE_MATCHING_ERRORS = {
  matching_off: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "Cross-organisation matching is not configured for this intake",
  },
  consent_not_in_force: {
    grpc: "FAILED_PRECONDITION",
    http: 409,
    title: "The consent is withdrawn or expired",
  },
} as const satisfies ErrorDeclarations;

type Code = keyof typeof INTAKE_MATCHING_ERRORS;

export class MatchingOffError extends Error {
  override readonly name = "MatchingOffError";
  readonly code: Code = "matching_off";
  constructor() {
    super("MATCHING_ADDRESS is not set: there are no matches elsewhere to link");
  }
}

export class ConsentNotInForceError extends Error {
  override readonly name = "ConsentNotInForceError";
  readonly code: Code = "consent_not_in_force";
  constructor(readonly consentId: string) {
    super(`consent ${consentId} is withdrawn or expired: it cannot cover a link`);
  }
}

/** The matching service did not answer: try again later (UNAVAILABLE). */
export class MatchingUnavailableError extends Error {
  override readonly name = "MatchingUnavailableError";
  readonly code = "unavailable";
  constructor(options?: { cause?: unknown }) {
    super("the matching service did not answer; try again later", options);
  }
}
