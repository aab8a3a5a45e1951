/**
 * The database cannot be reached: callers back off and retry, nothing is lost. `code` says so to an
 * edge that maps errors to statuses (gRPC UNAVAILABLE, HTTP 503), so a caller meeting a restart or a
 * failover of the database knows to send again. The message goes to callers and names no database;
 * `location` (and the cause) name it for the service's own logs.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name: string = "DatabaseUnavailableError";
  readonly code: string = "unavailable";
  constructor(
    readonly location: string,
    options?: { cause?: unknown },
  ) {
    super("the service's database is unavailable; retry later", options);
  }
}

/**
 * Every pooled connection stayed busy for as long as a caller may wait for one: the service is
 * overloaded, not broken. Still a `DatabaseUnavailableError` (callers back off and retry, nothing was
 * written).
 */
export class DatabaseBusyError extends DatabaseUnavailableError {
  override readonly name: string = "DatabaseBusyError";
  constructor(location: string, options?: { cause?: unknown }) {
    super(location, options);
    this.message = "the service is busy: every database connection is in use; retry later";
  }
}

/** An applied migration file was edited afterwards: forward-only means add a new file instead. */
export class MigrationChecksumError extends Error {
  override readonly name = "MigrationChecksumError";
  constructor(
    readonly source: string,
    readonly migration: string,
  ) {
    super(
      `migration ${source}/${migration} was changed after it was applied; migrations are forward-only, add a new file instead`,
    );
  }
}

export class MigrationFailedError extends Error {
  override readonly name = "MigrationFailedError";
  constructor(
    readonly source: string,
    readonly migration: string,
    options: { cause: unknown },
  ) {
    super(
      `migration ${source}/${migration} failed: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`,
      options,
    );
  }
}

const UNIQUE_VIOLATION = "23505";
const SERIALIZATION_FAILURE = "40001";
const DEADLOCK_DETECTED = "40P01";

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === UNIQUE_VIOLATION;
}

/** Two transactions raced; retrying the whole transaction is safe. */
export function isRetryableConflict(error: unknown): boolean {
  const state = sqlState(error);
  return state === SERIALIZATION_FAILURE || state === DEADLOCK_DETECTED;
}

/**
 * A coalesced unit of work used its transaction after its work had returned (a query not awaited):
 * by then the transaction belongs to the next unit.
 */
export class CoalescedWorkEndedError extends Error {
  override readonly name = "CoalescedWorkEndedError";
  constructor() {
    super("a coalesced unit of work ran a statement after it returned; await every statement");
  }
}

/**
 * A statement of a transaction failed and its work went on as if it had not (caught the error and
 * returned): PostgreSQL answered the COMMIT with a rollback, so nothing of the transaction was
 * written. Reported instead of the work's result, which would claim writes that do not exist.
 */
export class TransactionAbortedError extends Error {
  override readonly name = "TransactionAbortedError";
  constructor() {
    super(
      "a statement of the transaction failed and the work returned anyway; the transaction was rolled back at COMMIT, nothing of it was written",
    );
  }
}

/**
 * A coalesced unit caught a failed statement and returned as if it had succeeded: its transaction
 * was aborted, so it fails and its writes are rolled back, not its neighbours'.
 */
export class UnitLeftTransactionAbortedError extends Error {
  override readonly name = "UnitLeftTransactionAbortedError";
  constructor() {
    super(
      "a coalesced unit of work returned after a statement of it failed; the transaction was aborted, so the unit fails",
    );
  }
}
