import type { AuditLog } from "../../application/ports.js";

/** Appends to `intake_audit` (no UPDATE or DELETE takes effect on it). */
export const auditLog: AuditLog = {
  async record(tx, entry) {
    await tx.query(
      `INSERT INTO intake_audit (organisation_id, actor_kind, actor_id, action, entity_type, entity_id,
                                 subject, client_id, via_client_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.organisationId,
        entry.actor.kind,
        entry.actor.actorId || null,
        entry.action,
        entry.entityType,
        entry.entityId,
        entry.token?.subject ?? null,
        entry.token?.clientId ?? null,
        entry.token?.via ?? null,
      ],
    );
  },
};
