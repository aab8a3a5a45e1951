import { caseClosedFacts, caseEventOutbox, caseOpenedEvent } from "@kopru/casework";
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
  const append = caseEventOutbox(sql, service, CASE_AGGREGATE, onAppend);
  return {
    async opened(state, referral) {
      const { facts, ...journey } = caseOpenedEvent(state, referral);
      await append(state, {
        definition: EVENTS.protectionCaseOpened,
        payload: { ...facts, caseType: state.caseType, disaggregation: eventDisaggregation(state) },
        ...journey,
      });
    },

    async closed(state) {
      await append(state, {
        definition: EVENTS.protectionCaseClosed,
        payload: { ...caseClosedFacts(state), caseType: state.caseType },
        occurredAt: state.closedAt,
      });
    },
  };
}
