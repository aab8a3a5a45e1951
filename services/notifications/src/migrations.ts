import { busMigrations } from "@kopru/bus";
import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";
import { timerMigrations } from "@kopru/timers";

/** The notification service's own tables (notices, reads, preferences, digests, deliveries). */
export const notificationsTables: MigrationSource = {
  name: "notifications",
  dir: packageMigrationsDir(import.meta.url),
};

/** Everything its database needs, in order: the bus's and the timers' tables, then its own. */
export const notificationsMigrations: readonly MigrationSource[] = [
  busMigrations,
  timerMigrations,
  notificationsTables,
];
