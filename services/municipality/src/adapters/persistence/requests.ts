import { claimRequestId } from "@kopru/service-kit";
import type { RequestLog } from "../../application/ports.js";

/** Idempotency keys in `municipality_requests`; a concurrent retry waits on the key's row lock. */
export const requestLog: RequestLog = {
  async claim(sql, entry) {
    const earlier = await claimRequestId<{ command: string; entity_id: string }>(
      sql,
      "municipality_requests",
      {
        organisationId: entry.organisationId,
        requestId: entry.requestId,
        values: { command: entry.command, entity_id: entry.entityId, created_at: entry.at },
      },
      ["command", "entity_id"],
    );
    if (!earlier) return { fresh: true };
    return { fresh: false, command: earlier.command, entityId: earlier.entity_id };
  },
};
