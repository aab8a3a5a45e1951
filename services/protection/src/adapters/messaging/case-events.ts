import { appendToOutbox } from "@kopru/bus";
import { caseAggregate, caseClosedFacts } from "@kopru/casework";
import { EVENTS } from "@kopru/events";
import type { Sql } from "@kopru/storage";
import type { CaseEvents } from "../../application/ports.js";
import { eventDisaggregation } from "../../domain/index.js";

/** Aggregate type of case events: the opening is sequence 1, each further event of the case the next. */
export const CASE_AGGREGATE = "protection-case";

/**
 * ProtectionCaseOpened / ProtectionCaseClosed into the outbox of the transaction that changed the
 * case. PII-free by contract: ids, codes, times and (trimmed for restricted cases) disaggregation.
 */
export function caseEvents(sql: Sql, service: string, onAppend: () => void): CaseEvents {
  return {
    async opened(state, referral) {
      await appendToOutbox(
        sql,
        { organisationId: state.organisationId, service },
        {
          definition: EVENTS.protectionCaseOpened,
          payload: {
            caseId: state.caseId,
            organisationId: state.organisationId,
            referralId: referral?.referralId,
            caseType: state.caseType,
            openedAt: state.openedAt,
            disaggregation: eventDisaggregation(state),
          },
          correlationId: referral?.rootReferralId,
          occurredAt: state.openedAt,
          aggregate: caseAggregate(CASE_AGGREGATE, state),
        },
      );
      onAppend();
    },

    async closed(state) {
      await appendToOutbox(
        sql,
        { organisationId: state.organisationId, service },
        {
          definition: EVENTS.protectionCaseClosed,
          payload: {
            ...caseClosedFacts(state),
            caseType: state.caseType,
          },
          occurredAt: state.closedAt,
          aggregate: caseAggregate(CASE_AGGREGATE, state),
        },
      );
      onAppend();
    },
  };
}
