import type { Sql } from "@kopru/storage";
import type { LockoutState } from "../../domain/lockout.js";

export interface StaffUser {
  id: string;
  organisationId: string;
  username: string;
  displayName: string;
  passwordHash: string;
  roles: string[];
  /** Work email, where notices are sent; none when the provisioning gave none. */
  email: string | null;
  /** A deactivated account cannot log in or refresh, and services stop addressing it. */
  active: boolean;
  failedAttempts: number;
  lockedUntil: Date | null;
}

interface UserRow {
  id: string;
  organisation_id: string;
  username: string;
  display_name: string;
  password_hash: string;
  roles: string[];
  email: string | null;
  active: boolean;
  failed_attempts: number;
  locked_until: Date | string | null;
}

const COLUMNS =
  "id, organisation_id, username, display_name, password_hash, roles, email, active, failed_attempts, locked_until";

function toUser(row: UserRow): StaffUser {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    username: row.username,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    roles: row.roles,
    email: row.email,
    active: row.active,
    failedAttempts: row.failed_attempts,
    lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
  };
}

export async function findUserById(sql: Sql, id: string): Promise<StaffUser | undefined> {
  const { rows } = await sql.query<UserRow>(`SELECT ${COLUMNS} FROM staff_users WHERE id = $1`, [id]);
  return rows[0] && toUser(rows[0]);
}

/** With a row lock, so two concurrent wrong passwords both count. */
export async function findUserByUsernameForUpdate(
  sql: Sql,
  username: string,
): Promise<StaffUser | undefined> {
  const { rows } = await sql.query<UserRow>(
    `SELECT ${COLUMNS} FROM staff_users WHERE username = $1 FOR UPDATE`,
    [username],
  );
  return rows[0] && toUser(rows[0]);
}

export async function saveLockoutState(sql: Sql, id: string, state: LockoutState): Promise<void> {
  await sql.query("UPDATE staff_users SET failed_attempts = $2, locked_until = $3 WHERE id = $1", [
    id,
    state.failedAttempts,
    state.lockedUntil,
  ]);
}

/** Staff of one organisation, by username; optionally only those holding `role`. */
export async function listUsersOfOrganisation(
  sql: Sql,
  organisationId: string,
  role?: string,
): Promise<StaffUser[]> {
  const { rows } = await sql.query<UserRow>(
    `SELECT ${COLUMNS} FROM staff_users
      WHERE organisation_id = $1 AND ($2::text IS NULL OR $2 = ANY (roles))
      ORDER BY username`,
    [organisationId, role ?? null],
  );
  return rows.map(toUser);
}

export async function organisationExists(sql: Sql, organisationId: string): Promise<boolean> {
  const { rows } = await sql.query("SELECT 1 FROM organisations WHERE id = $1", [organisationId]);
  return rows.length > 0;
}
