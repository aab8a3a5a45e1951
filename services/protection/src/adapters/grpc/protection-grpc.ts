import { callerOf, caseApiBinding, caseHandlers } from "@kopru/casework";
import { ProtectionConcern, RiskLevel } from "@kopru/contracts/common/v1/needs";
import { ProtectionCaseType, SafetyPlanResponsible } from "@kopru/contracts/protection/v1/case";
import {
  type ListCasesRequest,
  type OpenCaseRequest,
  type ProtectionServiceServer,
  ProtectionServiceService,
} from "@kopru/contracts/protection/v1/protection_service";
import { type GrpcServiceBinding, type RequestValidator, unary, validate } from "@kopru/service-kit";
import { addSafetyPlan } from "../../application/add-safety-plan.js";
import { assignCase } from "../../application/assign-case.js";
import { closeCase } from "../../application/close-case.js";
import { getCase } from "../../application/get-case.js";
import { listCases } from "../../application/list-cases.js";
import { openCase } from "../../application/open-case.js";
import type { Clock, ProtectionDeps } from "../../application/ports.js";
import { recordRiskAssessment } from "../../application/record-risk-assessment.js";
import type { AssessedRiskLevel } from "../../domain/index.js";
import { caseView } from "./views.js";

const STAFF_ID_MAX = 200;
const FREE_TEXT_MAX = 4000;
const _NOTE_MAX = 2000;
const ACTION_TEXT_MAX = 1000;
const MAX_ACTIONS = 50;
const MAX_AUTHORISED_USERS = 50;
const _BENEFICIARY_REF_MAX = 200;

export interface ProtectionGrpcOptions {
  deps: ProtectionDeps;
  hostedOrganisations: readonly string[];
}

function futureDate(
  v: RequestValidator,
  value: Date | undefined,
  field: string,
  clock: Clock,
): RequestValidator {
  v.date(value, field, { optional: true });
  if (value && !Number.isNaN(value.getTime()) && value.getTime() <= clock.now().getTime())
    v.fail(field, "must be in the future");
  return v;
}

function staffIds(v: RequestValidator, ids: readonly string[], field: string): RequestValidator {
  if (ids.length > MAX_AUTHORISED_USERS) v.fail(field, `may hold at most ${MAX_AUTHORISED_USERS} user ids`);
  ids.forEach((id, i) => {
    v.required(id, `${field}[${i}]`).maxLength(id, STAFF_ID_MAX, `${field}[${i}]`);
  });
  return v;
}

/** kopru.protection.v1.ProtectionService: validate → use case → response, scoped to the caller's organisation. */
export function protectionServiceBinding(options: ProtectionGrpcOptions): GrpcServiceBinding {
  const { deps, hostedOrganisations: hosted } = options;
  const handle = unary;
  const cases = caseHandlers(hosted);

  const implementation: ProtectionServiceServer = {
    openCase: cases.openCase({
      check: (v, request: OpenCaseRequest) =>
        v.enumValue(request.caseType, ProtectionCaseType, "case_type", {
          optional: Boolean(request.referralId),
        }),
      open: (caller, input, request) => openCase(deps, caller, { ...input, caseType: request.caseType }),
      respond: (opened) => ({ protectionCase: caseView(opened) }),
    }),

    getCase: cases.getCase(
      (caller, caseId) => getCase(deps, caller, caseId),
      (details) => ({
        protectionCase: caseView(details),
        riskAssessments: details.riskAssessments,
        safetyPlans: details.safetyPlans,
      }),
    ),

    listCases: cases.listCases({
      check: (v, request: ListCasesRequest) =>
        v
          .enumList(request.caseTypes, ProtectionCaseType, "case_types")
          .enumList(request.riskLevels, RiskLevel, "risk_levels"),
      list: (caller, filter, request) =>
        listCases(deps, caller, { ...filter, caseTypes: request.caseTypes, riskLevels: request.riskLevels }),
      respond: (cases, page) => ({ cases: cases.map(caseView), page }),
    }),

    assignCase: handle(async (request, context) => {
      const v = validate()
        .uuid(request.caseId, "case_id")
        .required(request.assignedCaseworkerId, "assigned_caseworker_id")
        .maxLength(request.assignedCaseworkerId, STAFF_ID_MAX, "assigned_caseworker_id");
      staffIds(v, request.authorisedUserIds, "authorised_user_ids").done();
      const assigned = await assignCase(deps, callerOf(context, hosted), {
        caseId: request.caseId,
        assignedCaseworkerId: request.assignedCaseworkerId.trim(),
        authorisedUserIds: request.authorisedUserIds.map((id) => id.trim()),
      });
      return { protectionCase: caseView(assigned) };
    }),

    recordRiskAssessment: handle(async (request, context) => {
      const v = validate()
        .uuid(request.requestId, "request_id")
        .uuid(request.caseId, "case_id")
        .enumValue(request.riskLevel, RiskLevel, "risk_level")
        .enumList(request.concerns, ProtectionConcern, "concerns")
        .maxLength(request.summary, FREE_TEXT_MAX, "summary");
      futureDate(v, request.nextReviewAt, "next_review_at", deps.clock).done();
      const assessment = await recordRiskAssessment(deps, callerOf(context, hosted), {
        requestId: request.requestId,
        caseId: request.caseId,
        riskLevel: request.riskLevel as AssessedRiskLevel,
        concerns: [...new Set(request.concerns)],
        summary: request.summary?.trim() || undefined,
        nextReviewAt: request.nextReviewAt,
      });
      return { riskAssessment: assessment };
    }),

    addSafetyPlan: handle(async (request, context) => {
      const v = validate()
        .uuid(request.requestId, "request_id")
        .uuid(request.caseId, "case_id")
        .check(request.actions.length >= 1, "actions", "needs at least one action")
        .check(request.actions.length <= MAX_ACTIONS, "actions", `may hold at most ${MAX_ACTIONS} actions`)
        .maxLength(request.notes, FREE_TEXT_MAX, "notes");
      request.actions.forEach((action, i) => {
        v.required(action.description, `actions[${i}].description`)
          .maxLength(action.description, ACTION_TEXT_MAX, `actions[${i}].description`)
          .enumValue(action.responsible, SafetyPlanResponsible, `actions[${i}].responsible`)
          .date(action.dueAt, `actions[${i}].due_at`, { optional: true });
      });
      futureDate(v, request.reviewAt, "review_at", deps.clock).done();
      const plan = await addSafetyPlan(deps, callerOf(context, hosted), {
        requestId: request.requestId,
        caseId: request.caseId,
        actions: request.actions.map((a) => ({
          description: a.description.trim(),
          responsible: a.responsible,
          dueAt: a.dueAt,
          done: a.done,
        })),
        notes: request.notes?.trim() || undefined,
        reviewAt: request.reviewAt,
      });
      return { safetyPlan: plan };
    }),

    closeCase: cases.closeCase(
      (caller, input) => closeCase(deps, caller, input),
      (closed) => ({ protectionCase: caseView(closed) }),
    ),
  };

  return caseApiBinding("kopru.protection.v1.ProtectionService", ProtectionServiceService, implementation);
}
