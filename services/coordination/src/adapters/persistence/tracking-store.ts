import { ReferralStatus as S } from "@kopru/contracts/common/v1/vocabulary";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import { isKnownPriority, isTerminal, respondBy } from "@kopru/referral/domain";
import type { TrackedReferralRecord, TrackingRepository, TransitionRecord } from "../../application/ports.js";
import { pageOf } from "./directory-store.js";
import { figureGroups, figureGroupsAndTotal, markingFigures } from "./figure-rollup.js";
import { AWAITING_ANSWER, followUpOverdue, Where } from "./tracking-sql.js";

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
const UPSERT_REFERRAL = `
INSERT INTO tracked_referrals AS t (
  referral_id, root_referral_id, parent_referral_id, redirect_child_referral_id, origin,
  referrer_organisation_id, target_organisation_id, service_offering_id, service_type, priority,
  status, sequence, decline_reason, not_completed_reason, cancel_reason, on_hold_reason, redirect_reason,
  outcome_codes, requested_at, respond_by, received_at, responded_at, accepted_at, started_at,
  completed_at, closed_at, sex, age_band, disability_status, nationality, legal_status, province_code,
  district_code, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
        $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34)
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
  sequence = GREATEST(t.sequence, EXCLUDED.sequence)`;

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
 * page's referrals are read whole: the total counts ids through the partial indexes.
 */
async function overduePage(
  sql: Parameters<TrackingRepository["overdue"]>[0],
  where: Where,
  hits: string,
  options: { limit: number; offset: number },
) {
  const limit = where.param(options.limit);
  const offset = where.param(options.offset);
  const result = await sql.query<ReferralRow & { total: number }>(
    `WITH hits AS (${hits}),
     page AS (SELECT referral_id, due FROM hits ORDER BY due, referral_id LIMIT ${limit} OFFSET ${offset})
     SELECT r.*, (SELECT count(*) FROM hits)::integer AS total
       FROM page p CROSS JOIN LATERAL (${REFERRAL_SELECT} WHERE t.referral_id = p.referral_id) r
      ORDER BY p.due, p.referral_id`,
    where.params,
  );
  return pageOf(result.rows, options.offset, toRecord);
}

/** The read model built from ReferralStatusChanged events, and the queries coordinators ask of it. */
export const trackingStore: TrackingRepository = {
  async applyStatusChange(sql, eventId, change, occurredAt) {
    const inserted = await sql.query(
      `INSERT INTO tracked_events (event_id, referral_id, sequence, to_status, occurred_at, transition)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1`,
      [
        eventId,
        change.referralId,
        change.sequence,
        change.toStatus,
        occurredAt,
        Buffer.from(ReferralStatusChanged.encode(change).finish()),
      ],
    );
    if (inserted.rowCount === 0) return;

    const to = change.toStatus;
    const at = (status: number | readonly number[]) =>
      (typeof status === "number" ? to === status : status.includes(to)) ? occurredAt : null;
    const requestedAt = change.requestedAt ?? occurredAt;
    const deadline =
      change.respondBy ??
      (isKnownPriority(change.priority) ? respondBy(change.priority, requestedAt) : requestedAt);
    const d = change.disaggregation;
    await sql.query(markingFigures(`${UPSERT_REFERRAL} RETURNING t.referral_id`), [
      change.referralId,
      change.rootReferralId || change.referralId,
      change.parentReferralId || null,
      change.childReferralId || null,
      change.origin,
      change.referrerOrganisationId,
      change.targetOrganisationId,
      change.serviceOfferingId || null,
      change.serviceType,
      change.priority,
      to,
      change.sequence,
      change.declineReason,
      change.notCompletedReason,
      change.cancelReason,
      change.onHoldReason,
      change.redirectReason,
      change.outcomeCodes,
      requestedAt,
      deadline,
      at(S.REFERRAL_STATUS_RECEIVED),
      at(ANSWERS),
      at(S.REFERRAL_STATUS_ACCEPTED),
      at(S.REFERRAL_STATUS_IN_PROGRESS),
      at(S.REFERRAL_STATUS_COMPLETED),
      isTerminal(to) ? occurredAt : null,
      d?.sex ?? 0,
      d?.ageBand ?? 0,
      d?.disabilityStatus ?? 0,
      d?.nationality ?? "",
      d?.legalStatus ?? 0,
      d?.provinceCode ?? "",
      d?.districtCode ?? "",
      occurredAt,
    ]);
  },

  async applyOutcomeReport(sql, report, version, occurredAt) {
    await sql.query(
      markingFigures(`INSERT INTO tracked_outcomes AS o (referral_id, outcome_codes, version, completed_at, reported_at)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (referral_id) DO UPDATE SET
         outcome_codes = EXCLUDED.outcome_codes, version = EXCLUDED.version,
         completed_at = EXCLUDED.completed_at, reported_at = EXCLUDED.reported_at
       WHERE o.version < EXCLUDED.version RETURNING o.referral_id`),
      [report.referralId, [...report.outcomeCodes], version, report.completedAt ?? null, occurredAt],
    );
  },

  async applyFollowUp(sql, change, version) {
    await sql.query(
      markingFigures(`INSERT INTO tracked_follow_ups AS f (referral_id, assigned, follow_up_stage, follow_up_due_at, version, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (referral_id) DO UPDATE SET
         assigned = EXCLUDED.assigned, follow_up_stage = EXCLUDED.follow_up_stage,
         follow_up_due_at = EXCLUDED.follow_up_due_at, version = EXCLUDED.version,
         occurred_at = EXCLUDED.occurred_at
       WHERE f.version < EXCLUDED.version RETURNING f.referral_id`),
      [
        change.referralId,
        change.assigned,
        change.followUpStage,
        change.followUpDueAt ?? null,
        version,
        change.occurredAt ?? new Date(0),
      ],
    );
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
    const where = new Where().filter(filter);
    const now = where.param(options.now);
    const and = String(where) ? `${where} AND` : "WHERE";
    if (options.followUp) {
      return overduePage(
        sql,
        where,
        `SELECT t.referral_id, f.follow_up_due_at AS due FROM tracked_follow_ups f
           JOIN tracked_referrals t ON t.referral_id = f.referral_id ${and} ${followUpOverdue(now)}`,
        options,
      );
    }
    const overdue = `SELECT t.referral_id, t.respond_by AS due FROM tracked_referrals t
      ${and} ${AWAITING_ANSWER} AND t.respond_by < ${now}`;
    const expired = `SELECT t.referral_id, t.respond_by AS due FROM tracked_referrals t
      ${and} t.status = ${S.REFERRAL_STATUS_EXPIRED} AND NOT EXISTS (SELECT 1 FROM tracked_referrals c
        WHERE c.parent_referral_id = t.referral_id AND c.origin = 4)`;
    return overduePage(
      sql,
      where,
      options.includeExpired ? `${overdue} UNION ALL ${expired}` : overdue,
      options,
    );
  },

  async markReRouteRequested(sql, referralId, at, reason) {
    await sql.query(
      "UPDATE tracked_referrals SET reroute_requested_at = $2, reroute_reason = $3 WHERE referral_id = $1",
      [referralId, at, reason],
    );
  },
};
