import { claimRequest, recordCaseAudit } from "@kopru/casework";
import { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import type { Actor } from "@kopru/contracts/common/v1/refs";
import type { EcmAssessment } from "@kopru/contracts/ecm/v1/case";
import type { Sql } from "@kopru/storage";
import type { EcmCaseRecord, EcmStore } from "../../application/ports.js";
import type { AssistanceItemState, EcmCaseState } from "../../domain/index.js";

interface CaseRow {
  case_id: string;
  organisation_id: string;
  status: number;
  beneficiary_ref: string;
  assigned_caseworker_id: string | null;
  opened_at: Date;
  opened_by: string | null;
  closed_at: Date | null;
  closure_reason: number;
  closure_note: string | null;
  updated_at: Date;
  event_sequence: number;
  disaggregation: Uint8Array;
  referral_ids: string[];
}

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

const CASE_COLUMNS = `c.*, COALESCE(
    (SELECT array_agg(r.referral_id::text ORDER BY r.linked_at, r.referral_id)
       FROM ecm_case_referrals r WHERE r.case_id = c.case_id),
    '{}'::text[]) AS referral_ids`;

const date = (value: Date | null): Date | undefined => (value ? new Date(value) : undefined);

/** int8 arrives as a number from both engines (libs/storage parsers); anything else is refused, never rounded. */
function minorUnits(value: number | string): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error("an amount in the database is not a safe integer");
  return n;
}

function caseFromRow(row: CaseRow): EcmCaseRecord {
  return {
    caseId: row.case_id,
    organisationId: row.organisation_id,
    status: row.status,
    beneficiaryRef: row.beneficiary_ref,
    assignedCaseworkerId: row.assigned_caseworker_id ?? undefined,
    openedAt: new Date(row.opened_at),
    openedBy: row.opened_by ?? undefined,
    closedAt: date(row.closed_at),
    closureReason: row.closure_reason,
    closureNote: row.closure_note ?? undefined,
    updatedAt: new Date(row.updated_at),
    eventSequence: row.event_sequence,
    disaggregation: Disaggregation.decode(row.disaggregation),
    referralIds: row.referral_ids,
  };
}

function assessmentFromRow(row: AssessmentRow): EcmAssessment {
  return {
    assessmentId: row.assessment_id,
    caseId: row.case_id,
    needsIdentified: row.needs_identified,
    severity: row.severity,
    summary: row.summary ?? undefined,
    assessedAt: new Date(row.assessed_at),
    assessedBy: {
      kind: row.assessed_by_kind,
      organisationId: row.organisation_id,
      actorId: row.assessed_by_id,
      role: row.assessed_by_role,
    },
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
  async function cases(where: string, params: unknown[], tail = ""): Promise<EcmCaseRecord[]> {
    const result = await sql.query<CaseRow>(
      `SELECT ${CASE_COLUMNS} FROM ecm_cases c WHERE ${where} ${tail}`,
      params,
    );
    return result.rows.map(caseFromRow);
  }

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
    claimRequest: (claim) => claimRequest(sql, claim),

    async findCase(organisationId, caseId, options = {}) {
      const found = await cases(
        "c.case_id = $1 AND c.organisation_id = $2",
        [caseId, organisationId],
        options.forUpdate ? "FOR UPDATE OF c" : "",
      );
      return found[0];
    },

    async openCaseOf(organisationId, beneficiaryRef) {
      const found = await cases(
        "c.organisation_id = $1 AND c.beneficiary_ref = $2 AND c.status = 1",
        [organisationId, beneficiaryRef],
        "ORDER BY c.opened_at LIMIT 1",
      );
      return found[0];
    },

    casesServing(organisationId, referralId) {
      return cases(
        `c.organisation_id = $1 AND c.case_id IN (SELECT case_id FROM ecm_case_referrals WHERE referral_id = $2)`,
        [organisationId, referralId],
      );
    },

    async insertCase(s: EcmCaseState) {
      await sql.query(
        `INSERT INTO ecm_cases (
           case_id, organisation_id, status, beneficiary_ref, assigned_caseworker_id, opened_at, opened_by,
           closed_at, closure_reason, closure_note, updated_at, event_sequence, disaggregation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          s.caseId,
          s.organisationId,
          s.status,
          s.beneficiaryRef,
          s.assignedCaseworkerId ?? null,
          s.openedAt,
          s.openedBy ?? null,
          s.closedAt ?? null,
          s.closureReason,
          s.closureNote ?? null,
          s.updatedAt,
          s.eventSequence,
          Buffer.from(Disaggregation.encode(s.disaggregation).finish()),
        ],
      );
    },

    async saveCase(s: EcmCaseState) {
      await sql.query(
        `UPDATE ecm_cases SET
           status = $3, assigned_caseworker_id = $4, closed_at = $5, closure_reason = $6, closure_note = $7,
           updated_at = $8, event_sequence = $9
         WHERE case_id = $1 AND organisation_id = $2`,
        [
          s.caseId,
          s.organisationId,
          s.status,
          s.assignedCaseworkerId ?? null,
          s.closedAt ?? null,
          s.closureReason,
          s.closureNote ?? null,
          s.updatedAt,
          s.eventSequence,
        ],
      );
    },

    async linkReferral(caseId, referralId, at) {
      await sql.query(
        `INSERT INTO ecm_case_referrals (case_id, referral_id, linked_at) VALUES ($1, $2, $3)
         ON CONFLICT (case_id, referral_id) DO NOTHING`,
        [caseId, referralId, at],
      );
    },

    listCases(filter) {
      return cases(
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

    async insertAssessment(a: EcmAssessment) {
      await sql.query(
        `INSERT INTO ecm_assessments (
           assessment_id, case_id, needs_identified, severity, summary, assessed_at, assessed_by_kind,
           assessed_by_id, assessed_by_role)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          a.assessmentId,
          a.caseId,
          a.needsIdentified,
          a.severity,
          a.summary ?? null,
          a.assessedAt,
          a.assessedBy?.kind ?? 0,
          a.assessedBy?.actorId ?? "",
          a.assessedBy?.role ?? 0,
        ],
      );
    },

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

    async insertItem(i: AssistanceItemState) {
      await sql.query(
        `INSERT INTO assistance_items (
           assistance_item_id, case_id, referral_id, kind, amount_minor, currency, description, status,
           payment_channel, planned_at, planned_by_kind, planned_by_id, planned_by_role)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          i.assistanceItemId,
          i.caseId,
          i.referralId ?? null,
          i.kind,
          i.amount.amountMinor,
          i.amount.currency,
          i.description ?? null,
          i.status,
          i.paymentChannel,
          i.plannedAt,
          i.plannedBy.kind,
          i.plannedBy.actorId,
          i.plannedBy.role,
        ],
      );
    },

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

    audit: (entry) => recordCaseAudit(sql, entry),
  };
}
