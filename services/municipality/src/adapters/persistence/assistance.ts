import type { ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";
import type { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import type { AssistanceRepository, DirectAssistanceRecord } from "../../application/ports.js";

interface AssistanceRow {
  direct_assistance_id: string;
  case_id: string;
  organisation_id: string;
  referral_id: string | null;
  kind: number;
  amount_minor: number | null;
  currency: string | null;
  description: string | null;
  provided_at: Date;
  recorded_by_kind: number;
  recorded_by_id: string;
  recorded_by_role: number;
  recorded_at: Date;
}

function fromRow(row: AssistanceRow): DirectAssistanceRecord {
  return {
    directAssistanceId: row.direct_assistance_id,
    caseId: row.case_id,
    organisationId: row.organisation_id,
    referralId: row.referral_id ?? undefined,
    kind: row.kind as AssistanceKind,
    amount:
      row.amount_minor === null || row.currency === null
        ? undefined
        : { amountMinor: Number(row.amount_minor), currency: row.currency },
    description: row.description ?? undefined,
    providedAt: new Date(row.provided_at),
    recordedBy: {
      kind: row.recorded_by_kind as ActorKind,
      actorId: row.recorded_by_id,
      role: row.recorded_by_role as StaffRole,
    },
    recordedAt: new Date(row.recorded_at),
  };
}

export const assistanceRepository: AssistanceRepository = {
  async insert(sql, a) {
    await sql.query(
      `INSERT INTO direct_assistance (direct_assistance_id, case_id, organisation_id, referral_id, kind, amount_minor,
         currency, description, provided_at, recorded_by_kind, recorded_by_id, recorded_by_role, recorded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        a.directAssistanceId,
        a.caseId,
        a.organisationId,
        a.referralId ?? null,
        a.kind,
        a.amount?.amountMinor ?? null,
        a.amount?.currency ?? null,
        a.description ?? null,
        a.providedAt,
        a.recordedBy.kind,
        a.recordedBy.actorId,
        a.recordedBy.role,
        a.recordedAt,
      ],
    );
  },

  async find(sql, organisationId, id) {
    const rows = await sql.query<AssistanceRow>(
      "SELECT * FROM direct_assistance WHERE direct_assistance_id = $1 AND organisation_id = $2",
      [id, organisationId],
    );
    return rows.rows[0] ? fromRow(rows.rows[0]) : undefined;
  },

  async listForCase(sql, caseId) {
    const rows = await sql.query<AssistanceRow>(
      "SELECT * FROM direct_assistance WHERE case_id = $1 ORDER BY provided_at DESC, direct_assistance_id DESC",
      [caseId],
    );
    return rows.rows.map(fromRow);
  },
};
