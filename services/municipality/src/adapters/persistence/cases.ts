import type { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import { isUniqueViolation, type Sql } from "@kopru/storage";
import type { CaseRecord, CaseRepository } from "../../application/ports.js";
import { CaseAlreadyOpenError } from "../../domain/index.js";

interface CaseRow {
  case_id: string;
  organisation_id: string;
  status: number;
  beneficiary_ref: string;
  assigned_caseworker_id: string;
  opened_at: Date;
  closed_at: Date | null;
  closure_reason: number;
  closure_note: string | null;
  updated_at: Date;
  disaggregation: Uint8Array;
  event_sequence: number;
  referral_ids: string[];
}

const SELECT = `SELECT c.*,
    ARRAY(SELECT r.referral_id::text FROM municipality_case_referrals r
           WHERE r.case_id = c.case_id ORDER BY r.linked_at, r.referral_id) AS referral_ids
  FROM municipality_cases c`;

function fromRow(row: CaseRow): CaseRecord {
  return {
    caseId: row.case_id,
    organisationId: row.organisation_id,
    status: row.status as CaseStatus,
    beneficiaryRef: row.beneficiary_ref,
    referralIds: row.referral_ids,
    assignedCaseworkerId: row.assigned_caseworker_id,
    openedAt: new Date(row.opened_at),
    closedAt: row.closed_at ? new Date(row.closed_at) : undefined,
    closureReason: row.closure_reason as CaseClosureReason,
    closureNote: row.closure_note ?? undefined,
    updatedAt: new Date(row.updated_at),
    disaggregation: Disaggregation.decode(row.disaggregation),
    eventSequence: row.event_sequence,
  };
}

export const caseRepository: CaseRepository = {
  async find(sql, organisationId, caseId, options = {}) {
    const rows = await sql.query<CaseRow>(
      `${SELECT} WHERE c.case_id = $1 AND c.organisation_id = $2 ${options.forUpdate ? "FOR UPDATE OF c" : ""}`,
      [caseId, organisationId],
    );
    return rows.rows[0] ? fromRow(rows.rows[0]) : undefined;
  },

  async findOpenFor(sql, organisationId, beneficiaryRef, options = {}) {
    const rows = await sql.query<CaseRow>(
      `${SELECT} WHERE c.organisation_id = $1 AND c.beneficiary_ref = $2 AND c.status = 1
       ${options.forUpdate ? "FOR UPDATE OF c" : ""}`,
      [organisationId, beneficiaryRef],
    );
    return rows.rows[0] ? fromRow(rows.rows[0]) : undefined;
  },

  async insert(sql, record) {
    try {
      await sql.query(
        `INSERT INTO municipality_cases (case_id, organisation_id, status, beneficiary_ref, assigned_caseworker_id,
           opened_at, closed_at, closure_reason, closure_note, updated_at, disaggregation, event_sequence)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          record.caseId,
          record.organisationId,
          record.status,
          record.beneficiaryRef,
          record.assignedCaseworkerId,
          record.openedAt,
          record.closedAt ?? null,
          record.closureReason,
          record.closureNote ?? null,
          record.updatedAt,
          Buffer.from(Disaggregation.encode(record.disaggregation).finish()),
          record.eventSequence,
        ],
      );
    } catch (error) {
      // The unique index backs casework's lock: reached only by a writer that did not take it.
      if (isUniqueViolation(error))
        throw new CaseAlreadyOpenError("", "the person already has an open case at this MMCC");
      throw error;
    }
  },

  async linkReferral(sql: Sql, record, referralId, at) {
    await sql.query(
      `INSERT INTO municipality_case_referrals (case_id, referral_id, organisation_id, linked_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [record.caseId, referralId, record.organisationId, at],
    );
  },

  async save(sql, record) {
    await sql.query(
      `UPDATE municipality_cases SET status = $3, assigned_caseworker_id = $4, closed_at = $5, closure_reason = $6,
         closure_note = $7, updated_at = $8, event_sequence = $9
       WHERE case_id = $1 AND organisation_id = $2`,
      [
        record.caseId,
        record.organisationId,
        record.status,
        record.assignedCaseworkerId,
        record.closedAt ?? null,
        record.closureReason,
        record.closureNote ?? null,
        record.updatedAt,
        record.eventSequence,
      ],
    );
  },

  async list(sql, filter) {
    const rows = await sql.query<CaseRow>(
      `${SELECT}
        WHERE c.organisation_id = $1
          AND (cardinality($2::int[]) = 0 OR c.status = ANY($2::int[]))
          AND ($3::text IS NULL OR c.assigned_caseworker_id = $3)
        ORDER BY c.opened_at DESC, c.case_id
        LIMIT $4 OFFSET $5`,
      [
        filter.organisationId,
        [...filter.statuses],
        filter.assignedCaseworkerId ?? null,
        filter.limit,
        filter.offset,
      ],
    );
    return rows.rows.map(fromRow);
  },
};
