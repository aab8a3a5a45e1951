import type { ErasureRequestReason, ErasureResult } from "@kopru/contracts/referral/v1/events";
import type { Sql } from "@kopru/storage";
import type {
  ErasureHolderRecord,
  ErasureRequestRecord,
  ErasureRequestRepository,
} from "../../application/ports.js";

interface RequestRow {
  erasure_request_id: string;
  organisation_id: string;
  beneficiary_id: string;
  reason: number;
  requested_at: Date;
  requested_by_kind: number;
  requested_by_actor_id: string;
  requested_by_role: number;
  kvkk_due_by: Date;
  completed_at: Date | null;
  beneficiary_ref: string | null;
  tracked_sequence: number;
}

interface HolderRow {
  organisation_id: string;
  referral_ids: string[];
  requested_at: Date;
  confirm_by: Date;
  overdue_since: Date | null;
  result: number;
  confirmed_at: Date | null;
}

const optionalDate = (value: Date | null) => (value ? new Date(value) : undefined);

async function load(sql: Sql, row: RequestRow): Promise<ErasureRequestRecord> {
  const holders = await sql.query<HolderRow>(
    `SELECT organisation_id, referral_ids, requested_at, confirm_by, overdue_since, result, confirmed_at
       FROM erasure_holders WHERE erasure_request_id = $1 ORDER BY organisation_id`,
    [row.erasure_request_id],
  );
  return {
    erasureRequestId: row.erasure_request_id,
    organisationId: row.organisation_id,
    beneficiaryId: row.beneficiary_id,
    reason: row.reason as ErasureRequestReason,
    requestedAt: new Date(row.requested_at),
    requestedBy: {
      kind: row.requested_by_kind,
      organisationId: row.organisation_id,
      actorId: row.requested_by_actor_id,
      role: row.requested_by_role,
    },
    kvkkDueBy: new Date(row.kvkk_due_by),
    completedAt: optionalDate(row.completed_at),
    beneficiaryRef: row.beneficiary_ref ?? undefined,
    trackedSequence: row.tracked_sequence,
    holders: holders.rows.map(
      (h): ErasureHolderRecord => ({
        organisationId: h.organisation_id,
        referralIds: h.referral_ids,
        requestedAt: new Date(h.requested_at),
        confirmBy: new Date(h.confirm_by),
        overdueSince: optionalDate(h.overdue_since),
        result: h.result as ErasureResult,
        confirmedAt: optionalDate(h.confirmed_at),
      }),
    ),
  };
}

/** Erasure requests and their holders (intake's own tables, ADR 0023). */
export const erasureRequestRepository: ErasureRequestRepository = {
  async insert(tx, record) {
    await tx.query(
      `INSERT INTO erasure_requests
         (erasure_request_id, organisation_id, beneficiary_id, reason, requested_at, requested_by_kind,
          requested_by_actor_id, requested_by_role, kvkk_due_by, completed_at, beneficiary_ref, tracked_sequence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        record.erasureRequestId,
        record.organisationId,
        record.beneficiaryId,
        record.reason,
        record.requestedAt,
        record.requestedBy.kind,
        record.requestedBy.actorId,
        record.requestedBy.role,
        record.kvkkDueBy,
        record.completedAt ?? null,
        record.beneficiaryRef ?? null,
        record.trackedSequence,
      ],
    );
    for (const holder of record.holders) await this.addHolder(tx, record.erasureRequestId, holder);
  },
  async addHolder(tx, erasureRequestId, holder) {
    await tx.query(
      `INSERT INTO erasure_holders
         (erasure_request_id, organisation_id, referral_ids, requested_at, confirm_by, result)
       VALUES ($1, $2, $3, $4, $5, 0)`,
      [erasureRequestId, holder.organisationId, holder.referralIds, holder.requestedAt, holder.confirmBy],
    );
  },
  async find(sql, erasureRequestId, organisationId, options = {}) {
    const rows = await sql.query<RequestRow>(
      `SELECT * FROM erasure_requests WHERE erasure_request_id = $1 AND organisation_id = $2
       ${options.forUpdate ? "FOR UPDATE" : ""}`,
      [erasureRequestId, organisationId],
    );
    const row = rows.rows[0];
    return row ? load(sql, row) : undefined;
  },
  async openFor(sql, beneficiaryId) {
    const rows = await sql.query<RequestRow>(
      "SELECT * FROM erasure_requests WHERE beneficiary_id = $1 AND completed_at IS NULL FOR UPDATE",
      [beneficiaryId],
    );
    const row = rows.rows[0];
    return row ? load(sql, row) : undefined;
  },
  async recordConfirmation(tx, erasureRequestId, organisationId, answer) {
    const updated = await tx.query(
      `UPDATE erasure_holders SET result = $3, confirmed_at = $4, recorded_at = $5
        WHERE erasure_request_id = $1 AND organisation_id = $2 AND result = 0`,
      [erasureRequestId, organisationId, answer.result, answer.confirmedAt, answer.recordedAt],
    );
    return updated.rowCount > 0;
  },
  async markOverdue(tx, erasureRequestId, organisationId, at) {
    const updated = await tx.query(
      `UPDATE erasure_holders SET overdue_since = $3
        WHERE erasure_request_id = $1 AND organisation_id = $2 AND result = 0 AND overdue_since IS NULL`,
      [erasureRequestId, organisationId, at],
    );
    return updated.rowCount > 0;
  },
  async complete(tx, erasureRequestId, at) {
    await tx.query(
      `UPDATE erasure_requests SET completed_at = $2, beneficiary_ref = NULL
        WHERE erasure_request_id = $1 AND completed_at IS NULL`,
      [erasureRequestId, at],
    );
  },
  async nextTrackedSequence(tx, erasureRequestId) {
    const rows = await tx.query<{ tracked_sequence: number }>(
      `UPDATE erasure_requests SET tracked_sequence = tracked_sequence + 1
        WHERE erasure_request_id = $1 RETURNING tracked_sequence`,
      [erasureRequestId],
    );
    return rows.rows[0]?.tracked_sequence ?? 1;
  },
};
