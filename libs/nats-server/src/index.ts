// What both the launcher (`pnpm start`, a nats-server for the demo) and the test helpers (a
// nats-server per test run) need before they start a broker: the binary, a free port, and the
// configuration that confines each service to its own subjects (ADR 0013). Starting and
// supervising the process stays with each of them: the launcher keeps it in its own process group
// and stops it in order, the tests reap it when the run ends.
export { findNatsServerBinary, WELL_KNOWN_NATS_SERVER_BINARIES } from "./binary.js";
export {
  ADMIN_USER,
  BCRYPT_COST,
  generateNatsCredentials,
  type NatsCredential,
  type NatsCredentials,
  type NatsServerConfigOptions,
  natsAuthorizationConfig,
  natsConnectOptions,
  natsCredentialEnv,
  natsServerConfig,
  writeNatsServerConfig,
} from "./config.js";
export {
  type BusAccess,
  type ConsumerGrant,
  consumerSubjects,
  inboxPrefix,
  mayPublish,
  maySubscribe,
  NatsConfigError,
  type NatsPermissions,
  natsPermissions,
  SERVICE_DENIED_SUBJECTS,
  type SubjectPermissions,
  subjectCovers,
} from "./permissions.js";
export { freePort, isPortOpen } from "./ports.js";
