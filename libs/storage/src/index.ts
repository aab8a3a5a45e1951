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
  DatabaseUnavailableError,
  isRetryableConflict,
  isUniqueViolation,
  MigrationChecksumError,
  MigrationFailedError,
} from "./errors.js";
export { type AppliedMigration, type MigrationSource, migrate, readMigrations } from "./migrations.js";
export { PackageRootNotFoundError, packageMigrationsDir } from "./package-migrations.js";
