import type { RequestRepository } from "../../application/ports.js";

export const requestRepository: RequestRepository = {
  async claim(tx, key) {
    const inserted = await tx.query<{ entity_id: string }>(
      `INSERT INTO intake_requests (organisation_id, request_id, kind, entity_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (organisation_id, request_id) DO NOTHING RETURNING entity_id`,
      [key.organisationId, key.requestId, key.kind, key.entityId],
    );
    if (inserted.rows[0]) return { entityId: key.entityId, kind: key.kind, isNew: true };
    const existing = await tx.query<{ entity_id: string; kind: string }>(
      "SELECT entity_id, kind FROM intake_requests WHERE organisation_id = $1 AND request_id = $2",
      [key.organisationId, key.requestId],
    );
    const row = existing.rows[0];
    if (!row) throw new Error("idempotency key vanished between insert and read");
    return { entityId: row.entity_id, kind: row.kind, isNew: false };
  },
  async rebind(tx, organisationId, requestId, entityId) {
    await tx.query(
      "UPDATE intake_requests SET entity_id = $3 WHERE organisation_id = $1 AND request_id = $2",
      [organisationId, requestId, entityId],
    );
  },
};
