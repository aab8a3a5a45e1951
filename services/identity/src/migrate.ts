// Applies the identity service's migrations to the configured database and exits.
import { exitOnConfigError } from "@kopru/config";
import { migrate, openDatabase } from "@kopru/storage";
import { SERVICE_NAME } from "./app.js";
import { loadIdentityConfig } from "./config.js";
import { identityMigrations } from "./migrate-sources.js";

const config = exitOnConfigError(() => loadIdentityConfig());
const db = await openDatabase({ service: SERVICE_NAME, url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  const applied = await migrate(db, [identityMigrations]);
  console.log(`[identity] ${applied.length} migration(s) applied to ${db.location}`);
} finally {
  await db.close();
}
