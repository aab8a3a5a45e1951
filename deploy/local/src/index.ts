// Public surface of @kopru/local: the demo network and seed plan (for tests and for anyone who wants
// the same synthetic data), the seed executor and the launcher.
export {
  assertSafeToWipe,
  databaseVariable,
  hostedOrganisations,
  type LauncherConfig,
  LauncherConfigError,
  launcherConfig,
  REPO_ROOT,
  type ServicePlan,
} from "./config.js";
export { demoTokens } from "./demo-tokens.js";
export {
  CLI_CLIENT_ID,
  CLI_REDIRECT_URI,
  type DemoLogin,
  generatePassword,
  generateSecret,
  partnerClientId,
} from "./identities.js";
export { waitUntilIdentityServes } from "./identity-health.js";
export { LaunchError, Launcher, markerPath, readMarker, relayLine } from "./launcher.js";
export { NatsUnavailableError } from "./nats.js";
export * from "./network.js";
export { pool, SeedError, type SeedOptions, type SeedReport, seedDemo } from "./seed.js";
export * from "./seed-plan.js";
export { type NetworkPki, type NetworkTrust, preparePki, prepareTrust, type TrustPlan } from "./trust.js";
