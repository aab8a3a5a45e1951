import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";

/** Intake's own tables (migrations/), applied after the libraries'. */
export const intakeMigrations: MigrationSource = {
  name: "intake",
  dir: packageMigrationsDir(import.meta.url),
};
