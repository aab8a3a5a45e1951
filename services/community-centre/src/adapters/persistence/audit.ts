import type { AuditLog } from "../../application/ports.js";

/** The append-only `community_centre_audit` table (updates and deletes are rules that do nothing). */
export const auditLog: AuditLog = {
  async record(sql, entry) {
    await sql.query(
      `INSERT INTO community_centre_audit (at, organisation_id, actor_id, action, entity, entity_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [entry.at, entry.organisationId, entry.actorId ?? null, entry.action, entry.entity, entry.entityId],
    );
  },
};
