import { Disaggregation } from "@kopru/contracts/common/v1/disaggregation";
import type { Actor } from "@kopru/contracts/common/v1/refs";
import type { Sql } from "@kopru/storage";
import { type CaseAuditEntry, recordCaseAudit } from "./audit.js";
import type { CaseState } from "./case-state.js";

/** The columns every receiving service's case table has (each service adds its own). */
export interface CaseRow {
  case_id: string;
  organisation_id: string;
  status: number;
  beneficiary_ref: string;
  assigned_caseworker_id: string | null;
  opened_at: Date;
  opened_by: string | null;
  closed_at: Date | null;
  closure_reason: number;
  closure_note: string | null;
  updated_at: Date;
  event_sequence: number;
  disaggregation: Uint8Array;
  /** From the case↔referral link table, oldest link first. */
  referral_ids: string[];
}

/** What every receiving service's case records: who, where, open or closed, which referrals it serves. */
export interface CaseCore {
  caseId: string;
  organisationId: string;
  status: number;
  beneficiaryRef: string;
  assignedCaseworkerId: string | undefined;
  openedAt: Date;
  openedBy: string | undefined;
  closedAt: Date | undefined;
  closureReason: number;
  closureNote: string | undefined;
  updatedAt: Date;
  eventSequence: number;
  disaggregation: Disaggregation;
  referralIds: string[];
}

export const optionalDate = (value: Date | null): Date | undefined => (value ? new Date(value) : undefined);

export function caseCoreFromRow(row: CaseRow): CaseCore {
  return {
    caseId: row.case_id,
    organisationId: row.organisation_id,
    status: row.status,
    beneficiaryRef: row.beneficiary_ref,
    assignedCaseworkerId: row.assigned_caseworker_id ?? undefined,
    openedAt: new Date(row.opened_at),
    openedBy: row.opened_by ?? undefined,
    closedAt: optionalDate(row.closed_at),
    closureReason: row.closure_reason,
    closureNote: row.closure_note ?? undefined,
    updatedAt: new Date(row.updated_at),
    eventSequence: row.event_sequence,
    disaggregation: Disaggregation.decode(row.disaggregation),
    referralIds: row.referral_ids,
  };
}

/** Table names are written into SQL text: only plain lowercase identifiers are accepted. */
export function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
}

/**
 * The case lookups every receiving service makes, over its own case table (`cases`, aliased `c`) and
 * its case↔referral link table (`referrals`: case_id, referral_id, linked_at).
 */
export function caseQueries<Row extends CaseRow, Case>(
  sql: Sql,
  tables: { cases: string; referrals: string },
  fromRow: (row: Row) => Case,
) {
  const casesTable = identifier(tables.cases);
  const links = identifier(tables.referrals);
  async function select(where: string, params: unknown[], tail = ""): Promise<Case[]> {
    const result = await sql.query<Row>(
      `SELECT c.*, COALESCE(
           (SELECT array_agg(r.referral_id::text ORDER BY r.linked_at, r.referral_id)
              FROM ${links} r WHERE r.case_id = c.case_id),
           '{}'::text[]) AS referral_ids
         FROM ${casesTable} c WHERE ${where} ${tail}`,
      params,
    );
    return result.rows.map(fromRow);
  }
  /** The columns a case's life changes (the service adds its own changing columns in `extra`). */
  const changing = (s: CaseState): Record<string, unknown> => ({
    status: s.status,
    assigned_caseworker_id: s.assignedCaseworkerId ?? null,
    closed_at: s.closedAt ?? null,
    closure_reason: s.closureReason,
    closure_note: s.closureNote ?? null,
    updated_at: s.updatedAt,
    event_sequence: s.eventSequence,
  });
  return {
    select,
    /** Stores a new case: the shared columns and the service's own (`extra`, by column name). */
    async insert(s: CaseState, extra: Readonly<Record<string, unknown>> = {}) {
      const row: Record<string, unknown> = {
        case_id: s.caseId,
        organisation_id: s.organisationId,
        beneficiary_ref: s.beneficiaryRef,
        opened_at: s.openedAt,
        opened_by: s.openedBy ?? null,
        disaggregation: Buffer.from(Disaggregation.encode(s.disaggregation).finish()),
        ...changing(s),
        ...extra,
      };
      await insertRow(sql, casesTable, row);
    },
    /** Writes what a case's life changes; what it was opened with is never rewritten. */
    async save(s: CaseState, extra: Readonly<Record<string, unknown>> = {}) {
      const row = { ...changing(s), ...extra };
      const columns = Object.keys(row).map(identifier);
      await sql.query(
        `UPDATE ${casesTable} SET ${columns.map((c, i) => `${c} = $${i + 3}`).join(", ")}
          WHERE case_id = $1 AND organisation_id = $2`,
        [s.caseId, s.organisationId, ...Object.values(row)],
      );
    },
    /** The organisation's case (locked for the transaction with `forUpdate`). */
    async find(organisationId: string, caseId: string, options: { forUpdate?: boolean } = {}) {
      const found = await select(
        "c.case_id = $1 AND c.organisation_id = $2",
        [caseId, organisationId],
        options.forUpdate ? "FOR UPDATE OF c" : "",
      );
      return found[0];
    },
    /** The person's open cases at the organisation, oldest first. */
    openOf(organisationId: string, beneficiaryRef: string) {
      return select(
        "c.organisation_id = $1 AND c.beneficiary_ref = $2 AND c.status = 1",
        [organisationId, beneficiaryRef],
        "ORDER BY c.opened_at, c.case_id",
      );
    },
    /** The organisation's cases linked to the referral. */
    serving(organisationId: string, referralId: string) {
      return select(
        `c.organisation_id = $1 AND c.case_id IN (SELECT case_id FROM ${links} WHERE referral_id = $2)`,
        [organisationId, referralId],
      );
    },
    async linkReferral(caseId: string, referralId: string, at: Date) {
      await sql.query(
        `INSERT INTO ${links} (case_id, referral_id, linked_at) VALUES ($1, $2, $3)
         ON CONFLICT (case_id, referral_id) DO NOTHING`,
        [caseId, referralId, at],
      );
    },
  };
}

/**
 * Who did something, as a case table stores it: the `<prefix>_kind`, `<prefix>_id` and `<prefix>_role`
 * columns, in the organisation of the row's case.
 */
export function storedActor(row: object & { organisation_id: string }, prefix: string): Actor {
  const column = (name: string) => (row as Record<string, unknown>)[`${prefix}_${name}`];
  return {
    kind: column("kind") as number,
    organisationId: row.organisation_id,
    actorId: column("id") as string,
    role: column("role") as number,
  };
}

/** `storedActor` the other way: the `<prefix>_kind`, `<prefix>_id` and `<prefix>_role` columns to write. */
export function actorColumns(prefix: string, actor: Actor | undefined): Record<string, unknown> {
  return {
    [`${prefix}_kind`]: actor?.kind ?? 0,
    [`${prefix}_id`]: actor?.actorId ?? "",
    [`${prefix}_role`]: actor?.role ?? 0,
  };
}

/** Inserts one row of a service's own table, given by column name (plain identifiers only). */
export async function insertRow(
  sql: Sql,
  table: string,
  row: Readonly<Record<string, unknown>>,
): Promise<void> {
  const columns = Object.keys(row).map(identifier);
  await sql.query(
    `INSERT INTO ${identifier(table)} (${columns.join(", ")}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(", ")})`,
    Object.values(row),
  );
}

/**
 * The case half of a receiving service's store, over its own tables (see `caseQueries`): finding,
 * storing and linking cases, and the audit log. `ownColumns` gives the service's own columns of a case
 * that its life changes (written on insert and on save); `insertOnly` those written once.
 */
export function caseStore<Row extends CaseRow, Case, State extends CaseState>(
  sql: Sql,
  tables: { cases: string; referrals: string },
  fromRow: (row: Row) => Case,
  columns: {
    ownColumns?: (s: State) => Record<string, unknown>;
    insertOnly?: (s: State) => Record<string, unknown>;
  } = {},
) {
  const cases = caseQueries<Row, Case>(sql, tables, fromRow);
  const own = (s: State) => columns.ownColumns?.(s) ?? {};
  return {
    /** For the service's own case queries (`cases.select`). */
    cases,
    findCase: cases.find,
    openCasesOf: cases.openOf,
    casesServing: cases.serving,
    insertCase: (s: State) => cases.insert(s, { ...columns.insertOnly?.(s), ...own(s) }),
    saveCase: (s: State) => cases.save(s, own(s)),
    linkReferral: cases.linkReferral,
    audit: (entry: CaseAuditEntry) => recordCaseAudit(sql, entry),
  };
}
