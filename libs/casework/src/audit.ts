import { appendAudit } from "@kopru/service-kit";
import { type ListingDetail, listingDetail, type Sql } from "@kopru/storage";

/** One entry of the service's append-only audit log: who did what to which record. */
export interface AuditEntry {
  organisationId: string;
  actorId?: string | undefined;
  role?: string | undefined;
  /**
   * The verified token's subject and client, and the client of a service that relayed the call:
   * from the call's context only. Absent when the service acted by itself (an event consumer).
   */
  subject?: string | undefined;
  clientId?: string | undefined;
  via?: string | undefined;
  action: string;
  /** What the entry is about: `case`, `activity`, `enrolment`… */
  entity: string;
  /** Absent only for a list call that returned nothing. */
  entityId: string | undefined;
  /** The assessment, item or referral the action concerned, when not the entity itself. */
  subjectId?: string | undefined;
  /** A list call's answer size and filter (`listingDetail`); never personal data. */
  detail?: ListingDetail | undefined;
  /** The business clock's time; the database's clock when absent. */
  at?: Date | undefined;
}

export type { ListingDetail };
export { listingDetail };

/** Appends to the service's `casework_audit` table, in the caller's transaction, in one statement. */
export async function recordAudit(sql: Sql, entries: AuditEntry | readonly AuditEntry[]): Promise<void> {
  const list: readonly AuditEntry[] = Array.isArray(entries) ? entries : [entries as AuditEntry];
  const withTime = list.filter((entry) => entry.at !== undefined);
  // One statement needs the same columns in every row.
  for (const group of [withTime, list.filter((entry) => entry.at === undefined)]) {
    await appendAudit(
      sql,
      "casework_audit",
      group.map((entry) => ({
        ...(entry.at ? { at: entry.at } : {}),
        organisation_id: entry.organisationId,
        actor_id: entry.actorId ?? null,
        role: entry.role ?? null,
        subject: entry.subject ?? null,
        client_id: entry.clientId ?? null,
        via_client_id: entry.via ?? null,
        action: entry.action,
        entity: entry.entity,
        entity_id: entry.entityId ?? null,
        subject_id: entry.subjectId ?? null,
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
      })),
    );
  }
}

/** Who an audit entry names, from the caller: its organisation and user, and its token's subject and client. */
export function auditCaller(
  caller: Pick<AuditEntry, "organisationId" | "actorId" | "role" | "subject" | "clientId" | "via">,
): Pick<AuditEntry, "organisationId" | "actorId" | "role" | "subject" | "clientId" | "via"> {
  return {
    organisationId: caller.organisationId,
    actorId: caller.actorId,
    role: caller.role,
    subject: caller.subject,
    clientId: caller.clientId,
    via: caller.via,
  };
}

/** The audit log as a port, for services that pass their adapters around as objects. */
export interface AuditLog {
  record(sql: Sql, entry: AuditEntry): Promise<void>;
}

export const auditLog: AuditLog = { record: recordAudit };

/** An action on cases, one entry per case. */
export interface CaseAuditEntry {
  caller: Pick<AuditEntry, "organisationId" | "actorId" | "role" | "subject" | "clientId" | "via">;
  action: string;
  caseIds: readonly string[];
  /** The assessment, item, plan or referral the action was about, when not the case itself. */
  subjectId?: string | undefined;
  /**
   * Given for a list call: its filter, recorded with the number of cases listed on every row (one
   * row without a case when it listed none, so an empty answer is audited too).
   */
  listFilter?: object | undefined;
}

export function recordCaseAudit(sql: Sql, entry: CaseAuditEntry): Promise<void> {
  const detail = entry.listFilter ? listingDetail(entry.caseIds.length, entry.listFilter) : undefined;
  const caseIds: readonly (string | undefined)[] =
    detail && entry.caseIds.length === 0 ? [undefined] : entry.caseIds;
  return recordAudit(
    sql,
    caseIds.map((caseId) => ({
      ...auditCaller(entry.caller),
      action: entry.action,
      entity: "case",
      entityId: caseId,
      subjectId: entry.subjectId,
      detail,
    })),
  );
}
