import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";

/** The identity service's own tables (migrations/). It uses no library tables. */
export const identityMigrations: MigrationSource = {
  name: "identity",
  dir: packageMigrationsDir(import.meta.url),
};
