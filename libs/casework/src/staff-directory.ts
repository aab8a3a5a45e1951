import { url } from "@kopru/config";
import { StaffDirectory, StaffDirectoryError } from "@kopru/identity-client";
import type { StaffDirectoryPort } from "@kopru/referral";
import type { ServiceConfig, ServiceContext } from "@kopru/service-kit";
import { StaffDirectoryUnavailableError } from "./errors.js";

/**
 * Where a receiving service finds the colleagues of AssignReferral, as an environment variable every
 * receiving service's schema includes: `serviceEnv(port).extend({ ...staffDirectoryEnv, … })`.
 */
export const staffDirectoryEnv = {
  /**
   * The identity service whose staff directory says who is an active colleague. Default: AUTH_ISSUER
   * (the identity service is the issuer). Needs this service's own client (AUTH_CLIENT_ID/SECRET).
   */
  STAFF_DIRECTORY_URL: url({ protocols: ["http", "https"] }).optional(),
};

export interface StaffDirectoryConfig {
  STAFF_DIRECTORY_URL?: string | undefined;
}

/**
 * The colleague check of AssignReferral in the network: identity's staff directory (`StaffDirectory.find`
 * of `@kopru/identity-client`), asked with the service's own client-credentials token for
 * `urn:kopru:identity`, every time (no cache: a deactivated account is not assigned work). Without a
 * client of its own (AUTH_CLIENT_ID unset) the service has no directory, and assignment answers
 * `staff_directory_missing`. An identity service that cannot be reached or refuses the service is
 * `staff_directory_unavailable` (UNAVAILABLE), never an unchecked assignment.
 */
export function identityStaffDirectory(
  context: Pick<ServiceContext<ServiceConfig & StaffDirectoryConfig>, "config" | "serviceTokens" | "logger">,
): StaffDirectoryPort | undefined {
  const tokens = context.serviceTokens;
  if (!tokens) {
    context.logger.warn(
      { event: "staff_directory_off" },
      "AUTH_CLIENT_ID/AUTH_CLIENT_SECRET are not set: without the staff directory, assignment is refused",
    );
    return undefined;
  }
  const issuer = context.config.STAFF_DIRECTORY_URL ?? context.config.AUTH_ISSUER;
  const directory = new StaffDirectory({ issuer, tokens: { token: tokens } });
  return async (organisationId, actorId) => {
    try {
      return await directory.find(organisationId, actorId);
    } catch (error) {
      if (error instanceof StaffDirectoryError) throw new StaffDirectoryUnavailableError({ cause: error });
      throw error;
    }
  };
}
