import { createHash, randomBytes } from "node:crypto";
import type { Database } from "@kopru/storage";

/** A staff member's console session as the gateway keeps it (the browser holds only its id). */
export interface ConsoleSession {
  idHash: string;
  staffId: string;
  username: string;
  displayName: string;
  organisationId: string;
  roles: string[];
  refreshToken: string;
  csrfToken: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

interface SessionRow {
  id_hash: string;
  staff_id: string;
  username: string;
  display_name: string;
  organisation_id: string;
  roles: string[];
  refresh_token: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
}

/** 32 random bytes as URL-safe text: session ids, CSRF tokens, login states. */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What the database keeps of a secret the browser holds (its SHA-256). */
export function tokenHash(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function fromRow(row: SessionRow): ConsoleSession {
  return {
    idHash: row.id_hash,
    staffId: row.staff_id,
    username: row.username,
    displayName: row.display_name,
    organisationId: row.organisation_id,
    roles: row.roles,
    refreshToken: row.refresh_token,
    csrfToken: row.csrf_token,
    createdAt: new Date(row.created_at),
    lastSeenAt: new Date(row.last_seen_at),
    expiresAt: new Date(row.expires_at),
  };
}

/** The `console_sessions` and `console_logins` tables. */
export class ConsoleSessions {
  constructor(private readonly db: Database) {}

  async create(session: Omit<ConsoleSession, "idHash">): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomToken();
    const full: ConsoleSession = { ...session, idHash: tokenHash(id) };
    await this.db.query(
      `INSERT INTO console_sessions (id_hash, staff_id, username, display_name, organisation_id, roles,
                                     refresh_token, csrf_token, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        full.idHash,
        full.staffId,
        full.username,
        full.displayName,
        full.organisationId,
        full.roles,
        full.refreshToken,
        full.csrfToken,
        full.createdAt,
        full.lastSeenAt,
        full.expiresAt,
      ],
    );
    return { id, session: full };
  }

  async find(id: string): Promise<ConsoleSession | undefined> {
    const { rows } = await this.db.query<SessionRow>("SELECT * FROM console_sessions WHERE id_hash = $1", [
      tokenHash(id),
    ]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async touch(idHash: string, at: Date): Promise<void> {
    await this.db.query("UPDATE console_sessions SET last_seen_at = $2 WHERE id_hash = $1", [idHash, at]);
  }

  async saveRefreshToken(idHash: string, refreshToken: string): Promise<void> {
    await this.db.query("UPDATE console_sessions SET refresh_token = $2 WHERE id_hash = $1", [
      idHash,
      refreshToken,
    ]);
  }

  /** Deletes the session; returns it as it was (for its refresh token), or undefined if it had gone. */
  async end(idHash: string): Promise<ConsoleSession | undefined> {
    const { rows } = await this.db.query<SessionRow>(
      "DELETE FROM console_sessions WHERE id_hash = $1 RETURNING *",
      [idHash],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async startLogin(state: string, verifier: string, lang: string, expiresAt: Date): Promise<void> {
    await this.db.query(
      "INSERT INTO console_logins (state_hash, verifier, lang, expires_at) VALUES ($1, $2, $3, $4)",
      [tokenHash(state), verifier, lang, expiresAt],
    );
  }

  /** Takes a login under way (once: a state is good for one callback), if it has not expired. */
  async takeLogin(state: string, now: Date): Promise<{ verifier: string; lang: string } | undefined> {
    const { rows } = await this.db.query<{ verifier: string; lang: string; expires_at: Date }>(
      "DELETE FROM console_logins WHERE state_hash = $1 RETURNING verifier, lang, expires_at",
      [tokenHash(state)],
    );
    const row = rows[0];
    return row && new Date(row.expires_at) > now ? { verifier: row.verifier, lang: row.lang } : undefined;
  }

  /** Deletes ended and idle sessions and abandoned logins; returns the sessions that went. */
  async purge(now: Date, idleMs: number): Promise<{ idHash: string; refreshToken: string }[]> {
    const { rows } = await this.db.query<{ id_hash: string; refresh_token: string }>(
      `DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen_at <= $2
       RETURNING id_hash, refresh_token`,
      [now, new Date(now.getTime() - idleMs)],
    );
    await this.db.query("DELETE FROM console_logins WHERE expires_at <= $1", [now]);
    return rows.map((row) => ({ idHash: row.id_hash, refreshToken: row.refresh_token }));
  }
}
