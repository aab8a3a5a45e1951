import { callerOf, caseApiBinding, caseHandlers } from "@kopru/casework";
import { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import {
  CounsellingSessionType,
  CounsellingTopic,
  SessionModality,
} from "@kopru/contracts/municipality/v1/case";
import {
  type MunicipalityServiceServer,
  MunicipalityServiceService,
} from "@kopru/contracts/municipality/v1/municipality_service";
import { nextPage, readPage } from "@kopru/referral";
import { type GrpcServiceBinding, type RequestValidator, unary, validate } from "@kopru/service-kit";
import { closeCase } from "../../application/close-case.js";
import { getCase } from "../../application/get-case.js";
import { listCases } from "../../application/list-cases.js";
import { listCentres } from "../../application/list-centres.js";
import { openCase } from "../../application/open-case.js";
import type { MunicipalityDeps } from "../../application/ports.js";
import { recordCounsellingSession } from "../../application/record-counselling-session.js";
import { recordDirectAssistance } from "../../application/record-direct-assistance.js";
import {
  counsellingSessionViolations,
  directAssistanceViolations,
  normaliseAmount,
  type RuleViolation,
} from "../../domain/index.js";
import { assistanceView, caseView, centreView, sessionView } from "./views.js";

const P_CODE = /^TUR\d{3}$/;
const MAX_REF_LENGTH = 128;

function withRules(v: RequestValidator, violations: readonly RuleViolation[]): RequestValidator {
  for (const violation of violations) v.fail(violation.field, violation.description);
  return v;
}

/**
 * kopru.municipality.v1.MunicipalityService: validate (every bad field named) → use case → view.
 * Every call but ListCentres is scoped to the caller's MMCC; another MMCC's case answers NOT_FOUND.
 */
export function municipalityBinding(
  deps: MunicipalityDeps,
  options: { hostedOrganisations: readonly string[] },
): GrpcServiceBinding {
  const hosted = options.hostedOrganisations;
  const cases = caseHandlers(hosted);

  const implementation: MunicipalityServiceServer = {
    listCentres: unary(async (request) => {
      const v = validate();
      for (const [i, code] of request.provinceCodes.entries())
        v.check(P_CODE.test(code), `province_codes[${i}]`, 'must be an ADM1 p-code such as "TUR027"');
      v.done();
      const page = readPage(request.page);
      const centres = await listCentres(deps, { provinceCodes: request.provinceCodes, ...page });
      return { centres: centres.map(centreView), page: nextPage(centres.length, page) };
    }),

    openCase: cases.openCase({
      open: (caller, input) => openCase(deps, caller, input),
      respond: (record) => ({ municipalityCase: caseView(record) }),
    }),

    getCase: cases.getCase(
      (caller, caseId) => getCase(deps, caller, caseId),
      (result) => ({
        municipalityCase: caseView(result.record),
        counsellingSessions: result.sessions.map(sessionView),
        directAssistance: result.assistance.map(assistanceView),
      }),
    ),

    listCases: cases.listCases({
      refMax: MAX_REF_LENGTH,
      list: (caller, filter) => listCases(deps, caller, filter),
      respond: (cases, page) => ({ municipalityCases: cases.map(caseView), page }),
    }),

    recordCounsellingSession: unary(async (request, context) => {
      const v = validate()
        .uuid(request.requestId, "request_id")
        .uuid(request.caseId, "case_id")
        .enumValue(request.sessionType, CounsellingSessionType, "session_type")
        .enumValue(request.modality, SessionModality, "modality")
        .enumList(request.topics, CounsellingTopic, "topics", { min: 1 });
      const now = deps.clock.now();
      withRules(
        v,
        counsellingSessionViolations(
          {
            ...request,
            heldAt: request.heldAt ?? now,
            interpreterLanguage: request.interpreterLanguage || undefined,
            notes: request.notes || undefined,
          },
          now,
        ),
      ).done();
      const session = await recordCounsellingSession(deps, callerOf(context, hosted), {
        requestId: request.requestId,
        caseId: request.caseId,
        sessionType: request.sessionType,
        modality: request.modality,
        topics: request.topics,
        interpreterUsed: request.interpreterUsed,
        interpreterLanguage: request.interpreterLanguage || undefined,
        durationMinutes: request.durationMinutes,
        heldAt: request.heldAt,
        notes: request.notes || undefined,
      });
      return { counsellingSession: sessionView(session) };
    }),

    recordDirectAssistance: unary(async (request, context) => {
      const v = validate()
        .uuid(request.requestId, "request_id")
        .uuid(request.caseId, "case_id")
        .uuid(request.referralId, "referral_id", { optional: true })
        .enumValue(request.kind, AssistanceKind, "kind");
      const now = deps.clock.now();
      withRules(
        v,
        directAssistanceViolations(
          {
            kind: request.kind,
            amount: normaliseAmount(request.amount),
            description: request.description,
            providedAt: request.providedAt ?? now,
          },
          now,
        ),
      ).done();
      const assistance = await recordDirectAssistance(deps, callerOf(context, hosted), {
        requestId: request.requestId,
        caseId: request.caseId,
        referralId: request.referralId || undefined,
        kind: request.kind,
        amount: request.amount,
        description: request.description || undefined,
        providedAt: request.providedAt,
      });
      return { directAssistance: assistanceView(assistance) };
    }),

    closeCase: cases.closeCase(
      (caller, input) => closeCase(deps, caller, input),
      (closed) => ({ municipalityCase: caseView(closed) }),
    ),
  };

  return caseApiBinding(
    "kopru.municipality.v1.MunicipalityService",
    MunicipalityServiceService,
    implementation,
  );
}
