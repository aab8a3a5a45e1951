import {
  actorColumns,
  type CaseRow,
  caseCoreFromRow,
  caseStore,
  optionalDate as date,
  insertRow,
  storedActor,
} from "@kopru/casework";
import type { Actor } from "@kopru/contracts/common/v1/refs";
import type { EcmAssessment } from "@kopru/contracts/ecm/v1/case";
import type { Sql } from "@kopru/storage";
import type { EcmCaseRecord, EcmStore } from "../../application/ports.js";
import type { AssistanceItemState, EcmCaseState } from "../../domain/index.js";

interface AssessmentRow {
  assessment_id: string;
  case_id: string;
  needs_identified: number[];
  severity: number;
  summary: string | null;
  assessed_at: Date;
  assessed_by_kind: number;
  assessed_by_id: string;
  assessed_by_role: number;
  organisation_id: string;
}

interface ItemRow {
  assistance_item_id: string;
  case_id: string;
  organisation_id: string;
  referral_id: string | null;
  kind: number;
  amount_minor: number | string;
  currency: string;
  description: string | null;
  status: number;
  payment_channel: number;
  planned_at: Date;
  planned_by_kind: number;
  planned_by_id: string;
  planned_by_role: number;
  approved_at: Date | null;
  approved_by_kind: number | null;
  approved_by_id: string | null;
  approved_by_role: number | null;
  delivered_at: Date | null;
  delivered_amount_minor: number | string | null;
  delivery_recorded_at: Date | null;
  delivery_recorded_by_id: string | null;
  cancelled_at: Date | null;
  cancelled_by_id: string | null;
  cancel_note: string | null;
}

/** int8 arrives as a number from both engines (libs/storage parsers); anything else is refused, never rounded. */
function minorUnits(value: number | string): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error("an amount in the database is not a safe integer");
  return n;
}

function assessmentFromRow(row: AssessmentRow): EcmAssessment {
  return {
    assessmentId: row.assessment_id,
    caseId: row.case_id,
    needsIdentified: row.needs_identified,
    severity: row.severity,
    summary: row.summary ?? undefined,
    assessedAt: new Date(row.assessed_at),
    assessedBy: storedActor(row, "assessed_by"),
  };
}

function itemFromRow(row: ItemRow): AssistanceItemState {
  const actor = (kind: number, actorId: string, role: number): Actor => ({
    kind,
    organisationId: row.organisation_id,
    actorId,
    role,
  });
  return {
    assistanceItemId: row.assistance_item_id,
    caseId: row.case_id,
    referralId: row.referral_id ?? undefined,
    kind: row.kind,
    amount: { amountMinor: minorUnits(row.amount_minor), currency: row.currency },
    description: row.description ?? undefined,
    status: row.status,
    paymentChannel: row.payment_channel,
    plannedAt: new Date(row.planned_at),
    plannedBy: actor(row.planned_by_kind, row.planned_by_id, row.planned_by_role),
    approvedAt: date(row.approved_at),
    approvedBy:
      row.approved_by_kind === null
        ? undefined
        : actor(row.approved_by_kind, row.approved_by_id ?? "", row.approved_by_role ?? 0),
    deliveredAt: date(row.delivered_at),
    deliveredAmount:
      row.delivered_amount_minor === null
        ? undefined
        : { amountMinor: minorUnits(row.delivered_amount_minor), currency: row.currency },
    deliveryRecordedAt: date(row.delivery_recorded_at),
    deliveryRecordedBy: row.delivery_recorded_by_id ?? undefined,
    cancelledAt: date(row.cancelled_at),
    cancelledBy: row.cancelled_by_id ?? undefined,
    cancelNote: row.cancel_note ?? undefined,
  };
}

/** The ECM service's tables, through one connection or transaction. */
export function ecmStore(sql: Sql): EcmStore {
  const { cases, ...caseRecords } = caseStore<CaseRow, EcmCaseRecord, EcmCaseState>(
    sql,
    { cases: "ecm_cases", referrals: "ecm_case_referrals" },
    caseCoreFromRow,
  );

  async function assessments(
    where: string,
    params: unknown[],
    options: { latestPerCase?: boolean } = {},
  ): Promise<AssessmentRow[]> {
    const result = await sql.query<AssessmentRow>(
      options.latestPerCase
        ? `SELECT DISTINCT ON (a.case_id) a.*, c.organisation_id
             FROM ecm_assessments a JOIN ecm_cases c USING (case_id) WHERE ${where}
            ORDER BY a.case_id, a.assessed_at DESC, a.assessment_id DESC`
        : `SELECT a.*, c.organisation_id
             FROM ecm_assessments a JOIN ecm_cases c USING (case_id) WHERE ${where}
            ORDER BY a.assessed_at DESC, a.assessment_id DESC`,
      params,
    );
    return result.rows;
  }

  async function items(where: string, params: unknown[], tail = ""): Promise<AssistanceItemState[]> {
    const result = await sql.query<ItemRow>(
      `SELECT i.*, c.organisation_id FROM assistance_items i JOIN ecm_cases c USING (case_id) WHERE ${where} ${tail}`,
      params,
    );
    return result.rows.map(itemFromRow);
  }

  return {
    ...caseRecords,

    async openCaseOf(organisationId, beneficiaryRef) {
      return (await caseRecords.openCasesOf(organisationId, beneficiaryRef))[0];
    },

    listCases(filter) {
      return cases.select(
        `c.organisation_id = $1
           AND (cardinality($2::int[]) = 0 OR c.status = ANY($2::int[]))
           AND ($3::text IS NULL OR c.assigned_caseworker_id = $3)`,
        [
          filter.organisationId,
          [...filter.statuses],
          filter.assignedCaseworkerId ?? null,
          filter.limit,
          filter.offset,
        ],
        "ORDER BY c.opened_at DESC, c.case_id LIMIT $4 OFFSET $5",
      );
    },

    insertAssessment: (a: EcmAssessment) =>
      insertRow(sql, "ecm_assessments", {
        assessment_id: a.assessmentId,
        case_id: a.caseId,
        needs_identified: a.needsIdentified,
        severity: a.severity,
        summary: a.summary ?? null,
        assessed_at: a.assessedAt,
        ...actorColumns("assessed_by", a.assessedBy),
      }),

    async assessment(caseId, assessmentId) {
      const rows = await assessments("a.case_id = $1 AND a.assessment_id = $2", [caseId, assessmentId]);
      return rows[0] ? assessmentFromRow(rows[0]) : undefined;
    },

    async assessments(caseId) {
      return (await assessments("a.case_id = $1", [caseId])).map(assessmentFromRow);
    },

    async latestAssessments(caseIds) {
      if (caseIds.length === 0) return new Map();
      const rows = await assessments("a.case_id = ANY($1::uuid[])", [[...caseIds]], { latestPerCase: true });
      return new Map(rows.map((row) => [row.case_id, assessmentFromRow(row)]));
    },

    async findItem(organisationId, assistanceItemId, options = {}) {
      const found = await items(
        "i.assistance_item_id = $1 AND c.organisation_id = $2",
        [assistanceItemId, organisationId],
        options.forUpdate ? "FOR UPDATE OF i" : "",
      );
      return found[0];
    },

    items(caseId) {
      return items("i.case_id = $1", [caseId], "ORDER BY i.planned_at DESC, i.assistance_item_id DESC");
    },

    insertItem: (i: AssistanceItemState) =>
      insertRow(sql, "assistance_items", {
        assistance_item_id: i.assistanceItemId,
        case_id: i.caseId,
        referral_id: i.referralId ?? null,
        kind: i.kind,
        amount_minor: i.amount.amountMinor,
        currency: i.amount.currency,
        description: i.description ?? null,
        status: i.status,
        payment_channel: i.paymentChannel,
        planned_at: i.plannedAt,
        ...actorColumns("planned_by", i.plannedBy),
      }),

    async saveItem(i: AssistanceItemState) {
      // Only the lifecycle moves; what was planned (kind, amount, channel) is never rewritten.
      await sql.query(
        `UPDATE assistance_items SET
           status = $2, approved_at = $3, approved_by_kind = $4, approved_by_id = $5, approved_by_role = $6,
           delivered_at = $7, delivered_amount_minor = $8, delivery_recorded_at = $9, delivery_recorded_by_id = $10,
           cancelled_at = $11, cancelled_by_id = $12, cancel_note = $13
         WHERE assistance_item_id = $1`,
        [
          i.assistanceItemId,
          i.status,
          i.approvedAt ?? null,
          i.approvedBy?.kind ?? null,
          i.approvedBy?.actorId ?? null,
          i.approvedBy?.role ?? null,
          i.deliveredAt ?? null,
          i.deliveredAmount?.amountMinor ?? null,
          i.deliveryRecordedAt ?? null,
          i.deliveryRecordedBy ?? null,
          i.cancelledAt ?? null,
          i.cancelledBy ?? null,
          i.cancelNote ?? null,
        ],
      );
    },
  };
}
