import type { RequestLog } from "../../application/ports.js";

/** Idempotency keys in `municipality_requests`; a concurrent retry waits on the key's row lock. */
export const requestLog: RequestLog = {
  async claim(sql, entry) {
    const inserted = await sql.query(
      `INSERT INTO municipality_requests (organisation_id, request_id, command, entity_id, created_at)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (organisation_id, request_id) DO NOTHING RETURNING entity_id`,
      [entry.organisationId, entry.requestId, entry.command, entry.entityId, entry.at],
    );
    if (inserted.rows.length > 0) return { fresh: true };
    const existing = await sql.query<{ command: string; entity_id: string }>(
      "SELECT command, entity_id FROM municipality_requests WHERE organisation_id = $1 AND request_id = $2",
      [entry.organisationId, entry.requestId],
    );
    const row = existing.rows[0];
    if (!row) throw new Error("idempotency key vanished between insert and read");
    return { fresh: false, command: row.command, entityId: row.entity_id };
  },
};
