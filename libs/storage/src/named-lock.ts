import type { Sql } from "./database.js";

/**
 * Holds a transaction-scoped advisory lock named by a string until the caller's transaction ends:
 * every writer that takes the same name waits for the one holding it. The name is hashed to the lock's
 * 64-bit key, so callers keep their names readable and distinct (`<owner>:<what>:<id>`).
 */
export async function holdNamedLock(tx: Sql, name: string): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [name]);
}
