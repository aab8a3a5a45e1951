import { appendAudit } from "@kopru/service-kit";
import type { AuditLog } from "../../application/ports.js";

/** The append-only `community_centre_audit` table (updates and deletes are rules that do nothing). */
export const auditLog: AuditLog = {
  async record(sql, entry) {
    await appendAudit(sql, "community_centre_audit", [
      {
        at: entry.at,
        organisation_id: entry.organisationId,
        actor_id: entry.actorId ?? null,
        action: entry.action,
        entity: entry.entity,
        entity_id: entry.entityId,
      },
    ]);
  },
};
