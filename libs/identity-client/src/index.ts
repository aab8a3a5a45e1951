// Public surface of @kopru/identity-client: getting Köprü access tokens, for the CLI, the demo seed,
// the e2e harness and services calling services.
export {
  type ClientCredentialsOptions,
  clientCredentials,
} from "./client-credentials.js";
export {
  type ApproveDeviceLoginOptions,
  approveDeviceLogin,
  type DeviceLoginOptions,
  type DevicePrompt,
  deviceLogin,
} from "./device-login.js";
export {
  DeviceLoginError,
  DiscoveryError,
  LoginFailedError,
  LoginFlowError,
  RateLimitedError,
  StaffDirectoryError,
  TokenRequestError,
} from "./errors.js";
export type { IssuerOptions } from "./http.js";
export { type PasswordLoginOptions, passwordLogin } from "./password-login.js";
export { type ResumeLoginOptions, resumeLogin } from "./resume-login.js";
export { PARTNER_API_AUDIENCE, PARTNER_API_SCOPES, type PartnerApiScope } from "./scopes.js";
export {
  IDENTITY_AUDIENCE,
  StaffDirectory,
  type StaffDirectoryOptions,
  type StaffMember,
} from "./staff-directory.js";
export type { TokenSource } from "./token-source.js";
export type { UserTokenSource } from "./user-session.js";
