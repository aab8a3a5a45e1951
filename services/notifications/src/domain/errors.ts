import type { ErrorDeclarations } from "@kopru/service-kit";

/**
 * The notification service's own failures. It has none beyond the generic ones (invalid argument,
 * permission denied, unauthenticated): a feed is only ever the caller's own.
 */
export const NOTIFICATION_ERRORS = {} as const satisfies ErrorDeclarations;
