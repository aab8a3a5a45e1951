import { ReferralStatus as S } from "@kopru/contracts/common/v1/vocabulary";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import { isKnownPriority, isTerminal, respondBy } from "@kopru/referral/domain";
import type { TrackedReferralRecord, TrackingRepository, TransitionRecord } from "../../application/ports.js";
import { pageOf } from "./directory-store.js";
import { figureGroups, figureGroupsAndTotal, markingFigures, overdueTotals } from "./figure-rollup.js";
import { AWAITING_ANSWER, followUpOverdue, Where } from "./tracking-sql.js";
import {
  applyStatusRows,
  deferredWrites,
  type StatusRow,
  type TrackingStatements,
  type VersionedRow,
} from "./tracking-writes.js";

/** Statuses by which the target answered the referral (the answer deadline is met). */
const ANSWERS: readonly number[] = [
  S.REFERRAL_STATUS_ACCEPTED,
  S.REFERRAL_STATUS_DECLINED,
  S.REFERRAL_STATUS_ON_HOLD,
  S.REFERRAL_STATUS_REDIRECTED,
];

/**
 * Upsert of one referral from one of its events. Identity, status, reasons and outcomes follow the
 * newest event (by sequence); milestones keep the earliest time seen, so an event applied late
 * (after its predecessor was dead-lettered and replayed) never moves the referral backwards.
 */
const REFERRAL_COLUMNS: readonly (readonly [string, string])[] = [
  ["referral_id", "text"],
  ["root_referral_id", "text"],
  ["parent_referral_id", "text"],
  ["redirect_child_referral_id", "text"],
  ["origin", "integer"],
  ["referrer_organisation_id", "text"],
  ["target_organisation_id", "text"],
  ["service_offering_id", "text"],
  ["service_type", "integer"],
  ["priority", "integer"],
  ["status", "integer"],
  ["sequence", "bigint"],
  ["decline_reason", "integer"],
  ["not_completed_reason", "integer"],
  ["cancel_reason", "integer"],
  ["on_hold_reason", "integer"],
  ["redirect_reason", "integer"],
  ["outcome_codes", "integer[]"],
  ["requested_at", "timestamptz"],
  ["respond_by", "timestamptz"],
  ["received_at", "timestamptz"],
  ["responded_at", "timestamptz"],
  ["accepted_at", "timestamptz"],
  ["started_at", "timestamptz"],
  ["completed_at", "timestamptz"],
  ["closed_at", "timestamptz"],
  ["sex", "integer"],
  ["age_band", "integer"],
  ["disability_status", "integer"],
  ["nationality", "text"],
  ["legal_status", "integer"],
  ["province_code", "text"],
  ["district_code", "text"],
  ["updated_at", "timestamptz"],
];
const REFERRAL_COLUMN_NAMES = REFERRAL_COLUMNS.map(([name]) => name).join(", ");

/**
 * Applies status events to their referrals, several referrals in one statement: each event is
 * recorded in `tracked_events` (a redelivered event id is skipped there, so it changes nothing),
 * the fresh ones are upserted into `tracked_referrals` and the referrals they changed are marked
 * for the figures. Identity, status, reasons and outcomes follow the newest event (by sequence);
 * milestones keep the earliest time seen, so an event applied late (after its predecessor was
 * dead-lettered and replayed) never moves the referral backwards. One upsert cannot change a row
 * twice, so the caller passes at most one event per referral.
 */
const APPLY_STATUS_EVENTS = `
WITH x AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, to_status integer, occurred_at timestamptz,
    transition text, ${REFERRAL_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ")})
), fresh AS (
  INSERT INTO tracked_events (event_id, referral_id, sequence, to_status, occurred_at, transition)
  SELECT event_id, referral_id, sequence, to_status, occurred_at, decode(transition, 'base64') FROM x
  ON CONFLICT DO NOTHING RETURNING event_id
), changed AS (
  INSERT INTO tracked_referrals AS t (${REFERRAL_COLUMN_NAMES})
  SELECT ${REFERRAL_COLUMN_NAMES} FROM x WHERE x.event_id IN (SELECT event_id FROM fresh)
  ON CONFLICT (referral_id) DO UPDATE SET
  redirect_child_referral_id = COALESCE(t.redirect_child_referral_id, EXCLUDED.redirect_child_referral_id),
  received_at = LEAST(t.received_at, EXCLUDED.received_at),
  responded_at = LEAST(t.responded_at, EXCLUDED.responded_at),
  accepted_at = LEAST(t.accepted_at, EXCLUDED.accepted_at),
  started_at = LEAST(t.started_at, EXCLUDED.started_at),
  completed_at = LEAST(t.completed_at, EXCLUDED.completed_at),
  closed_at = LEAST(t.closed_at, EXCLUDED.closed_at),
  ${[
    "root_referral_id",
    "parent_referral_id",
    "origin",
    "referrer_organisation_id",
    "target_organisation_id",
    "service_offering_id",
    "service_type",
    "priority",
    "status",
    "decline_reason",
    "not_completed_reason",
    "cancel_reason",
    "on_hold_reason",
    "redirect_reason",
    "outcome_codes",
    "requested_at",
    "respond_by",
    "sex",
    "age_band",
    "disability_status",
    "nationality",
    "legal_status",
    "province_code",
    "district_code",
    "updated_at",
  ]
    .map(
      (column) =>
        `${column} = CASE WHEN EXCLUDED.sequence > t.sequence THEN EXCLUDED.${column} ELSE t.${column} END`,
    )
    .join(",\n  ")},
  sequence = GREATEST(t.sequence, EXCLUDED.sequence)
  RETURNING t.referral_id
)
INSERT INTO figure_dirty (referral_id) SELECT referral_id FROM changed`;

/** Keeps each referral's newest outcome report (by version) and marks the referrals it changed. */
const APPLY_OUTCOME_REPORTS =
  markingFigures(`INSERT INTO tracked_outcomes AS o (referral_id, outcome_codes, version, completed_at, reported_at)
  SELECT referral_id, outcome_codes, version, completed_at, reported_at
    FROM jsonb_to_recordset($1::jsonb) AS x(referral_id text, outcome_codes integer[], version integer,
      completed_at timestamptz, reported_at timestamptz)
  ON CONFLICT (referral_id) DO UPDATE SET
    outcome_codes = EXCLUDED.outcome_codes, version = EXCLUDED.version,
    completed_at = EXCLUDED.completed_at, reported_at = EXCLUDED.reported_at
  WHERE o.version < EXCLUDED.version RETURNING o.referral_id`);

/** Keeps each referral's newest follow-up state (by version) and marks the referrals it changed. */
const APPLY_FOLLOW_UPS =
  markingFigures(`INSERT INTO tracked_follow_ups AS f (referral_id, assigned, follow_up_stage, follow_up_due_at, version, occurred_at)
  SELECT referral_id, assigned, follow_up_stage, follow_up_due_at, version, occurred_at
    FROM jsonb_to_recordset($1::jsonb) AS x(referral_id text, assigned boolean, follow_up_stage integer,
      follow_up_due_at timestamptz, version integer, occurred_at timestamptz)
  ON CONFLICT (referral_id) DO UPDATE SET
    assigned = EXCLUDED.assigned, follow_up_stage = EXCLUDED.follow_up_stage,
    follow_up_due_at = EXCLUDED.follow_up_due_at, version = EXCLUDED.version,
    occurred_at = EXCLUDED.occurred_at
  WHERE f.version < EXCLUDED.version RETURNING f.referral_id`);

const STATEMENTS: TrackingStatements = {
  status: APPLY_STATUS_EVENTS,
  outcomes: APPLY_OUTCOME_REPORTS,
  followUps: APPLY_FOLLOW_UPS,
};

/** Every column of a referral plus its children (any origin) and the child that re-routed it. */
const REFERRAL_SELECT = `
SELECT t.*,
  ARRAY(SELECT c.referral_id FROM tracked_referrals c
         WHERE c.parent_referral_id = t.referral_id ORDER BY c.requested_at, c.referral_id) AS children,
  (SELECT c.referral_id FROM tracked_referrals c
    WHERE c.parent_referral_id = t.referral_id AND c.origin = 4 ORDER BY c.requested_at LIMIT 1) AS rerouted_as,
  (SELECT o.outcome_codes FROM tracked_outcomes o WHERE o.referral_id = t.referral_id) AS reported_outcome_codes,
  f.assigned AS follow_up_assigned, f.follow_up_stage, f.follow_up_due_at
FROM tracked_referrals t
LEFT JOIN tracked_follow_ups f ON f.referral_id = t.referral_id`;

interface ReferralRow {
  referral_id: string;
  root_referral_id: string;
  parent_referral_id: string | null;
  redirect_child_referral_id: string | null;
  origin: number;
  referrer_organisation_id: string;
  target_organisation_id: string;
  service_offering_id: string | null;
  service_type: number;
  priority: number;
  status: number;
  sequence: number;
  decline_reason: number;
  not_completed_reason: number;
  cancel_reason: number;
  on_hold_reason: number;
  redirect_reason: number;
  outcome_codes: number[];
  requested_at: Date;
  respond_by: Date;
  received_at: Date | null;
  responded_at: Date | null;
  accepted_at: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  closed_at: Date | null;
  updated_at: Date;
  sex: number;
  age_band: number;
  disability_status: number;
  nationality: string;
  legal_status: number;
  province_code: string;
  district_code: string;
  reroute_requested_at: Date | null;
  reroute_reason: number | null;
  children: string[] | null;
  rerouted_as: string | null;
  reported_outcome_codes: number[] | null;
  follow_up_assigned: boolean | null;
  follow_up_stage: number | null;
  follow_up_due_at: Date | null;
}

const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

function toRecord(row: ReferralRow): TrackedReferralRecord {
  const children = new Set(row.children ?? []);
  if (row.redirect_child_referral_id) children.add(row.redirect_child_referral_id);
  return {
    referralId: row.referral_id,
    rootReferralId: row.root_referral_id,
    parentReferralId: orUndefined(row.parent_referral_id),
    childReferralIds: [...children],
    origin: row.origin,
    referrerOrganisationId: row.referrer_organisation_id,
    targetOrganisationId: row.target_organisation_id,
    serviceOfferingId: orUndefined(row.service_offering_id),
    serviceType: row.service_type,
    priority: row.priority,
    status: row.status,
    sequence: row.sequence,
    declineReason: row.decline_reason,
    notCompletedReason: row.not_completed_reason,
    cancelReason: row.cancel_reason,
    onHoldReason: row.on_hold_reason,
    redirectReason: row.redirect_reason,
    outcomeCodes: row.reported_outcome_codes ?? row.outcome_codes ?? [],
    requestedAt: row.requested_at,
    respondBy: row.respond_by,
    receivedAt: orUndefined(row.received_at),
    respondedAt: orUndefined(row.responded_at),
    acceptedAt: orUndefined(row.accepted_at),
    startedAt: orUndefined(row.started_at),
    completedAt: orUndefined(row.completed_at),
    closedAt: orUndefined(row.closed_at),
    updatedAt: row.updated_at,
    sex: row.sex,
    ageBand: row.age_band,
    disabilityStatus: row.disability_status,
    nationality: row.nationality,
    legalStatus: row.legal_status,
    provinceCode: row.province_code,
    districtCode: row.district_code,
    rerouteRequestedAt: orUndefined(row.reroute_requested_at),
    rerouteReason: orUndefined(row.reroute_reason),
    reroutedAs: orUndefined(row.rerouted_as),
    assigned: row.follow_up_assigned ?? false,
    followUpStage: row.follow_up_stage ?? 0,
    followUpDueAt: orUndefined(row.follow_up_due_at),
  };
}

/**
 * One page of `hits` (a query of `referral_id, due`), most overdue first, with the total. Only the
 * page's referrals are read whole. The total is `counted` (what the rollup counts) plus the hits of
 * `counting` (the part the rollup does not hold; all of `hits` when the rollup cannot answer),
 * counted as ids through the partial indexes.
 */
async function overduePage(
  sql: Parameters<TrackingRepository["overdue"]>[0],
  where: Where,
  hits: string,
  options: { limit: number; offset: number },
  total: { counted: number; counting?: string } = { counted: 0, counting: hits },
) {
  const limit = where.param(options.limit);
  const offset = where.param(options.offset);
  const counted = where.param(total.counted);
  const result = await sql.query<ReferralRow & { total: number }>(
    `WITH hits AS (${hits}),
     page AS (SELECT referral_id, due FROM hits ORDER BY due, referral_id LIMIT ${limit} OFFSET ${offset})
     SELECT r.*, (${counted}::integer + ${total.counting ? `(SELECT count(*) FROM (${total.counting}) c)` : "0"})::integer AS total
       FROM page p CROSS JOIN LATERAL (${REFERRAL_SELECT} WHERE t.referral_id = p.referral_id) r
      ORDER BY p.due, p.referral_id`,
    where.params,
  );
  return pageOf(result.rows, options.offset, toRecord);
}

/** The read model built from ReferralStatusChanged events, and the queries coordinators ask of it. */
export const trackingStore: TrackingRepository = {
  async applyStatusChange(sql, eventId, change, occurredAt) {
    const to = change.toStatus;
    const at = (status: number | readonly number[]) =>
      (typeof status === "number" ? to === status : status.includes(to)) ? occurredAt : null;
    const requestedAt = change.requestedAt ?? occurredAt;
    const deadline =
      change.respondBy ??
      (isKnownPriority(change.priority) ? respondBy(change.priority, requestedAt) : requestedAt);
    const d = change.disaggregation;
    const row: StatusRow = {
      event_id: eventId,
      to_status: to,
      occurred_at: occurredAt,
      transition: Buffer.from(ReferralStatusChanged.encode(change).finish()).toString("base64"),
      referral_id: change.referralId,
      root_referral_id: change.rootReferralId || change.referralId,
      parent_referral_id: change.parentReferralId || null,
      redirect_child_referral_id: change.childReferralId || null,
      origin: change.origin,
      referrer_organisation_id: change.referrerOrganisationId,
      target_organisation_id: change.targetOrganisationId,
      service_offering_id: change.serviceOfferingId || null,
      service_type: change.serviceType,
      priority: change.priority,
      status: to,
      sequence: change.sequence,
      decline_reason: change.declineReason,
      not_completed_reason: change.notCompletedReason,
      cancel_reason: change.cancelReason,
      on_hold_reason: change.onHoldReason,
      redirect_reason: change.redirectReason,
      outcome_codes: change.outcomeCodes,
      requested_at: requestedAt,
      respond_by: deadline,
      received_at: at(S.REFERRAL_STATUS_RECEIVED),
      responded_at: at(ANSWERS),
      accepted_at: at(S.REFERRAL_STATUS_ACCEPTED),
      started_at: at(S.REFERRAL_STATUS_IN_PROGRESS),
      completed_at: at(S.REFERRAL_STATUS_COMPLETED),
      closed_at: isTerminal(to) ? occurredAt : null,
      sex: d?.sex ?? 0,
      age_band: d?.ageBand ?? 0,
      disability_status: d?.disabilityStatus ?? 0,
      nationality: d?.nationality ?? "",
      legal_status: d?.legalStatus ?? 0,
      province_code: d?.provinceCode ?? "",
      district_code: d?.districtCode ?? "",
      updated_at: occurredAt,
    };
    const deferred = deferredWrites(sql);
    if (deferred) {
      deferred.statements = STATEMENTS;
      deferred.addStatus(row);
    } else await applyStatusRows(sql, STATEMENTS, [row]);
  },

  async applyOutcomeReport(sql, report, version, occurredAt) {
    const row: VersionedRow = {
      referral_id: report.referralId,
      outcome_codes: [...report.outcomeCodes],
      version,
      completed_at: report.completedAt ?? null,
      reported_at: occurredAt,
    };
    const deferred = deferredWrites(sql);
    if (deferred) {
      deferred.statements = STATEMENTS;
      deferred.addOutcome(row);
    } else await sql.query(APPLY_OUTCOME_REPORTS, [JSON.stringify([row])]);
  },

  async applyFollowUp(sql, change, version) {
    const row: VersionedRow = {
      referral_id: change.referralId,
      assigned: change.assigned,
      follow_up_stage: change.followUpStage,
      follow_up_due_at: change.followUpDueAt ?? null,
      version,
      occurred_at: change.occurredAt ?? new Date(0),
    };
    const deferred = deferredWrites(sql);
    if (deferred) {
      deferred.statements = STATEMENTS;
      deferred.addFollowUp(row);
    } else await sql.query(APPLY_FOLLOW_UPS, [JSON.stringify([row])]);
  },

  async referral(sql, referralId, options = {}) {
    const result = await sql.query<ReferralRow>(
      `${REFERRAL_SELECT} WHERE t.referral_id = $1 ${options.forUpdate ? "FOR UPDATE OF t" : ""}`,
      [referralId],
    );
    const row = result.rows[0];
    return row ? toRecord(row) : undefined;
  },

  async chain(sql, rootReferralId) {
    const result = await sql.query<ReferralRow>(
      `${REFERRAL_SELECT} WHERE t.root_referral_id = $1 ORDER BY t.requested_at, t.referral_id`,
      [rootReferralId],
    );
    return result.rows.map(toRecord);
  },

  async transitions(sql, referralIds) {
    const result = await sql.query<{
      event_id: string;
      referral_id: string;
      sequence: number;
      occurred_at: Date;
      transition: Uint8Array;
    }>(
      `SELECT event_id, referral_id, sequence, occurred_at, transition FROM tracked_events
        WHERE referral_id = ANY($1::text[])
        ORDER BY occurred_at, referral_id, sequence`,
      [referralIds],
    );
    return result.rows.map(
      (row): TransitionRecord => ({
        eventId: row.event_id,
        referralId: row.referral_id,
        sequence: row.sequence,
        occurredAt: row.occurred_at,
        transition: ReferralStatusChanged.decode(row.transition),
      }),
    );
  },

  figures(sql, filter, groupBy, now) {
    return figureGroups(sql, filter, groupBy, now);
  },

  figuresAndTotal(sql, filter, groupBy, now) {
    return figureGroupsAndTotal(sql, filter, groupBy, now);
  },

  async asOf(sql) {
    const result = await sql.query<{ as_of: Date | null }>(
      "SELECT max(occurred_at) AS as_of FROM tracked_events",
    );
    return result.rows[0]?.as_of ?? undefined;
  },

  async overdue(sql, filter, options) {
    // The totals from the folded deadlines when the filter allows (ADR 0029), not a count of rows.
    const folded = await overdueTotals(sql, filter, options.now);
    const where = new Where().filter(filter);
    const now = where.param(options.now);
    const and = String(where) ? `${where} AND` : "WHERE";
    if (options.followUp) {
      const hits = `SELECT t.referral_id, f.follow_up_due_at AS due FROM tracked_follow_ups f
           JOIN tracked_referrals t ON t.referral_id = f.referral_id ${and} ${followUpOverdue(now)}`;
      return overduePage(sql, where, hits, options, folded ? { counted: folded.followUpOverdue } : undefined);
    }
    const overdue = `SELECT t.referral_id, t.respond_by AS due FROM tracked_referrals t
      ${and} ${AWAITING_ANSWER} AND t.respond_by < ${now}`;
    const expired = `SELECT t.referral_id, t.respond_by AS due FROM tracked_referrals t
      ${and} t.status = ${S.REFERRAL_STATUS_EXPIRED} AND NOT EXISTS (SELECT 1 FROM tracked_referrals c
        WHERE c.parent_referral_id = t.referral_id AND c.origin = 4)`;
    const hits = options.includeExpired ? `${overdue} UNION ALL ${expired}` : overdue;
    return overduePage(
      sql,
      where,
      hits,
      options,
      folded
        ? { counted: folded.overdue, ...(options.includeExpired ? { counting: expired } : {}) }
        : undefined,
    );
  },

  async markReRouteRequested(sql, referralId, at, reason) {
    await sql.query(
      "UPDATE tracked_referrals SET reroute_requested_at = $2, reroute_reason = $3 WHERE referral_id = $1",
      [referralId, at, reason],
    );
  },
};
