// `pnpm --filter @kopru/identity provision <spec.json>`: upserts organisations, users and clients
// from a JSON file (secrets and passwords come from that file; none is committed).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { exitOnConfigError } from "@kopru/config";
import { migrate, openDatabase } from "@kopru/storage";
import { SERVICE_NAME } from "./app.js";
import { provisionIdentities } from "./application/provision.js";
import { loadIdentityConfig } from "./config.js";
import { identityMigrations } from "./migrate-sources.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: provision <spec.json>");
  process.exit(64);
}
const spec = JSON.parse(readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), file), "utf8"));
const config = exitOnConfigError(() => loadIdentityConfig());
const db = await openDatabase({ service: SERVICE_NAME, url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  await migrate(db, [identityMigrations]);
  const result = await provisionIdentities(db, spec);
  console.log(
    `[identity] provisioned ${result.organisations} organisation(s), ${result.users} user(s), ${result.clients} client(s)`,
  );
} finally {
  await db.close();
}
