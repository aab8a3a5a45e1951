import { exitOnConfigError, loadConfig } from "@kopru/config";
import { migrate, openDatabase } from "@kopru/storage";
import { SERVICE_NAME } from "./app.js";
import { gatewayEnv } from "./config.js";
import { gatewayMigrations } from "./migrations.js";

// `pnpm --filter @kopru/gateway migrate`: applies pending migrations and exits. The service
// also applies them at start-up; this is for deployments that migrate as a separate step.
const config = await exitOnConfigError(() => loadConfig(gatewayEnv));
const db = await openDatabase({ service: SERVICE_NAME, url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  const applied = await migrate(db, gatewayMigrations);
  console.log(
    `[${SERVICE_NAME}] ${applied.length} migration(s) applied to ${db.location}${
      applied.length > 0 ? `: ${applied.map((m) => `${m.source}/${m.name}`).join(", ")}` : ""
    }`,
  );
} finally {
  await db.close();
}
