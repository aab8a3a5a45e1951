import { ErasureRequestTracked, ErasureResult } from "@kopru/contracts/referral/v1/events";
import type { ErasureTrackingRepository } from "../../application/ports.js";

/** The tracked erasure requests (ADR 0023), newest report of each. */
export const erasureTrackingStore: ErasureTrackingRepository = {
  async apply(tx, report, version) {
    const pending = report.holders
      .filter((h) => h.result === ErasureResult.ERASURE_RESULT_UNSPECIFIED && h.confirmBy)
      .map((h) => (h.confirmBy as Date).getTime());
    await tx.query(
      `INSERT INTO tracked_erasures
         (erasure_request_id, requester_organisation_id, kvkk_due_by, pending_confirm_by, reported_overdue,
          completed_at, report, version, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (erasure_request_id) DO UPDATE SET
         kvkk_due_by = EXCLUDED.kvkk_due_by, pending_confirm_by = EXCLUDED.pending_confirm_by,
         reported_overdue = EXCLUDED.reported_overdue, completed_at = EXCLUDED.completed_at,
         report = EXCLUDED.report, version = EXCLUDED.version, occurred_at = EXCLUDED.occurred_at
       WHERE tracked_erasures.version < EXCLUDED.version`,
      [
        report.erasureRequestId,
        report.requesterOrganisationId,
        report.kvkkDueBy ?? report.requestedAt ?? new Date(0),
        pending.length > 0 ? new Date(Math.min(...pending)) : null,
        report.holders.some((h) => h.overdue),
        report.completedAt ?? null,
        Buffer.from(ErasureRequestTracked.encode(report).finish()),
        version,
        report.occurredAt ?? new Date(),
      ],
    );
  },
  async list(sql, filter) {
    // Every parameter appears in every query, so PostgreSQL can type each whichever filter is on.
    // Overdue: a holder past its deadline, or the whole request past the KVKK answer date.
    const where = `($1::text IS NULL OR requester_organisation_id = $1::text)
      AND ($3::boolean OR completed_at IS NULL)
      AND (NOT $4::boolean OR (completed_at IS NULL
           AND (reported_overdue OR pending_confirm_by <= $2::timestamptz OR kvkk_due_by <= $2::timestamptz)))`;
    const params = [
      filter.requesterOrganisationId ?? null,
      filter.now,
      filter.includeCompleted,
      filter.overdueOnly,
    ];
    const total = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM tracked_erasures WHERE ${where}`,
      params,
    );
    const rows = await sql.query<{ report: Uint8Array }>(
      `SELECT report FROM tracked_erasures WHERE ${where}
        ORDER BY kvkk_due_by, erasure_request_id LIMIT $5 OFFSET $6`,
      [...params, filter.page.limit, filter.page.offset],
    );
    return {
      items: rows.rows.map((r) => ErasureRequestTracked.decode(r.report)),
      total: total.rows[0]?.n ?? 0,
      limit: filter.page.limit,
      offset: filter.page.offset,
    };
  },
};
