import { StaffDirectory, StaffDirectoryError, type TokenSource } from "@kopru/identity-client";
import type { StaffDirectoryPort } from "../../application/ports.js";

/**
 * The identity service's staff directory, with this service's own token. Answers are kept 30 s:
 * a notice for a role fans out to the same people as the one before it.
 */
export function identityStaffDirectory(options: {
  url: string;
  tokens: (audience: string) => Promise<string>;
}): StaffDirectoryPort {
  const tokens: TokenSource = { token: options.tokens };
  const directory = new StaffDirectory({ issuer: options.url, tokens, cacheMs: 30_000 });
  return {
    find: (organisationId, actorId) => directory.find(organisationId, actorId),
    // An organisation the identity service does not know has nobody to tell (not a failure to retry).
    withRole: (organisationId, role) =>
      directory.list(organisationId, { role }).catch((error: unknown) => {
        if (error instanceof StaffDirectoryError && error.status === 404) return [];
        throw error;
      }),
  };
}
