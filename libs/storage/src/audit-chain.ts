import { createHash } from "node:crypto";
import type { Database } from "./database.js";

/** Where an audit table's chain stops being what was written. */
export interface AuditChainBreak {
  /**
   * `edited`: the row at `position` no longer hashes to its link's hash chained from the link before
   * (the row was changed, or an earlier link re-hashed after a change); `missing`: the row at
   * `position` was deleted, or the link itself (a gap, or a chain shorter than its head);
   * `head`: the last link is not the one recorded as the chain's head; `unchained`: a row with no
   * link (written while the chain trigger was off); `unprotected`: a trigger that keeps the table
   * append-only was dropped or disabled.
   */
  kind: "edited" | "missing" | "head" | "unchained" | "unprotected";
  /** The chain position of the first broken link (0 for `unchained` and `unprotected`). */
  position: number;
  detail: string;
}

export interface AuditChainReport {
  table: string;
  /** Links checked before the walk stopped (all of them when nothing is broken). */
  rowsChecked: number;
  /** The head as recorded: the last position written and its hash (hex), to keep outside the database. */
  headPosition: number;
  headHash: string;
  /** The first broken link, absent when the whole chain holds. */
  broken?: AuditChainBreak;
}

const GENESIS = Buffer.alloc(32);
const PROTECTING_TRIGGERS = ["_chain", "_append_only", "_no_truncate"] as const;

function quoted(table: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a plain SQL identifier: ${table}`);
  return `"${table}"`;
}

function bytes(value: unknown): Buffer {
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === "string" && value.startsWith("\\x")) return Buffer.from(value.slice(2), "hex");
  throw new Error("chain hash is not bytea");
}

/** sha256(previous hash || canonical row): the link the database's chain trigger writes. */
export function auditChainLink(previousHash: Uint8Array, canonicalRow: string): Buffer {
  return createHash("sha256").update(previousHash).update(canonicalRow, "utf8").digest();
}

/**
 * Walks every chained audit table of the database in position order and recomputes each link
 * here (not with the database's own hash), reporting per table the first broken link: an edited
 * row, a deleted row or link, a row outside the chain, or a protecting trigger removed.
 */
export async function verifyAuditChains(
  db: Database,
  options: { batchSize?: number } = {},
): Promise<AuditChainReport[]> {
  const heads = await db.query<{ audit_table: string; position: number; hash: unknown }>(
    "SELECT audit_table, position, hash FROM kopru_audit_chain_heads ORDER BY audit_table",
  );
  const reports: AuditChainReport[] = [];
  for (const head of heads.rows) {
    reports.push(await verifyTable(db, head.audit_table, Number(head.position), bytes(head.hash), options));
  }
  return reports;
}

interface LinkRow {
  position: number;
  row_id: number;
  hash: unknown;
  canonical: string | null;
}

async function verifyTable(
  db: Database,
  table: string,
  headPosition: number,
  headHash: Buffer,
  options: { batchSize?: number },
): Promise<AuditChainReport> {
  const report: AuditChainReport = {
    table,
    rowsChecked: 0,
    headPosition,
    headHash: headHash.toString("hex"),
  };
  const triggers = await db.query<{ tgname: string }>(
    `SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND tgenabled <> 'D'`,
    [table],
  );
  const enabled = new Set(triggers.rows.map((row) => row.tgname));
  const absent = PROTECTING_TRIGGERS.map((suffix) => `${table}${suffix}`).filter(
    (name) => !enabled.has(name),
  );
  if (absent.length > 0) {
    report.broken = {
      kind: "unprotected",
      position: 0,
      detail: `trigger ${absent.join(", ")} dropped or disabled`,
    };
    return report;
  }

  const batchSize = options.batchSize ?? 1000;
  let expected = 1;
  let previous: Buffer = GENESIS;
  for (;;) {
    // The row's JSON is made in UTC, as the chain trigger made it.
    const batch = await db.transaction(async (tx) => {
      await tx.exec("SET LOCAL TimeZone TO 'UTC'");
      return tx.query<LinkRow>(
        `SELECT c.position, c.row_id, c.hash,
                CASE WHEN t.id IS NULL THEN NULL ELSE kopru_audit_canonical(to_jsonb(t), c.position) END AS canonical
           FROM kopru_audit_chain c LEFT JOIN ${quoted(table)} t ON t.id = c.row_id
          WHERE c.audit_table = $1 AND c.position >= $2
          ORDER BY c.position LIMIT $3`,
        [table, expected, batchSize],
      );
    });
    for (const link of batch.rows) {
      const position = Number(link.position);
      if (position !== expected) {
        report.broken = {
          kind: "missing",
          position: expected,
          detail: `no link at position ${expected}; the next is at ${position} (a link was deleted)`,
        };
        return report;
      }
      if (link.canonical === null) {
        report.broken = {
          kind: "missing",
          position,
          detail: `the row at position ${position} (id ${Number(link.row_id)}) was deleted`,
        };
        return report;
      }
      const stored = bytes(link.hash);
      if (!auditChainLink(previous, link.canonical).equals(stored)) {
        report.broken = {
          kind: "edited",
          position,
          detail: `the row at position ${position} (id ${Number(link.row_id)}) does not match its hash (it, or the link before it, was changed)`,
        };
        return report;
      }
      previous = stored;
      report.rowsChecked += 1;
      expected += 1;
    }
    if (batch.rows.length < batchSize) break;
  }
  const last = expected - 1;
  if (last < headPosition) {
    report.broken = {
      kind: "missing",
      position: expected,
      detail: `the chain ends at ${last} but its head records ${headPosition} (links at the end were deleted)`,
    };
    return report;
  }
  if (last > headPosition || !previous.equals(headHash)) {
    report.broken = {
      kind: "head",
      position: last,
      detail: `the last link (position ${last}) is not the recorded head (position ${headPosition})`,
    };
    return report;
  }
  const outside = await db.query<{ id: number | null }>(
    `SELECT min(t.id) AS id FROM ${quoted(table)} t
      WHERE NOT EXISTS (SELECT 1 FROM kopru_audit_chain c WHERE c.audit_table = $1 AND c.row_id = t.id)`,
    [table],
  );
  const unchained = outside.rows[0]?.id;
  if (unchained !== null && unchained !== undefined) {
    report.broken = {
      kind: "unchained",
      position: 0,
      detail: `row id ${Number(unchained)} has no link in the chain (written with the chain trigger off)`,
    };
  }
  return report;
}

/**
 * What a list call read, beside the ids on each audit row: how many records it returned and under
 * which filter. Filters hold codes, ids, dates and flags only; a caller with a free-text search
 * records that it was present, never its text.
 */
export interface ListingDetail {
  listed: number;
  filter: Readonly<Record<string, unknown>>;
}

/** The filter as audited: empty values left out, so a row says only what narrowed the list. */
export function listingDetail(listed: number, filter: object): ListingDetail {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value) && value.length === 0) continue;
    kept[key] = value instanceof Date ? value.toISOString() : value;
  }
  return { listed, filter: kept };
}
