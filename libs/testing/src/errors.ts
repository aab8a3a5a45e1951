// One named error per failure, so a test (or the lead reading CI output) can tell "the machine
// lacks a server" apart from "the code under test is wrong".

/** No PostgreSQL could be reached by any route of the resolution order. */
export class PostgresUnavailableError extends Error {
  override readonly name = "PostgresUnavailableError";
}

/** Creating or dropping a test database failed on a server that was otherwise reachable. */
export class TestDatabaseError extends Error {
  override readonly name = "TestDatabaseError";
}

/** No NATS server with JetStream could be reached or started. */
export class NatsUnavailableError extends Error {
  override readonly name = "NatsUnavailableError";
}

/** A dedicated nats-server process did not come up (bad binary, port taken, store dir unusable). */
export class NatsServerStartError extends Error {
  override readonly name = "NatsServerStartError";
}

/** `waitFor` (or `waitForLine`) gave up; `cause` holds the predicate's last error, when it threw. */
export class WaitForTimeoutError extends Error {
  override readonly name = "WaitForTimeoutError";
}

/** A spawned process exited while a test was still waiting for one of its lines. */
export class ProcessExitedError extends Error {
  override readonly name = "ProcessExitedError";
  constructor(
    message: string,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
  }
}
