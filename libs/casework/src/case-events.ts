import { appendToOutbox, type NewEvent } from "@kopru/bus";
import type { Sql } from "@kopru/storage";
import type { CaseState } from "./case-state.js";
import type { ReferralForCase } from "./referrals.js";
import { caseAggregate } from "./views.js";

type CaseOfEvent = Pick<CaseState, "caseId" | "organisationId" | "eventSequence">;

/**
 * A receiving service's case events, into the outbox of the transaction that changed the case: each is
 * produced by the case's organisation and placed in the case's own ordered stream (`aggregateType`);
 * `onAppend` then wakes the relay.
 */
export function caseEventOutbox(sql: Sql, service: string, aggregateType: string, onAppend: () => void) {
  return async function append<T>(state: CaseOfEvent, event: Omit<NewEvent<T>, "aggregate">): Promise<void> {
    await appendToOutbox(
      sql,
      { organisationId: state.organisationId, service },
      { ...event, aggregate: caseAggregate(aggregateType, state) },
    );
    onAppend();
  };
}

/** The facts every case-opened event carries (a service adds its own), and where the journey started. */
export function caseOpenedEvent(
  state: Pick<CaseState, "caseId" | "organisationId" | "openedAt" | "disaggregation">,
  referral: Pick<ReferralForCase, "referralId" | "rootReferralId"> | undefined,
) {
  return {
    facts: {
      caseId: state.caseId,
      organisationId: state.organisationId,
      referralId: referral?.referralId,
      openedAt: state.openedAt,
      disaggregation: state.disaggregation,
    },
    correlationId: referral?.rootReferralId,
    occurredAt: state.openedAt,
  };
}

/** The case's PII-free events every receiving service announces, into the outbox of the same transaction. */
export interface CaseLifeEvents<State> {
  opened(state: State, referral: ReferralForCase | undefined): Promise<void>;
  closed(state: State): Promise<void>;
}
