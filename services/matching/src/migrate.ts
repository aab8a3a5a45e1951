import { exitOnConfigError, loadConfig } from "@kopru/config";
import { migrate, openDatabase } from "@kopru/storage";
import { SERVICE_NAME } from "./app.js";
import { matchingEnv } from "./config.js";
import { matchingMigrations } from "./migrations.js";

// `pnpm --filter @kopru/matching migrate`: applies pending migrations and exits. The service
// also applies them at start-up; this is for deployments that migrate as a separate step.
const config = await exitOnConfigError(() => loadConfig(matchingEnv));
const db = await openDatabase({ service: SERVICE_NAME, url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  const applied = await migrate(db, matchingMigrations);
  console.log(
    `[${SERVICE_NAME}] ${applied.length} migration(s) applied to ${db.location}${
      applied.length > 0 ? `: ${applied.map((m) => `${m.source}/${m.name}`).join(", ")}` : ""
    }`,
  );
} finally {
  await db.close();
}
