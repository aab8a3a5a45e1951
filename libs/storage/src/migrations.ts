import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "./database.js";
import { MigrationChecksumError, MigrationFailedError } from "./errors.js";
import { packageMigrationsDir } from "./package-migrations.js";

/** A folder of forward-only `NNNN_name.sql` files, applied in name order. */
export interface MigrationSource {
  /** Distinguishes a library's tables (e.g. `bus`) from the service's own (e.g. `intake`). */
  name: string;
  dir: string;
}

export interface AppliedMigration {
  source: string;
  name: string;
}

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;
// One lock key for every Köprü migration run, so two instances starting together apply each
// file once: the second waits, then sees the row the first wrote.
const MIGRATION_LOCK_KEY = 4_711_2025;

export function readMigrations(source: MigrationSource): { name: string; sql: string; checksum: string }[] {
  return readdirSync(source.dir)
    .filter((file) => file.endsWith(".sql"))
    .sort()
    .map((file) => {
      if (!MIGRATION_FILE.test(file)) {
        throw new Error(`migration file ${source.dir}/${file} must be named NNNN_snake_case.sql`);
      }
      const sql = readFileSync(join(source.dir, file), "utf8");
      return { name: file, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Storage's own tables and functions (the append-only, hash-chained audit mechanism), applied before
 * any caller's sources so every service's audit tables can call `kopru_audit_protect` whichever
 * libraries it lists.
 */
export const storageMigrations: MigrationSource = {
  name: "storage",
  dir: packageMigrationsDir(import.meta.url),
};

/**
 * Applies every pending migration (storage's own first), each in its own transaction with its bookkeeping row, so a
 * failed file leaves neither half a schema nor a row claiming it was applied.
 */
export async function migrate(
  db: Database,
  sources: readonly MigrationSource[],
): Promise<AppliedMigration[]> {
  // CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin: serialise it too.
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS kopru_schema_migrations (
        source text NOT NULL,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, name)
      )`);
  });
  const applied: AppliedMigration[] = [];
  for (const source of [storageMigrations, ...sources.filter((s) => s.name !== storageMigrations.name)]) {
    for (const migration of readMigrations(source)) {
      const didApply = await db.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
        const existing = await tx.query<{ checksum: string }>(
          "SELECT checksum FROM kopru_schema_migrations WHERE source = $1 AND name = $2",
          [source.name, migration.name],
        );
        const row = existing.rows[0];
        if (row) {
          if (row.checksum !== migration.checksum)
            throw new MigrationChecksumError(source.name, migration.name);
          return false;
        }
        try {
          await tx.exec(migration.sql);
        } catch (error) {
          throw new MigrationFailedError(source.name, migration.name, { cause: error });
        }
        await tx.query("INSERT INTO kopru_schema_migrations (source, name, checksum) VALUES ($1, $2, $3)", [
          source.name,
          migration.name,
          migration.checksum,
        ]);
        return true;
      });
      if (didApply) applied.push({ source: source.name, name: migration.name });
    }
  }
  return applied;
}
