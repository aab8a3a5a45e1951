import {
  type AuditEntry,
  type AuditServiceServer,
  AuditServiceService,
  type ListAuditEntriesRequest,
  type ListAuditEntriesResponse,
} from "@kopru/contracts/audit/v1/audit_service";
import type { Sql } from "@kopru/storage";
import { NotFoundError, PermissionDeniedError } from "./errors.js";
import { type GrpcServiceBinding, unary } from "./grpc.js";
import { hasOneOfRoles, ROLES } from "./roles.js";
import { validate } from "./validate.js";

const DEFAULT_PAGE = 50;
const MAX_PAGE = 500;
const PAGE_TOKEN = /^([a-z_][a-z0-9_]{0,62})\.([0-9]{1,15})$/;
/** A PostgreSQL table name as this service names its audit tables (at most 63 bytes). */
const AUDIT_TABLE = /^[a-z_][a-z0-9_]{0,62}$/;

/** Who may read their organisation's audit log. */
const AUDIT_READERS = [ROLES.supervisor, ROLES.networkAdmin];

interface AuditTable {
  name: string;
  /** The column naming the organisation that acted (`actor_organisation_id` in referral_audit). */
  organisationColumn: string;
}

/** The chained audit tables of this database, in name order, with the column that names the organisation. */
async function auditTables(sql: Sql): Promise<AuditTable[]> {
  const rows = await sql.query<{ audit_table: string; organisation_column: string | null }>(
    `SELECT h.audit_table,
            (SELECT c.column_name FROM information_schema.columns c
              WHERE c.table_schema = current_schema() AND c.table_name = h.audit_table
                AND c.column_name IN ('organisation_id', 'actor_organisation_id')
              ORDER BY c.column_name DESC LIMIT 1) AS organisation_column
       FROM kopru_audit_chain_heads h ORDER BY h.audit_table`,
  );
  return rows.rows.flatMap((row) =>
    row.organisation_column ? [{ name: row.audit_table, organisationColumn: row.organisation_column }] : [],
  );
}

function text(row: Record<string, unknown>, ...keys: string[]): string {
  for (const key of keys) {
    const value = row[key];
    if (typeof value === "string") return value;
  }
  return "";
}

/** One audit row (as JSON, whichever table) as the contract's AuditEntry. */
function entryOf(table: string, position: number, hash: string, row: Record<string, unknown>): AuditEntry {
  const detail = row.detail as { listed?: number; filter?: unknown } | undefined;
  return {
    auditTable: table,
    chainPosition: position,
    chainHash: hash,
    at: typeof row.at === "string" ? new Date(row.at) : undefined,
    organisationId: text(row, "organisation_id", "actor_organisation_id"),
    action: text(row, "action"),
    entity: text(row, "entity", "entity_type") || (row.referral_id !== undefined ? "referral" : ""),
    entityId: text(row, "entity_id", "referral_id"),
    subjectId: text(row, "subject_id"),
    actorId: text(row, "actor_id"),
    role: text(row, "role"),
    tokenSubject: text(row, "subject"),
    clientId: text(row, "client_id"),
    viaClientId: text(row, "via_client_id"),
    listed: typeof detail?.listed === "number" ? detail.listed : undefined,
    filterJson: detail?.filter ? JSON.stringify(detail.filter) : "",
  };
}

function readToken(token: string | undefined): { table: string; after: number } | undefined {
  const match = token ? PAGE_TOKEN.exec(token) : null;
  return match?.[1] && match[2] ? { table: match[1], after: Number(match[2]) } : undefined;
}

/**
 * The AuditService every service with audit tables serves: a supervisor (or network admin) of an
 * organisation this process hosts reads that organisation's own entries, oldest first, table by
 * table. Another organisation's entries are never returned; asking for another organisation answers
 * NOT_FOUND, as an unknown one does.
 */
export function auditLogBinding(deps: {
  db: Sql;
  hostedOrganisations: () => readonly string[] | Promise<readonly string[]>;
}): GrpcServiceBinding {
  const implementation: AuditServiceServer = {
    listAuditEntries: unary<ListAuditEntriesRequest, ListAuditEntriesResponse>(async (request, context) => {
      const v = validate()
        .organisationId(request.organisationId, "organisation_id")
        .date(request.since, "since", { optional: true })
        .check(
          !request.auditTable || AUDIT_TABLE.test(request.auditTable),
          "audit_table",
          "must name an audit table",
        );
      const size = request.page?.pageSize ?? 0;
      const token = request.page?.pageToken ?? "";
      v.check(size <= MAX_PAGE, "page.page_size", `must be at most ${MAX_PAGE}`)
        .check(
          token === "" || PAGE_TOKEN.test(token),
          "page.page_token",
          "is not a page token this service gave out",
        )
        .done();
      if (!hasOneOfRoles(context.roles, AUDIT_READERS)) {
        throw new PermissionDeniedError("reading the audit log needs the supervisor or network-admin role");
      }
      const hosted = await deps.hostedOrganisations();
      if (
        !context.organisationId ||
        context.organisationId !== request.organisationId ||
        !hosted.includes(request.organisationId)
      ) {
        throw new NotFoundError("organisation", request.organisationId);
      }
      const all = await auditTables(deps.db);
      const tables = request.auditTable ? all.filter((t) => t.name === request.auditTable) : all;
      if (request.auditTable && tables.length === 0)
        throw new NotFoundError("audit table", request.auditTable);
      const start = readToken(request.page?.pageToken);
      const limit = size || DEFAULT_PAGE;
      const entries: AuditEntry[] = [];
      let next = "";
      for (const table of tables) {
        if (start && table.name < start.table) continue;
        const after = start && table.name === start.table ? start.after : 0;
        const want = limit - entries.length;
        const rows = await deps.db.query<{ position: number; hash: string; row: Record<string, unknown> }>(
          `SELECT c.position, encode(c.hash, 'hex') AS hash, to_jsonb(t) AS row
             FROM kopru_audit_chain c JOIN "${table.name}" t ON t.id = c.row_id
            WHERE c.audit_table = $1 AND t."${table.organisationColumn}" = $2 AND c.position > $3
              AND ($4::timestamptz IS NULL OR t.at >= $4)
            ORDER BY c.position LIMIT $5`,
          [table.name, request.organisationId, after, request.since ?? null, want],
        );
        entries.push(...rows.rows.map((r) => entryOf(table.name, Number(r.position), r.hash, r.row)));
        if (entries.length >= limit) {
          const last = rows.rows.at(-1);
          if (last) next = `${table.name}.${Number(last.position)}`;
          break;
        }
      }
      return { entries, page: { nextPageToken: next } };
    }),
  };
  return {
    name: "kopru.audit.v1.AuditService",
    definition: AuditServiceService,
    implementation: implementation as never,
  };
}
