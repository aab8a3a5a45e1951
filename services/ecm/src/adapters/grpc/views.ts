import { caseCoreView } from "@kopru/casework";
import type { AssistanceItem, EcmCase } from "@kopru/contracts/ecm/v1/case";
import type { CaseSummary } from "../../application/ports.js";
import type { AssistanceItemState } from "../../domain/index.js";

/** A case as the API shows it (internal notes and bookkeeping stay inside). */
export function caseView(summary: CaseSummary): EcmCase {
  return { ...caseCoreView(summary.record), latestAssessment: summary.latestAssessment };
}

/** An item as the API shows it: once delivered, `amount` is what reached the person. */
export function itemView(item: AssistanceItemState): AssistanceItem {
  return {
    assistanceItemId: item.assistanceItemId,
    caseId: item.caseId,
    referralId: item.referralId,
    kind: item.kind,
    amount: item.deliveredAmount ?? item.amount,
    description: item.description,
    status: item.status,
    paymentChannel: item.paymentChannel,
    plannedAt: item.plannedAt,
    plannedBy: item.plannedBy,
    approvedAt: item.approvedAt,
    approvedBy: item.approvedBy,
    deliveredAt: item.deliveredAt,
    cancelledAt: item.cancelledAt,
  };
}
