// Public surface of @kopru/identity: what the launcher and the e2e harness need to run and provision it.

export { STAFF_DIRECTORY_PATH } from "./adapters/http/staff-directory.js";
export {
  buildIdentityApp,
  IDENTITY_AUDIENCE,
  type IdentityApp,
  type IdentityAppConfig,
  type IdentityAppOptions,
  KEY_RELOAD_SECONDS,
  SERVICE_NAME,
} from "./app.js";
export {
  type ProvisioningResult,
  type ProvisioningSpec,
  provisionIdentities,
  provisioningSpec,
} from "./application/provision.js";
export { type RotationResult, rotateSigningKeys } from "./application/signing-keys.js";
export { findStaffMember, listStaff, type StaffMember } from "./application/staff-directory.js";
export { type IdentityConfig, identityEnv, loadIdentityConfig } from "./config.js";
export { InvalidProvisioningSpecError, SigningKeysUnavailableError } from "./domain/errors.js";
export {
  API_SERVICES,
  AUDIENCES,
  type ClientKind,
  STAFF_ROLES,
  type StaffRole,
} from "./domain/token-claims.js";
export { identityMigrations } from "./migrate-sources.js";
export { type RunningIdentity, startIdentity } from "./start.js";
