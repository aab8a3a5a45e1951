import type { Sql } from "@kopru/storage";
import type { JWK } from "jose";

export type KeyState = "next" | "current" | "retired";

export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  state: KeyState;
  createdAt: Date;
  activatedAt: Date | null;
  retireAfter: Date | null;
}

interface KeyRow {
  kid: string;
  private_jwk: JWK;
  state: KeyState;
  created_at: Date | string;
  activated_at: Date | string | null;
  retire_after: Date | string | null;
}

const date = (value: Date | string | null) => (value === null ? null : new Date(value));

export async function listSigningKeys(sql: Sql): Promise<SigningKey[]> {
  const { rows } = await sql.query<KeyRow>(
    "SELECT kid, private_jwk, state, created_at, activated_at, retire_after FROM signing_keys ORDER BY created_at",
  );
  return rows.map((row) => ({
    kid: row.kid,
    privateJwk: row.private_jwk,
    state: row.state,
    createdAt: new Date(row.created_at),
    activatedAt: date(row.activated_at),
    retireAfter: date(row.retire_after),
  }));
}

export async function insertSigningKey(
  sql: Sql,
  key: { kid: string; privateJwk: JWK; state: KeyState; now: Date },
): Promise<void> {
  await sql.query(
    `INSERT INTO signing_keys (kid, private_jwk, state, created_at, activated_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [key.kid, JSON.stringify(key.privateJwk), key.state, key.now, key.state === "current" ? key.now : null],
  );
}

export async function retireCurrentKey(sql: Sql, retireAfter: Date): Promise<void> {
  await sql.query("UPDATE signing_keys SET state = 'retired', retire_after = $1 WHERE state = 'current'", [
    retireAfter,
  ]);
}

export async function promoteNextKey(sql: Sql, now: Date): Promise<void> {
  await sql.query("UPDATE signing_keys SET state = 'current', activated_at = $1 WHERE state = 'next'", [now]);
}

export async function deleteExpiredRetiredKeys(sql: Sql, now: Date): Promise<void> {
  await sql.query("DELETE FROM signing_keys WHERE state = 'retired' AND retire_after <= $1", [now]);
}

// One key for all key changes, so two instances starting or rotating together do it once.
const SIGNING_KEYS_LOCK = 7_443_0001;

export async function lockSigningKeys(sql: Sql): Promise<void> {
  await sql.query("SELECT pg_advisory_xact_lock($1)", [SIGNING_KEYS_LOCK]);
}
