import { createHash } from "node:crypto";
import type { Sql } from "@kopru/storage";
import { InvalidArgumentError } from "./errors.js";

/** Table and column names are written into SQL text: only plain lowercase identifiers are accepted. */
function identifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
}

export interface RequestClaim {
  organisationId: string;
  requestId: string;
  /** The other columns stored with the request id (e.g. operation, fingerprint, entity id). */
  values: Readonly<Record<string, unknown>>;
}

/**
 * Claims `request_id` for the organisation in the service's own idempotency table (primary key
 * `(organisation_id, request_id)`). Returns undefined when the id is new (the row is now stored), or
 * the `returning` columns of the earlier request when the id was used before. A concurrent twin waits
 * on the primary key until the first commits (then it finds its row) or rolls back (then it claims
 * the id itself).
 */
export async function claimRequestId<Row extends object>(
  sql: Sql,
  table: string,
  claim: RequestClaim,
  returning: readonly (keyof Row & string)[],
): Promise<Row | undefined> {
  const name = identifier(table);
  const columns = ["organisation_id", "request_id", ...Object.keys(claim.values)].map(identifier);
  const params = [claim.organisationId, claim.requestId, ...Object.values(claim.values)];
  const inserted = await sql.query(
    `INSERT INTO ${name} (${columns.join(", ")})
     VALUES (${params.map((_, i) => `$${i + 1}`).join(", ")}) ON CONFLICT (organisation_id, request_id) DO NOTHING RETURNING 1`,
    params,
  );
  if (inserted.rows.length > 0) return undefined;
  const earlier = await sql.query<Row>(
    `SELECT ${returning.map(identifier).join(", ")} FROM ${name} WHERE organisation_id = $1 AND request_id = $2`,
    [claim.organisationId, claim.requestId],
  );
  const row = earlier.rows[0];
  if (!row) throw new Error("request id conflict without a stored request");
  return row;
}

/**
 * Appends rows to the service's append-only audit table in one statement (nothing for no rows).
 * Every row must have the same columns.
 */
export async function appendAudit(
  sql: Sql,
  table: string,
  rows: readonly Readonly<Record<string, unknown>>[],
): Promise<void> {
  const first = rows[0];
  if (!first) return;
  const columns = Object.keys(first).map(identifier);
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    const placeholders = columns.map((column) => {
      if (!(column in row)) throw new Error(`audit row without column ${column}`);
      params.push(row[column]);
      return `$${params.length}`;
    });
    return `(${placeholders.join(", ")})`;
  });
  await sql.query(
    `INSERT INTO ${identifier(table)} (${columns.join(", ")}) VALUES ${tuples.join(", ")}`,
    params,
  );
}

/** A stable hash of a request, to recognise a request id reused for a different request. */
export function requestFingerprint(request: unknown): string {
  return createHash("sha256").update(JSON.stringify(request)).digest("hex");
}

/**
 * What an earlier request with the same id created (the caller returns that instead of creating
 * anything), or undefined when there was none. A request id reused for another operation or another
 * request (fingerprint) is refused as INVALID_ARGUMENT on `request_id`.
 */
export function earlierRequestEntity(
  earlier: { operation: string; fingerprint: string; entityId: string } | undefined,
  claim: { operation: string; fingerprint: string },
): string | undefined {
  if (!earlier) return undefined;
  if (earlier.operation !== claim.operation || earlier.fingerprint !== claim.fingerprint) {
    throw new InvalidArgumentError([
      { field: "request_id", description: "was already used for a different request; use a new one" },
    ]);
  }
  return earlier.entityId;
}
