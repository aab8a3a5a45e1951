import { OutcomeCode as O, ReferralStatus as S } from "@kopru/contracts/common/v1/vocabulary";
import type { TrackingFilter } from "../../application/ports.js";

// The tracking read model's conditions in SQL, over `tracked_referrals t`, `tracked_outcomes o` and
// `tracked_follow_ups f`: shared by the figures (from rows and from the rollup) and the lists.

/** Collects parameters and WHERE conditions for a tracking filter. */
export class Where {
  readonly params: unknown[];
  private readonly conditions: string[] = [];

  constructor(params: unknown[] = []) {
    this.params = params;
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  add(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  anyOf(column: string, values: readonly (string | number)[], type: "text" | "int"): this {
    if (values.length > 0) this.add(`t.${column} = ANY(${this.param(values)}::${type}[])`);
    return this;
  }

  filter(filter: TrackingFilter): this {
    if (filter.requestedFrom) this.add(`t.requested_at >= ${this.param(filter.requestedFrom)}`);
    if (filter.requestedBefore) this.add(`t.requested_at < ${this.param(filter.requestedBefore)}`);
    this.anyOf("target_organisation_id", filter.targetOrganisationIds, "text")
      .anyOf("referrer_organisation_id", filter.referrerOrganisationIds, "text")
      .anyOf("service_type", filter.serviceTypes, "int")
      .anyOf("province_code", filter.provinceCodes, "text")
      .anyOf("priority", filter.priorities, "int")
      .anyOf("sex", filter.sexes, "int")
      .anyOf("age_band", filter.ageBands, "int")
      .anyOf("disability_status", filter.disabilityStatuses, "int")
      .anyOf("nationality", filter.nationalities, "text");
    if (filter.involving) {
      const org = this.param(filter.involving);
      this.add(`(t.referrer_organisation_id = ${org} OR t.target_organisation_id = ${org})`);
    }
    return this;
  }

  toString(): string {
    return this.conditions.length > 0 ? `WHERE ${this.conditions.join(" AND ")}` : "";
  }
}

export const AWAITING_ANSWER = `t.status IN (${S.REFERRAL_STATUS_REQUESTED}, ${S.REFERRAL_STATUS_RECEIVED})`;
export const OPEN = `t.status IN (${S.REFERRAL_STATUS_REQUESTED}, ${S.REFERRAL_STATUS_RECEIVED}, ${S.REFERRAL_STATUS_ACCEPTED}, ${S.REFERRAL_STATUS_ON_HOLD}, ${S.REFERRAL_STATUS_IN_PROGRESS})`;
export const REACHED_ACCEPTED = `(t.accepted_at IS NOT NULL OR t.started_at IS NOT NULL OR t.completed_at IS NOT NULL
  OR t.status IN (${S.REFERRAL_STATUS_ACCEPTED}, ${S.REFERRAL_STATUS_IN_PROGRESS}, ${S.REFERRAL_STATUS_COMPLETED}, ${S.REFERRAL_STATUS_NOT_COMPLETED}))`;
export const ACKNOWLEDGED = `(t.received_at IS NOT NULL OR t.responded_at IS NOT NULL OR ${REACHED_ACCEPTED})`;
/**
 * Accepted, still open, and past its follow-up deadline by coordination's clock (whether or not the
 * target's escalation arrived yet). Needs `tracked_follow_ups f` joined.
 */
export const followUpOverdue = (now: string) => `(${FOLLOW_UP_RUNNING} AND f.follow_up_due_at < ${now})`;
/** Accepted, still open, its follow-up deadline running (overdue once it passes). Needs `f` joined. */
export const FOLLOW_UP_RUNNING = `(${OPEN} AND f.follow_up_stage IN (1, 2, 3))`;

export const SECONDS_TO_ACCEPT = "extract(epoch FROM (t.accepted_at - t.requested_at))::double precision";
export const SECONDS_TO_COMPLETE = `CASE WHEN t.status = ${S.REFERRAL_STATUS_COMPLETED}
  THEN extract(epoch FROM (t.completed_at - t.requested_at))::double precision END`;

/** The latest outcome codes of a referral: its last outcome report, else the closing transition's. */
const OUTCOME_CODES = "COALESCE(o.outcome_codes, t.outcome_codes)";
const CLOSED = `t.status IN (${S.REFERRAL_STATUS_COMPLETED}, ${S.REFERRAL_STATUS_NOT_COMPLETED})`;
/** Nothing received: NO_SERVICE_PROVIDED, or not completed with no codes at all. */
export const NOT_RECEIVED = `(${CLOSED} AND (${OUTCOME_CODES} @> ARRAY[${O.OUTCOME_CODE_NO_SERVICE_PROVIDED}]::integer[]
  OR (t.status = ${S.REFERRAL_STATUS_NOT_COMPLETED} AND cardinality(${OUTCOME_CODES}) = 0)))`;
/** Partly received: SERVICE_PROVIDED_PARTIAL, or not completed with some service given. */
export const PARTLY_RECEIVED = `(${CLOSED} AND NOT ${NOT_RECEIVED} AND (${OUTCOME_CODES} @> ARRAY[${O.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL}]::integer[]
  OR t.status = ${S.REFERRAL_STATUS_NOT_COMPLETED}))`;
export const RECEIVED = `(t.status = ${S.REFERRAL_STATUS_COMPLETED} AND NOT ${NOT_RECEIVED} AND NOT ${PARTLY_RECEIVED})`;
