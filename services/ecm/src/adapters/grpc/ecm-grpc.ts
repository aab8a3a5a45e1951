import { callerOf, caseApiBinding, caseHandlers } from "@kopru/casework";
import { AssistanceKind } from "@kopru/contracts/common/v1/vocabulary";
import { NeedSeverity } from "@kopru/contracts/ecm/v1/case";
import { type EcmServiceServer, EcmServiceService } from "@kopru/contracts/ecm/v1/ecm_service";
import { PaymentChannel } from "@kopru/contracts/referral/v1/package";
import { type GrpcServiceBinding, unary, validate } from "@kopru/service-kit";
import { addAssistanceItem } from "../../application/add-assistance-item.js";
import { approveAssistanceItem } from "../../application/approve-assistance-item.js";
import { cancelAssistanceItem } from "../../application/cancel-assistance-item.js";
import { closeCase } from "../../application/close-case.js";
import { getCase } from "../../application/get-case.js";
import { listCases } from "../../application/list-cases.js";
import { markAssistanceDelivered } from "../../application/mark-assistance-delivered.js";
import { openCase } from "../../application/open-case.js";
import type { EcmDeps } from "../../application/ports.js";
import { recordAssessment } from "../../application/record-assessment.js";
import { moneyProblems, planningProblems } from "../../domain/index.js";
import { caseView, itemView } from "./views.js";

const FREE_TEXT_MAX = 4000;
const NOTE_MAX = 2000;
const DESCRIPTION_MAX = 500;
/** A delivery time may be this far ahead of the server's clock (clock skew), not more. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface EcmGrpcOptions {
  deps: EcmDeps;
  hostedOrganisations: readonly string[];
}

/** kopru.ecm.v1.EcmService: validate → use case → response, scoped to the caller's organisation. */
export function ecmServiceBinding(options: EcmGrpcOptions): GrpcServiceBinding {
  const { deps, hostedOrganisations: hosted } = options;
  const handle = unary;
  const cases = caseHandlers(hosted);

  const implementation: EcmServiceServer = {
    openCase: cases.openCase({
      open: (caller, input) => openCase(deps, caller, input),
      respond: (opened) => ({ ecmCase: caseView(opened) }),
    }),

    getCase: cases.getCase(
      (caller, caseId) => getCase(deps, caller, caseId),
      (details) => ({
        ecmCase: caseView(details),
        assessments: details.assessments,
        assistanceItems: details.items.map(itemView),
      }),
    ),

    listCases: cases.listCases({
      list: (caller, filter) => listCases(deps, caller, filter),
      respond: (cases, page) => ({ ecmCases: cases.map(caseView), page }),
    }),

    recordAssessment: handle(async (request, context) => {
      validate()
        .uuid(request.requestId, "request_id")
        .uuid(request.caseId, "case_id")
        .enumList(request.needsIdentified, AssistanceKind, "needs_identified", { min: 1 })
        .enumValue(request.severity, NeedSeverity, "severity")
        .maxLength(request.summary, FREE_TEXT_MAX, "summary")
        .done();
      const assessment = await recordAssessment(deps, callerOf(context, hosted), {
        requestId: request.requestId,
        caseId: request.caseId,
        needsIdentified: [...new Set(request.needsIdentified)],
        severity: request.severity,
        summary: request.summary?.trim() || undefined,
      });
      return { assessment };
    }),

    addAssistanceItem: handle(async (request, context) => {
      const v = validate()
        .uuid(request.requestId, "request_id")
        .uuid(request.caseId, "case_id")
        .uuid(request.referralId, "referral_id", { optional: true })
        .enumValue(request.kind, AssistanceKind, "kind")
        .enumValue(request.paymentChannel, PaymentChannel, "payment_channel", { optional: true })
        .maxLength(request.description, DESCRIPTION_MAX, "description");
      const planned = { kind: request.kind, amount: request.amount, paymentChannel: request.paymentChannel };
      for (const problem of planningProblems(planned)) v.fail(problem.field, problem.description);
      v.done();
      const item = await addAssistanceItem(deps, callerOf(context, hosted), {
        requestId: request.requestId,
        caseId: request.caseId,
        referralId: request.referralId || undefined,
        kind: request.kind,
        amount: { amountMinor: request.amount?.amountMinor ?? 0, currency: request.amount?.currency ?? "" },
        description: request.description?.trim() || undefined,
        paymentChannel: request.paymentChannel,
      });
      return { assistanceItem: itemView(item) };
    }),

    approveAssistanceItem: handle(async (request, context) => {
      validate().uuid(request.assistanceItemId, "assistance_item_id").done();
      const item = await approveAssistanceItem(deps, callerOf(context, hosted), request.assistanceItemId);
      return { assistanceItem: itemView(item) };
    }),

    markAssistanceDelivered: handle(async (request, context) => {
      const v = validate()
        .uuid(request.assistanceItemId, "assistance_item_id")
        .date(request.deliveredAt, "delivered_at", { optional: true });
      const at = request.deliveredAt?.getTime();
      if (at !== undefined && at > deps.clock.now().getTime() + CLOCK_SKEW_MS)
        v.fail("delivered_at", "must not be in the future");
      if (request.deliveredAmount)
        for (const problem of moneyProblems(request.deliveredAmount, "delivered_amount"))
          v.fail(problem.field, problem.description);
      v.done();
      const item = await markAssistanceDelivered(deps, callerOf(context, hosted), {
        assistanceItemId: request.assistanceItemId,
        deliveredAt: request.deliveredAt,
        deliveredAmount: request.deliveredAmount,
      });
      return { assistanceItem: itemView(item) };
    }),

    cancelAssistanceItem: handle(async (request, context) => {
      validate()
        .uuid(request.assistanceItemId, "assistance_item_id")
        .maxLength(request.internalNote, NOTE_MAX, "internal_note")
        .done();
      const item = await cancelAssistanceItem(deps, callerOf(context, hosted), {
        assistanceItemId: request.assistanceItemId,
        internalNote: request.internalNote?.trim() || undefined,
      });
      return { assistanceItem: itemView(item) };
    }),

    closeCase: cases.closeCase(
      (caller, input) => closeCase(deps, caller, input),
      (closed) => ({ ecmCase: caseView(closed) }),
    ),
  };

  return caseApiBinding("kopru.ecm.v1.EcmService", EcmServiceService, implementation);
}
