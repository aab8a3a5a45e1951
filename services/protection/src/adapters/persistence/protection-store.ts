import {
  actorColumns,
  type CaseRow,
  caseCoreFromRow,
  caseStore,
  optionalDate as date,
  insertRow,
  storedActor,
} from "@kopru/casework";
import type { RiskAssessment, SafetyPlan, SafetyPlanAction } from "@kopru/contracts/protection/v1/case";
import type { Sql } from "@kopru/storage";
import type { CaseFilter, ProtectionCaseRecord, ProtectionStore } from "../../application/ports.js";
import type { ProtectionCaseState } from "../../domain/index.js";

interface ProtectionCaseRow extends CaseRow {
  case_type: number;
  restricted: boolean;
  authorised_user_ids: string[];
  risk_level: number;
}

interface AssessmentRow {
  assessment_id: string;
  case_id: string;
  risk_level: number;
  concerns: number[];
  summary: string | null;
  assessed_at: Date;
  assessed_by_kind: number;
  assessed_by_id: string;
  assessed_by_role: number;
  next_review_at: Date;
  organisation_id: string;
}

interface PlanRow {
  safety_plan_id: string;
  case_id: string;
  notes: string | null;
  review_at: Date | null;
  created_at: Date;
  created_by_kind: number;
  created_by_id: string;
  created_by_role: number;
  organisation_id: string;
}

interface ActionRow {
  safety_plan_id: string;
  description: string;
  responsible: number;
  due_at: Date | null;
  done: boolean;
}

function caseFromRow(row: ProtectionCaseRow): ProtectionCaseRecord {
  return {
    ...caseCoreFromRow(row),
    caseType: row.case_type,
    restricted: row.restricted,
    authorisedUserIds: row.authorised_user_ids,
    riskLevel: row.risk_level,
  };
}

function assessmentFromRow(row: AssessmentRow): RiskAssessment {
  return {
    assessmentId: row.assessment_id,
    caseId: row.case_id,
    riskLevel: row.risk_level,
    concerns: row.concerns,
    summary: row.summary ?? undefined,
    assessedAt: new Date(row.assessed_at),
    assessedBy: storedActor(row, "assessed_by"),
    nextReviewAt: new Date(row.next_review_at),
  };
}

/** The columns of a protection case that change beyond casework's: restriction, team, risk. */
function teamColumns(s: ProtectionCaseState): Record<string, unknown> {
  return {
    restricted: s.restricted,
    authorised_user_ids: s.authorisedUserIds,
    risk_level: s.riskLevel,
  };
}

/** The protection service's tables, through one connection or transaction. */
export function protectionStore(sql: Sql): ProtectionStore {
  const { cases, ...caseRecords } = caseStore<ProtectionCaseRow, ProtectionCaseRecord, ProtectionCaseState>(
    sql,
    { cases: "protection_cases", referrals: "protection_case_referrals" },
    caseFromRow,
    { ownColumns: teamColumns, insertOnly: (s) => ({ case_type: s.caseType }) },
  );

  async function plansWithActions(plans: PlanRow[]): Promise<SafetyPlan[]> {
    if (plans.length === 0) return [];
    const actions = await sql.query<ActionRow>(
      `SELECT safety_plan_id, description, responsible, due_at, done FROM safety_plan_actions
        WHERE safety_plan_id = ANY($1::uuid[]) ORDER BY safety_plan_id, position`,
      [plans.map((p) => p.safety_plan_id)],
    );
    const byPlan = new Map<string, SafetyPlanAction[]>();
    for (const a of actions.rows) {
      const list = byPlan.get(a.safety_plan_id) ?? [];
      list.push({
        description: a.description,
        responsible: a.responsible,
        dueAt: date(a.due_at),
        done: a.done,
      });
      byPlan.set(a.safety_plan_id, list);
    }
    return plans.map((p) => ({
      safetyPlanId: p.safety_plan_id,
      caseId: p.case_id,
      actions: byPlan.get(p.safety_plan_id) ?? [],
      notes: p.notes ?? undefined,
      reviewAt: date(p.review_at),
      createdAt: new Date(p.created_at),
      createdBy: storedActor(p, "created_by"),
    }));
  }

  const PLAN_COLUMNS = "p.*, c.organisation_id";
  const ASSESSMENT_COLUMNS = "a.*, c.organisation_id";

  return {
    ...caseRecords,

    listCases(filter: CaseFilter) {
      // Visibility is the rule of domain/access.ts (canAccessCase), written as SQL so paging stays right.
      return cases.select(
        `c.organisation_id = $1
           AND (cardinality($2::int[]) = 0 OR c.case_type = ANY($2::int[]))
           AND (cardinality($3::int[]) = 0 OR c.status = ANY($3::int[]))
           AND (cardinality($4::int[]) = 0 OR c.risk_level = ANY($4::int[]))
           AND ($5::text IS NULL OR c.assigned_caseworker_id = $5)
           AND (NOT c.restricted OR $6::boolean
                OR ($7::text IS NOT NULL AND (c.assigned_caseworker_id = $7 OR $7 = ANY(c.authorised_user_ids))))`,
        [
          filter.organisationId,
          [...filter.caseTypes],
          [...filter.statuses],
          [...filter.riskLevels],
          filter.assignedCaseworkerId ?? null,
          filter.viewer.seesAllRestricted,
          filter.viewer.actorId || null,
          filter.limit,
          filter.offset,
        ],
        `ORDER BY ${filter.viewer.seesRisk ? "c.risk_level DESC, " : ""}c.opened_at DESC, c.case_id LIMIT $8 OFFSET $9`,
      );
    },

    insertRiskAssessment: (a: RiskAssessment) =>
      insertRow(sql, "risk_assessments", {
        assessment_id: a.assessmentId,
        case_id: a.caseId,
        risk_level: a.riskLevel,
        concerns: a.concerns,
        summary: a.summary ?? null,
        assessed_at: a.assessedAt,
        ...actorColumns("assessed_by", a.assessedBy),
        next_review_at: a.nextReviewAt,
      }),

    async riskAssessment(caseId, assessmentId) {
      const rows = await sql.query<AssessmentRow>(
        `SELECT ${ASSESSMENT_COLUMNS} FROM risk_assessments a JOIN protection_cases c USING (case_id)
          WHERE a.case_id = $1 AND a.assessment_id = $2`,
        [caseId, assessmentId],
      );
      return rows.rows[0] ? assessmentFromRow(rows.rows[0]) : undefined;
    },

    async riskAssessments(caseId) {
      const rows = await sql.query<AssessmentRow>(
        `SELECT ${ASSESSMENT_COLUMNS} FROM risk_assessments a JOIN protection_cases c USING (case_id)
          WHERE a.case_id = $1 ORDER BY a.assessed_at DESC, a.assessment_id DESC`,
        [caseId],
      );
      return rows.rows.map(assessmentFromRow);
    },

    async latestRiskAssessments(caseIds) {
      if (caseIds.length === 0) return new Map();
      const rows = await sql.query<AssessmentRow>(
        `SELECT DISTINCT ON (a.case_id) ${ASSESSMENT_COLUMNS}
           FROM risk_assessments a JOIN protection_cases c USING (case_id)
          WHERE a.case_id = ANY($1::uuid[]) ORDER BY a.case_id, a.assessed_at DESC, a.assessment_id DESC`,
        [[...caseIds]],
      );
      return new Map(rows.rows.map((row) => [row.case_id, assessmentFromRow(row)]));
    },

    async nextSafetyPlanVersion(caseId) {
      const rows = await sql.query<{ next: number }>(
        "SELECT COALESCE(max(version), 0) + 1 AS next FROM safety_plans WHERE case_id = $1",
        [caseId],
      );
      return Number(rows.rows[0]?.next ?? 1);
    },

    async insertSafetyPlan(plan: SafetyPlan, version: number) {
      await insertRow(sql, "safety_plans", {
        safety_plan_id: plan.safetyPlanId,
        case_id: plan.caseId,
        version,
        notes: plan.notes ?? null,
        review_at: plan.reviewAt ?? null,
        created_at: plan.createdAt,
        ...actorColumns("created_by", plan.createdBy),
      });
      await sql.query(
        `INSERT INTO safety_plan_actions (safety_plan_id, position, description, responsible, due_at, done)
         SELECT $1, a.position - 1, a.description, a.responsible, a.due_at, a.done
           FROM unnest($2::text[], $3::int[], $4::timestamptz[], $5::boolean[])
                WITH ORDINALITY AS a (description, responsible, due_at, done, position)`,
        [
          plan.safetyPlanId,
          plan.actions.map((a) => a.description),
          plan.actions.map((a) => a.responsible),
          plan.actions.map((a) => a.dueAt ?? null),
          plan.actions.map((a) => a.done),
        ],
      );
    },

    async safetyPlan(caseId, safetyPlanId) {
      const rows = await sql.query<PlanRow>(
        `SELECT ${PLAN_COLUMNS} FROM safety_plans p JOIN protection_cases c USING (case_id)
          WHERE p.case_id = $1 AND p.safety_plan_id = $2`,
        [caseId, safetyPlanId],
      );
      return (await plansWithActions(rows.rows))[0];
    },

    async safetyPlans(caseId) {
      const rows = await sql.query<PlanRow>(
        `SELECT ${PLAN_COLUMNS} FROM safety_plans p JOIN protection_cases c USING (case_id)
          WHERE p.case_id = $1 ORDER BY p.version DESC`,
        [caseId],
      );
      return plansWithActions(rows.rows);
    },

    async latestSafetyPlans(caseIds) {
      if (caseIds.length === 0) return new Map();
      const rows = await sql.query<PlanRow>(
        `SELECT DISTINCT ON (p.case_id) ${PLAN_COLUMNS}
           FROM safety_plans p JOIN protection_cases c USING (case_id)
          WHERE p.case_id = ANY($1::uuid[]) ORDER BY p.case_id, p.version DESC`,
        [[...caseIds]],
      );
      const plans = await plansWithActions(rows.rows);
      return new Map(plans.map((p) => [p.caseId, p]));
    },
  };
}
