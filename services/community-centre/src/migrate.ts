import { exitOnConfigError, loadConfig } from "@kopru/config";
import { migrate, openDatabase } from "@kopru/storage";
import { MIGRATIONS, spec } from "./app.js";

// Applies the library and community-centre migrations to the configured database, then exits.
const config = exitOnConfigError(() => loadConfig(spec.envSchema));
const db = await openDatabase({ service: spec.name, url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  const applied = await migrate(db, MIGRATIONS);
  console.log(`[${spec.name}] ${applied.length} migration(s) applied to ${db.location}`);
} finally {
  await db.close();
}
