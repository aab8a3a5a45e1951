import { fileURLToPath } from "node:url";
import { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import type { ActorKind } from "@kopru/contracts/common/v1/refs";
import type {
  OutcomeCode,
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import type { FollowUpStage } from "@kopru/contracts/referral/v1/referral";
import { listingDetail, type MigrationSource, type Sql } from "@kopru/storage";
import type { ReferralState, StatusChange } from "./domain/index.js";
import type { TokenCaller } from "./lifecycle.js";
import { type KeysetPage, keysetSql, type PageKey } from "./page-keys.js";

export const referralMigrations: MigrationSource = {
  name: "referral",
  dir: fileURLToPath(new URL("../migrations", import.meta.url)),
};

export type ReferralRole = "referrer" | "target";

/** A referral as one party keeps it: the lifecycle state plus what travels with it. */
export interface ReferralRecord extends ReferralState {
  role: ReferralRole;
  rootReferralId: string;
  parentReferralId: string | undefined;
  origin: ReferralOrigin;
  beneficiaryRef: string;
  serviceOfferingId: string | undefined;
  purpose: Purpose;
  consentId: string;
  cancellationRequestedAt: Date | undefined;
  disaggregation: Disaggregation;
  package: ReferralPackage;
  /** Target's copy only: the staff member it is assigned to, and when (never published). */
  assigneeActorId?: string | undefined;
  assignedAt?: Date | undefined;
  /** Target's copy only: the follow-up deadline after acceptance and how far it went. */
  followUpDueAt?: Date | undefined;
  followUpStage?: FollowUpStage | undefined;
}

export interface TransitionRecord {
  sequence: number;
  from: ReferralStatus;
  to: ReferralStatus;
  actorKind: ActorKind;
  actorOrganisationId: string;
  actorId: string | undefined;
  at: Date;
  declineReason: number;
  onHoldReason: number;
  notCompletedReason: number;
  cancelReason: number;
  redirectReason: number;
  outcomes: OutcomeCode[];
  childReferralId: string | undefined;
  internalNote: string | undefined;
}

interface ReferralRow {
  referral_id: string;
  role: ReferralRole;
  root_referral_id: string;
  parent_referral_id: string | null;
  origin: number;
  beneficiary_ref: string;
  referrer_organisation_id: string;
  target_organisation_id: string;
  service_offering_id: string | null;
  service_type: number;
  priority: number;
  purpose: number;
  consent_id: string;
  status: number;
  sequence: number;
  decline_reason: number;
  on_hold_reason: number;
  not_completed_reason: number;
  cancel_reason: number;
  redirect_reason: number;
  outcome_codes: number[];
  child_referral_ids: string[];
  requested_at: Date;
  respond_by: Date;
  received_at: Date | null;
  responded_at: Date | null;
  started_at: Date | null;
  closed_at: Date | null;
  updated_at: Date;
  cancellation_requested_at: Date | null;
  disaggregation: Uint8Array;
  package: Uint8Array;
  assignee_actor_id: string | null;
  assigned_at: Date | null;
  follow_up_due_at: Date | null;
  follow_up_stage: number;
}

const optionalDate = (value: Date | null): Date | undefined => (value ? new Date(value) : undefined);

function fromRow(row: ReferralRow): ReferralRecord {
  return {
    referralId: row.referral_id,
    role: row.role,
    rootReferralId: row.root_referral_id,
    parentReferralId: row.parent_referral_id ?? undefined,
    origin: row.origin,
    beneficiaryRef: row.beneficiary_ref,
    referrerOrganisationId: row.referrer_organisation_id,
    targetOrganisationId: row.target_organisation_id,
    serviceOfferingId: row.service_offering_id ?? undefined,
    serviceType: row.service_type as ServiceType,
    priority: row.priority as Priority,
    purpose: row.purpose,
    consentId: row.consent_id,
    status: row.status as ReferralStatus,
    sequence: row.sequence,
    declineReason: row.decline_reason,
    onHoldReason: row.on_hold_reason,
    notCompletedReason: row.not_completed_reason,
    cancelReason: row.cancel_reason,
    redirectReason: row.redirect_reason,
    outcomes: row.outcome_codes as OutcomeCode[],
    childReferralIds: row.child_referral_ids,
    requestedAt: new Date(row.requested_at),
    respondBy: new Date(row.respond_by),
    receivedAt: optionalDate(row.received_at),
    respondedAt: optionalDate(row.responded_at),
    startedAt: optionalDate(row.started_at),
    closedAt: optionalDate(row.closed_at),
    updatedAt: new Date(row.updated_at),
    cancellationRequestedAt: optionalDate(row.cancellation_requested_at),
    disaggregation: Disaggregation.decode(row.disaggregation),
    package: ReferralPackage.decode(row.package),
    assigneeActorId: row.assignee_actor_id ?? undefined,
    assignedAt: optionalDate(row.assigned_at),
    followUpDueAt: optionalDate(row.follow_up_due_at),
    followUpStage: (row.follow_up_stage ?? 0) as FollowUpStage,
  };
}

/** Persistence of referrals in the service's own database. */
export const referralStore = {
  async find(sql: Sql, referralId: string, role: ReferralRole, options: { forUpdate?: boolean } = {}) {
    const rows = await sql.query<ReferralRow>(
      `SELECT * FROM referrals WHERE referral_id = $1 AND role = $2 ${options.forUpdate ? "FOR UPDATE" : ""}`,
      [referralId, role],
    );
    const row = rows.rows[0];
    return row ? fromRow(row) : undefined;
  },

  async insert(sql: Sql, record: ReferralRecord): Promise<void> {
    await sql.query(
      `INSERT INTO referrals (
         referral_id, role, root_referral_id, parent_referral_id, origin, beneficiary_ref,
         referrer_organisation_id, target_organisation_id, service_offering_id, service_type, priority,
         purpose, consent_id, status, sequence, requested_at, respond_by, updated_at, disaggregation, package)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
      [
        record.referralId,
        record.role,
        record.rootReferralId,
        record.parentReferralId ?? null,
        record.origin,
        record.beneficiaryRef,
        record.referrerOrganisationId,
        record.targetOrganisationId,
        record.serviceOfferingId ?? null,
        record.serviceType,
        record.priority,
        record.purpose,
        record.consentId,
        record.status,
        record.sequence,
        record.requestedAt,
        record.respondBy,
        record.updatedAt,
        Buffer.from(Disaggregation.encode(record.disaggregation).finish()),
        Buffer.from(ReferralPackage.encode(record.package).finish()),
      ],
    );
  },

  /** Writes the new lifecycle state; refuses (returns false) if someone else moved it meanwhile. */
  async saveState(
    sql: Sql,
    role: ReferralRole,
    previousSequence: number,
    state: ReferralState,
  ): Promise<boolean> {
    const result = await sql.query(
      `UPDATE referrals SET
         status = $4, sequence = $5, decline_reason = $6, on_hold_reason = $7, not_completed_reason = $8,
         cancel_reason = $9, redirect_reason = $10, outcome_codes = $11, child_referral_ids = $12,
         received_at = $13, responded_at = $14, started_at = $15, closed_at = $16, updated_at = $17
       WHERE referral_id = $1 AND role = $2 AND sequence = $3`,
      [
        state.referralId,
        role,
        previousSequence,
        state.status,
        state.sequence,
        state.declineReason,
        state.onHoldReason,
        state.notCompletedReason,
        state.cancelReason,
        state.redirectReason,
        [...state.outcomes],
        [...state.childReferralIds],
        state.receivedAt ?? null,
        state.respondedAt ?? null,
        state.startedAt ?? null,
        state.closedAt ?? null,
        state.updatedAt,
      ],
    );
    return result.rowCount === 1;
  },

  /** How many outcome reports this copy has published (target) or applied (referrer). */
  async outcomeVersion(sql: Sql, referralId: string, role: ReferralRole): Promise<number> {
    const result = await sql.query<{ outcome_version: number }>(
      "SELECT outcome_version FROM referrals WHERE referral_id = $1 AND role = $2",
      [referralId, role],
    );
    return Number(result.rows[0]?.outcome_version ?? 0);
  },

  /** Replaces the outcome codes (no status change) and records the number of the report. */
  async saveOutcome(
    sql: Sql,
    role: ReferralRole,
    input: { referralId: string; outcomes: readonly OutcomeCode[]; version: number; at: Date },
  ): Promise<void> {
    await sql.query(
      `UPDATE referrals SET outcome_codes = $3, outcome_version = $4, updated_at = $5
        WHERE referral_id = $1 AND role = $2`,
      [input.referralId, role, [...input.outcomes], input.version, input.at],
    );
  },

  async markCancellationRequested(sql: Sql, referralId: string, at: Date): Promise<void> {
    await sql.query(
      "UPDATE referrals SET cancellation_requested_at = $2 WHERE referral_id = $1 AND role = 'referrer'",
      [referralId, at],
    );
  },

  async addChild(sql: Sql, referralId: string, role: ReferralRole, childId: string): Promise<void> {
    await sql.query(
      `UPDATE referrals SET child_referral_ids = array_append(child_referral_ids, $3)
        WHERE referral_id = $1 AND role = $2 AND NOT ($3 = ANY(child_referral_ids))`,
      [referralId, role, childId],
    );
  },

  async insertTransition(
    sql: Sql,
    role: ReferralRole,
    change: StatusChange,
    extra: { actorId?: string | undefined; internalNote?: string | undefined } = {},
  ): Promise<void> {
    await sql.query(
      `INSERT INTO referral_transitions (
         referral_id, role, sequence, from_status, to_status, actor_kind, actor_organisation_id, actor_id,
         occurred_at, decline_reason, on_hold_reason, not_completed_reason, cancel_reason, redirect_reason,
         outcome_codes, child_referral_id, internal_note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (referral_id, role, sequence) DO NOTHING`,
      [
        change.referralId,
        role,
        change.sequence,
        change.from,
        change.to,
        change.actor.kind,
        change.actor.organisationId,
        extra.actorId ?? null,
        change.at,
        change.declineReason,
        change.onHoldReason,
        change.notCompletedReason,
        change.cancelReason,
        change.redirectReason,
        [...change.outcomes],
        change.childReferralId ?? null,
        extra.internalNote ?? null,
      ],
    );
  },

  async transitions(sql: Sql, referralId: string, role: ReferralRole): Promise<TransitionRecord[]> {
    const rows = await sql.query<{
      sequence: number;
      from_status: number;
      to_status: number;
      actor_kind: number;
      actor_organisation_id: string;
      actor_id: string | null;
      occurred_at: Date;
      decline_reason: number;
      on_hold_reason: number;
      not_completed_reason: number;
      cancel_reason: number;
      redirect_reason: number;
      outcome_codes: number[];
      child_referral_id: string | null;
      internal_note: string | null;
    }>("SELECT * FROM referral_transitions WHERE referral_id = $1 AND role = $2 ORDER BY sequence", [
      referralId,
      role,
    ]);
    return rows.rows.map((r) => ({
      sequence: r.sequence,
      from: r.from_status,
      to: r.to_status,
      actorKind: r.actor_kind,
      actorOrganisationId: r.actor_organisation_id,
      actorId: r.actor_id ?? undefined,
      at: new Date(r.occurred_at),
      declineReason: r.decline_reason,
      onHoldReason: r.on_hold_reason,
      notCompletedReason: r.not_completed_reason,
      cancelReason: r.cancel_reason,
      redirectReason: r.redirect_reason,
      outcomes: r.outcome_codes as OutcomeCode[],
      childReferralId: r.child_referral_id ?? undefined,
      internalNote: r.internal_note ?? undefined,
    }));
  },

  /** One keyset page of an inbox, each record with its page key (see page-keys.ts). */
  async inbox(
    sql: Sql,
    filter: {
      organisationIds: readonly string[];
      statuses: readonly number[];
      serviceTypes: readonly number[];
      priorities: readonly number[];
      overdueAt: Date | undefined;
      /** Only referrals assigned to this staff member ("my cases"). */
      assigneeActorId?: string | undefined;
      /** Only referrals past their follow-up deadline (FOLLOW_UP_STAGE_OVERDUE). */
      followUpOverdueOnly?: boolean | undefined;
      /** Only referrals whose status or outcome changed at or after this instant. */
      updatedSince?: Date | undefined;
      page: KeysetPage;
    },
  ): Promise<{ record: ReferralRecord; key: PageKey }[]> {
    const page = keysetSql(filter.page, 9);
    const rows = await sql.query<ReferralRow & { page_key: string }>(
      `SELECT *, ${page.keyColumn} FROM referrals
        WHERE role = 'target' AND target_organisation_id = ANY($1::text[])
          AND (cardinality($2::int[]) = 0 OR status = ANY($2::int[]))
          AND (cardinality($3::int[]) = 0 OR service_type = ANY($3::int[]))
          AND (cardinality($4::int[]) = 0 OR priority = ANY($4::int[]))
          AND ($5::timestamptz IS NULL OR (respond_by < $5 AND received_at IS NOT NULL AND responded_at IS NULL))
          AND ($6::text IS NULL OR assignee_actor_id = $6)
          AND (NOT $7::boolean OR follow_up_stage = 3)
          AND ($8::timestamptz IS NULL OR updated_at >= $8)
          AND ${page.after}
        ${page.orderBy}`,
      [
        [...filter.organisationIds],
        [...filter.statuses],
        [...filter.serviceTypes],
        [...filter.priorities],
        filter.overdueAt ?? null,
        filter.assigneeActorId ?? null,
        filter.followUpOverdueOnly ?? false,
        filter.updatedSince ?? null,
        ...page.params,
      ],
    );
    return rows.rows.map((row) => ({
      record: fromRow(row),
      key: { micros: row.page_key, referralId: row.referral_id },
    }));
  },

  async sent(
    sql: Sql,
    filter: {
      organisationIds: readonly string[];
      statuses: readonly number[];
      beneficiaryRef?: string;
      limit: number;
      offset: number;
    },
  ): Promise<ReferralRecord[]> {
    const rows = await sql.query<ReferralRow>(
      `SELECT * FROM referrals
        WHERE role = 'referrer' AND referrer_organisation_id = ANY($1::text[])
          AND (cardinality($2::int[]) = 0 OR status = ANY($2::int[]))
          AND ($3::text IS NULL OR beneficiary_ref = $3)
        ORDER BY requested_at DESC, referral_id
        LIMIT $4 OFFSET $5`,
      [
        [...filter.organisationIds],
        [...filter.statuses],
        filter.beneficiaryRef ?? null,
        filter.limit,
        filter.offset,
      ],
    );
    return rows.rows.map(fromRow);
  },

  async audit(
    sql: Sql,
    entry: {
      referralId: string;
      action: string;
      organisationId: string;
      actorId?: string | undefined;
      /** The verified token's subject and client; absent when the service acted by itself. */
      token?: TokenCaller | undefined;
    },
  ): Promise<void> {
    await sql.query(
      `INSERT INTO referral_audit (referral_id, action, actor_organisation_id, actor_id, subject, client_id, via_client_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        entry.referralId,
        entry.action,
        entry.organisationId,
        entry.actorId ?? null,
        entry.token?.subject ?? null,
        entry.token?.clientId ?? null,
        entry.token?.via ?? null,
      ],
    );
  },

  /**
   * Audits a list or other multi-referral read: one row per referral returned (or one row without a
   * referral when none was), each with how many were listed and the filter (codes, ids, dates).
   */
  async auditList(
    sql: Sql,
    entry: {
      referralIds: readonly string[];
      action: string;
      organisationId: string;
      actorId?: string | undefined;
      token?: TokenCaller | undefined;
      /** Codes, ids, dates and flags only (`listingDetail`). */
      filter: object;
    },
  ): Promise<void> {
    const detail = JSON.stringify(listingDetail(entry.referralIds.length, entry.filter));
    const ids = entry.referralIds.length > 0 ? [...entry.referralIds] : [null];
    await sql.query(
      `INSERT INTO referral_audit
         (referral_id, action, actor_organisation_id, actor_id, subject, client_id, via_client_id, detail)
       SELECT referral_id, $2, $3, $4, $5, $6, $7, $8::jsonb FROM unnest($1::uuid[]) WITH ORDINALITY AS r (referral_id, n)
       ORDER BY n`,
      [
        ids,
        entry.action,
        entry.organisationId,
        entry.actorId ?? null,
        entry.token?.subject ?? null,
        entry.token?.clientId ?? null,
        entry.token?.via ?? null,
        detail,
      ],
    );
  },

  async rememberRequest(
    sql: Sql,
    organisationId: string,
    requestId: string,
    referralId: string,
  ): Promise<string> {
    const inserted = await sql.query<{ referral_id: string }>(
      `INSERT INTO referral_requests (organisation_id, request_id, referral_id) VALUES ($1, $2, $3)
       ON CONFLICT (organisation_id, request_id) DO NOTHING RETURNING referral_id`,
      [organisationId, requestId, referralId],
    );
    if (inserted.rows[0]) return referralId;
    const existing = await sql.query<{ referral_id: string }>(
      "SELECT referral_id FROM referral_requests WHERE organisation_id = $1 AND request_id = $2",
      [organisationId, requestId],
    );
    return existing.rows[0]?.referral_id ?? referralId;
  },
};
