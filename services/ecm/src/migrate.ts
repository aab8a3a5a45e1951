import { exitOnConfigError, loadConfig } from "@kopru/config";
import { migrate, openDatabase } from "@kopru/storage";
import { spec } from "./app.js";

// Applies the service's migrations (libraries' first, then its own) and exits; `pnpm migrate`.
const config = exitOnConfigError(() => loadConfig(spec.envSchema));
const db = await openDatabase({ service: spec.name, url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  const applied = await migrate(db, spec.migrations);
  console.log(`[${spec.name}] ${applied.length} migration(s) applied on ${db.location}`);
} finally {
  await db.close();
}
