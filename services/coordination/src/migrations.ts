import { busMigrations } from "@kopru/bus";
import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";

/** Coordination's own tables (directory and tracking read model). */
export const coordinationTables: MigrationSource = {
  name: "coordination",
  dir: packageMigrationsDir(import.meta.url),
};

/** Everything coordination's database needs, in order: the bus's tables, then its own. */
export const coordinationMigrations: readonly MigrationSource[] = [busMigrations, coordinationTables];
