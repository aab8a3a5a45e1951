import { appendToOutbox } from "@kopru/bus";
import { EVENTS } from "@kopru/events";
import type { CaseEvents, CaseRecord } from "../../application/ports.js";

/** Aggregate type of the case events: one sequence per case, 1 = opened. */
export const CASE_AGGREGATE = "municipality-case";

/**
 * The case facts, written to the outbox of the use case's transaction. PII-free by contract: ids,
 * codes, amounts, times and the disaggregation bands; never notes, names or the beneficiary ref.
 */
export function caseEvents(service: string): CaseEvents {
  const producer = (record: CaseRecord) => ({ organisationId: record.organisationId, service });
  const aggregate = (record: CaseRecord) => ({
    type: CASE_AGGREGATE,
    id: record.caseId,
    sequence: record.eventSequence,
  });
  return {
    async caseOpened(sql, record, referralId) {
      await appendToOutbox(sql, producer(record), {
        definition: EVENTS.municipalityCaseOpened,
        payload: {
          caseId: record.caseId,
          organisationId: record.organisationId,
          referralId,
          openedAt: record.openedAt,
          disaggregation: record.disaggregation,
        },
        aggregate: aggregate(record),
      });
    },

    async sessionRecorded(sql, record, session) {
      await appendToOutbox(sql, producer(record), {
        definition: EVENTS.counsellingSessionRecorded,
        payload: {
          sessionId: session.sessionId,
          caseId: record.caseId,
          organisationId: record.organisationId,
          sessionType: session.sessionType,
          modality: session.modality,
          topics: [...session.topics],
          interpreterUsed: session.interpreterUsed,
          durationMinutes: session.durationMinutes,
          heldAt: session.heldAt,
          disaggregation: record.disaggregation,
        },
        aggregate: aggregate(record),
      });
    },

    async assistanceProvided(sql, record, assistance) {
      await appendToOutbox(sql, producer(record), {
        definition: EVENTS.directAssistanceProvided,
        payload: {
          directAssistanceId: assistance.directAssistanceId,
          caseId: record.caseId,
          organisationId: record.organisationId,
          referralId: assistance.referralId,
          kind: assistance.kind,
          amount: assistance.amount,
          providedAt: assistance.providedAt,
          disaggregation: record.disaggregation,
        },
        aggregate: aggregate(record),
      });
    },

    async caseClosed(sql, record) {
      await appendToOutbox(sql, producer(record), {
        definition: EVENTS.municipalityCaseClosed,
        payload: {
          caseId: record.caseId,
          organisationId: record.organisationId,
          closureReason: record.closureReason,
          openedAt: record.openedAt,
          closedAt: record.closedAt,
        },
        aggregate: aggregate(record),
      });
    },
  };
}
