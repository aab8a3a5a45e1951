import type { ErrorDeclarations } from "@kopru/service-kit";

export { CaseAlreadyOpenError, CaseClosedError, ReferralNotAcceptedError } from "@kopru/casework/errors";

/**
 * The protection domain's own failures by stable code, with what each means on the wire (the failures
 * every receiving service shares, such as a closed case, are casework's).
 */
export const PROTECTION_ERRORS = {
  case_team_change_forbidden: {
    grpc: "PERMISSION_DENIED",
    http: 403,
    title: "Only the assigned caseworker or a restricted-case role may change the team",
  },
  restricted_role_required: {
    grpc: "PERMISSION_DENIED",
    http: 403,
    title: "Risk assessments and safety plans need a restricted-case role",
  },
} as const satisfies ErrorDeclarations;

export type ProtectionErrorCode = keyof typeof PROTECTION_ERRORS;

/** Base of every protection domain failure; `code` is stable, `message` is for people (no personal data). */
export abstract class ProtectionDomainError extends Error {
  abstract readonly code: ProtectionErrorCode;
}

/** Only a restricted-case role or the assigned caseworker may change who works on a restricted case. */
export class TeamChangeForbiddenError extends ProtectionDomainError {
  override readonly name = "TeamChangeForbiddenError";
  readonly code: ProtectionErrorCode = "case_team_change_forbidden";
  constructor(readonly caseId: string) {
    super(
      `the team of restricted case ${caseId} may be changed only by its assigned caseworker or by staff with a restricted-case role`,
    );
  }
}

/** Risk assessments and safety plans are read and written only by staff with a restricted-case role. */
export class RestrictedRoleRequiredError extends ProtectionDomainError {
  override readonly name = "RestrictedRoleRequiredError";
  readonly code: ProtectionErrorCode = "restricted_role_required";
  constructor(what: string, roles: readonly string[]) {
    super(`${what} needs a restricted-case role (${roles.join(", ")})`);
  }
}
