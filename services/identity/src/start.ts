import { readFileSync } from "node:fs";
import { createLogger, type Logger } from "@kopru/observability";
import { migrate, openDatabase } from "@kopru/storage";
import { buildIdentityApp, type IdentityApp, SERVICE_NAME } from "./app.js";
import { provisionIdentities } from "./application/provision.js";
import type { IdentityConfig } from "./config.js";
import { identityMigrations } from "./migrate-sources.js";

export interface RunningIdentity {
  app: IdentityApp;
  /** Where it listens, e.g. `http://127.0.0.1:7443`. */
  address: string;
  logger: Logger;
  stop(): Promise<void>;
}

/** Opens the database, builds the app, listens and starts the background work. */
export async function startIdentity(config: IdentityConfig, logger?: Logger): Promise<RunningIdentity> {
  const log = logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const db = await openDatabase({
    service: SERVICE_NAME,
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
  });
  try {
    if (config.PROVISION_FILE) {
      await migrate(db, [identityMigrations]);
      const result = await provisionIdentities(db, JSON.parse(readFileSync(config.PROVISION_FILE, "utf8")));
      log.info(
        { organisations: result.organisations, users: result.users, clients: result.clients },
        "provisioned from PROVISION_FILE",
      );
    }
    const app = await buildIdentityApp({ config, db, logger: log });
    const address = await app.http.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
    app.startBackgroundWork();
    return {
      app,
      address,
      logger: log,
      async stop() {
        await app.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
