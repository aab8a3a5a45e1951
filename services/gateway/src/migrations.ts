import { busMigrations } from "@kopru/bus";
import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";

/** The gateway's own tables: idempotency records, webhook endpoints and their deliveries. */
export const gatewayTables: MigrationSource = {
  name: "gateway",
  dir: packageMigrationsDir(import.meta.url),
};

/** Everything its database needs, in order: the bus's tables (inbox, outbox), then its own. */
export const gatewayMigrations: readonly MigrationSource[] = [busMigrations, gatewayTables];
