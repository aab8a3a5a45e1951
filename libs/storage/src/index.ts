export {
  type AuditChainBreak,
  type AuditChainReport,
  auditChainLink,
  type ListingDetail,
  listingDetail,
  verifyAuditChains,
} from "./audit-chain.js";
export { runAuditVerify, type VerifyIo } from "./audit-verify-cli.js";
export {
  type Database,
  type IsolationLevel,
  isConnectionError,
  type OpenDatabaseOptions,
  openDatabase,
  type QueryResult,
  type Sql,
  type TransactionOptions,
} from "./database.js";
export {
  CoalescedWorkEndedError,
  DatabaseBusyError,
  DatabaseUnavailableError,
  isRetryableConflict,
  isUniqueViolation,
  MigrationChecksumError,
  MigrationFailedError,
  TransactionAbortedError,
  UnitLeftTransactionAbortedError,
} from "./errors.js";
export type { GroupCommitOptions, GroupCommitStats } from "./group-commit.js";
export {
  type AppliedMigration,
  type MigrationSource,
  migrate,
  readMigrations,
  storageMigrations,
} from "./migrations.js";
export { holdNamedLock } from "./named-lock.js";
export { PackageRootNotFoundError, packageMigrationsDir } from "./package-migrations.js";
export { allInOrder } from "./pipeline.js";
