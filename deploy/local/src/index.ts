// Public surface of @kopru/local: the demo network and seed plan (for tests and for anyone who wants
// the same synthetic data), the seed executor and the launcher.
// The variables the launcher reads for each service's address (the CLI reads the same ones).
export { addressVariable } from "@kopru/cli";
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
export { CONSOLE_DIST, consoleIsStale, ensureConsoleBuilt } from "./console-build.js";
export { demoTokens } from "./demo-tokens.js";
export {
  CLI_CLIENT_ID,
  CLI_REDIRECT_URI,
  CONSOLE_CLIENT_ID,
  consoleClient,
  consoleRedirectUri,
  type DemoLogin,
  generatePassword,
  generateSecret,
  partnerClientId,
} from "./identities.js";
export { waitUntilIdentityServes } from "./identity-health.js";
export { LaunchError, Launcher, markerPath, readMarker, relayLine } from "./launcher.js";
export { NatsUnavailableError } from "./nats.js";
export * from "./network.js";
export { PGLITE_SETTINGS, tunePgliteDataDir } from "./pglite.js";
export { pool, SeedError, type SeedOptions, type SeedReport, seedDemo } from "./seed.js";
export * from "./seed-plan.js";
export { type NetworkPki, type NetworkTrust, preparePki, prepareTrust, type TrustPlan } from "./trust.js";
