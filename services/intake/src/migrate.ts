// Applies the migrations (library tables, then intake's own) to the configured database and exits.
import { exitOnConfigError, loadConfig } from "@kopru/config";
import { migrate, openDatabase } from "@kopru/storage";
import { intakeService } from "./app.js";

const config = await exitOnConfigError(() => loadConfig(intakeService.envSchema));
const db = await openDatabase({
  service: intakeService.name,
  url: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
});
try {
  const applied = await migrate(db, intakeService.migrations);
  console.log(`[intake] ${applied.length} migration(s) applied to ${db.location}`);
} finally {
  await db.close();
}
