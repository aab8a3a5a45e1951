import { fileURLToPath } from "node:url";
import type { MigrationSource } from "@kopru/storage";

/** Intake's own tables (migrations/), applied after the libraries'. */
export const intakeMigrations: MigrationSource = {
  name: "intake",
  dir: fileURLToPath(new URL("../migrations", import.meta.url)),
};
