import { busMigrations } from "@kopru/bus";
import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";

/** The matching service's own tables (records, keyed hashes, possible matches, links). */
export const matchingTables: MigrationSource = {
  name: "matching",
  dir: packageMigrationsDir(import.meta.url),
};

/**
 * Everything its database needs, in order. It publishes no event, but every service's host runs the
 * outbox relay, which reads the bus's table.
 */
export const matchingMigrations: readonly MigrationSource[] = [busMigrations, matchingTables];
