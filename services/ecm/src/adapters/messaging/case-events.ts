import { caseClosedFacts, caseEventOutbox, caseOpenedEvent } from "@kopru/casework";
import { EVENTS } from "@kopru/events";
import type { Sql } from "@kopru/storage";
import type { CaseEvents } from "../../application/ports.js";

/**
 * Aggregate type of case events: the opening is sequence 1, each further event of the case (assistance
 * delivered, closed) the next, so a consumer of `kopru.v1.case.ecm.>` applies them in order.
 */
export const CASE_AGGREGATE = "ecm-case";

/**
 * EcmCaseOpened / AssistanceDelivered / EcmCaseClosed into the outbox of the transaction that changed
 * the case. PII-free by contract: ids, codes, amounts, times and disaggregation; never payment details.
 */
export function caseEvents(sql: Sql, service: string, onAppend: () => void): CaseEvents {
  const append = caseEventOutbox(sql, service, CASE_AGGREGATE, onAppend);
  return {
    async opened(state, referral) {
      const { facts, ...journey } = caseOpenedEvent(state, referral);
      await append(state, { definition: EVENTS.ecmCaseOpened, payload: facts, ...journey });
    },

    async delivered(state, item) {
      await append(state, {
        definition: EVENTS.assistanceDelivered,
        payload: {
          assistanceItemId: item.assistanceItemId,
          caseId: state.caseId,
          organisationId: state.organisationId,
          referralId: item.referralId,
          kind: item.kind,
          amount: item.deliveredAmount,
          deliveredAt: item.deliveredAt,
          disaggregation: state.disaggregation,
        },
        occurredAt: item.deliveryRecordedAt,
      });
    },

    async closed(state) {
      await append(state, {
        definition: EVENTS.ecmCaseClosed,
        payload: caseClosedFacts(state),
        occurredAt: state.closedAt,
      });
    },
  };
}
