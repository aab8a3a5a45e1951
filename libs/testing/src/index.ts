// Public surface of @kopru/testing: a real NATS JetStream and a fresh PostgreSQL database for each
// test, never a mock, plus the process and timing helpers outage tests need.
export {
  type ConfinedNatsServer,
  type StartConfinedNatsServerOptions,
  startConfinedNatsServer,
} from "./confined-nats.js";
export { type ConfinedNatsCluster, startConfinedNatsCluster } from "./confined-nats-cluster.js";
export {
  NatsServerStartError,
  NatsUnavailableError,
  PostgresUnavailableError,
  ProcessExitedError,
  TestDatabaseError,
  WaitForTimeoutError,
} from "./errors.js";
export { type MintOptions, startTestIssuer, type TestCaller, type TestIssuer } from "./issuer.js";
export {
  type NatsProblem,
  natsUnavailableMessage,
  type PostgresProblem,
  postgresUnavailableMessage,
  redactUrl,
} from "./messages.js";
export {
  type ConnectNatsOptions,
  connectNats,
  deleteStreams,
  type NatsServerInfo,
  type NatsTestConnection,
  natsServer,
  uniqueName,
} from "./nats.js";
export { type NatsCluster, type NatsClusterNode, startNatsCluster } from "./nats-cluster.js";
export {
  findNatsServerBinary,
  type NatsServerProcess,
  type StartNatsServerOptions,
  startNatsServer,
} from "./nats-server.js";
export { closedPortUrl, freePort, isPortOpen } from "./net.js";
export {
  type CreateTestDatabaseOptions,
  createTestDatabase,
  type PostgresServerInfo,
  postgresServer,
  type TestDatabase,
} from "./postgres.js";
export {
  findPostgresBinDir,
  type PgStopMode,
  type PostgresCluster,
  type StartPostgresClusterOptions,
  startPostgresCluster,
} from "./postgres-cluster.js";
export {
  type OutputLine,
  type ProcessExit,
  type SpawnedProcess,
  type SpawnNodeProcessOptions,
  spawnNodeProcess,
  type WaitForLineOptions,
} from "./process.js";
export { type ServerSource, shareTestServers, stopTestServers } from "./servers.js";
export { startTcpSwitch, type TcpSwitch } from "./tcp-switch.js";
export { type WaitForOptions, waitFor } from "./wait.js";
