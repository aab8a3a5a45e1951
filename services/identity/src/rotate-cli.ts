// `pnpm --filter @kopru/identity rotate-keys`: one signing key rotation step. Running instances
// serve the new key set within KEY_RELOAD_SECONDS; the promoted key has been published since the
// previous step, so verifiers already hold it.
import { exitOnConfigError } from "@kopru/config";
import { migrate, openDatabase } from "@kopru/storage";
import { KEY_RELOAD_SECONDS, SERVICE_NAME } from "./app.js";
import { ensureSigningKeys, rotateSigningKeys } from "./application/signing-keys.js";
import { loadIdentityConfig } from "./config.js";
import { identityMigrations } from "./migrate-sources.js";

const config = exitOnConfigError(() => loadIdentityConfig());
const db = await openDatabase({ service: SERVICE_NAME, url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  await migrate(db, [identityMigrations]);
  await ensureSigningKeys(db);
  const result = await rotateSigningKeys(db, {
    accessTokenTtlSeconds: config.accessTokenTtlSeconds + KEY_RELOAD_SECONDS,
  });
  console.log(
    `[identity] signing with ${result.current}; staged ${result.next}; retired ${result.retired ?? "none"}`,
  );
} finally {
  await db.close();
}
