// `node pglite-init.js <dir>`: initialises an empty PGlite data directory and exits, so the memory
// initdb takes goes with this process (see pglite.ts).
import { PGlite } from "@electric-sql/pglite";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: pglite-init <data directory>\n");
  process.exit(2);
}
const db = await PGlite.create(dir);
await db.query("SELECT 1");
await db.close();
