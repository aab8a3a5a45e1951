import type { ErrorDeclarations } from "@kopru/service-kit";

/**
 * The matching service's own failures. None beyond the generic ones: an unknown record or match, and
 * another organisation's, are both NOT_FOUND, so a caller learns nothing about records not its own.
 */
export const MATCHING_ERRORS = {} as const satisfies ErrorDeclarations;
