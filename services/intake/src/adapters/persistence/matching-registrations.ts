import type { KeyedHash, PossibleMatch } from "@kopru/contracts/matching/v1/matching";
import type { MatchingRegistration, MatchingRegistrations } from "../../application/matching.js";

interface Row {
  beneficiary_id: string;
  organisation_id: string;
  record_ref: string;
  hashes: KeyedHash[] | string | null;
  wanted: "registered" | "removed";
  version: number;
  synced_version: number;
  attempts: number;
  possible_matches: StoredMatch[] | string;
  checked_at: Date | null;
}

/** A PossibleMatch as JSON keeps it (the time as text). */
type StoredMatch = Omit<PossibleMatch, "foundAt"> & { foundAt?: string };

const json = <T>(value: T | string): T => (typeof value === "string" ? (JSON.parse(value) as T) : value);

function fromRow(row: Row): MatchingRegistration {
  return {
    beneficiaryId: row.beneficiary_id,
    organisationId: row.organisation_id,
    recordRef: row.record_ref,
    hashes: row.hashes === null ? undefined : json(row.hashes),
    wanted: row.wanted,
    version: Number(row.version),
    syncedVersion: Number(row.synced_version),
    attempts: Number(row.attempts),
    possibleMatches: json(row.possible_matches).map((m) => ({
      ...m,
      foundAt: m.foundAt ? new Date(m.foundAt) : undefined,
    })),
    checkedAt: row.checked_at ? new Date(row.checked_at) : undefined,
  };
}

/** migrations/0004_matching_registrations.sql */
export const matchingRegistrations: MatchingRegistrations = {
  async insert(tx, r, at) {
    await tx.query(
      `INSERT INTO matching_registrations (beneficiary_id, organisation_id, record_ref, hashes, wanted, version,
                                           synced_version, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (beneficiary_id) DO NOTHING`,
      [
        r.beneficiaryId,
        r.organisationId,
        r.recordRef,
        JSON.stringify(r.hashes ?? null),
        r.wanted,
        r.version,
        r.syncedVersion,
        at,
      ],
    );
  },

  async find(sql, beneficiaryId) {
    const rows = await sql.query<Row>("SELECT * FROM matching_registrations WHERE beneficiary_id = $1", [
      beneficiaryId,
    ]);
    const row = rows.rows[0];
    return row ? fromRow(row) : undefined;
  },

  async pending(sql, now, limit) {
    const rows = await sql.query<Row>(
      `SELECT * FROM matching_registrations WHERE synced_version < version AND next_attempt_at <= $1
        ORDER BY next_attempt_at LIMIT $2`,
      [now, limit],
    );
    return rows.rows.map(fromRow);
  },

  async synced(sql, beneficiaryId, version, answer) {
    const result = await sql.query(
      `UPDATE matching_registrations
          SET synced_version = version, attempts = 0, last_error = NULL, possible_matches = $3, checked_at = $4
        WHERE beneficiary_id = $1 AND version = $2`,
      [beneficiaryId, version, JSON.stringify(answer.possibleMatches), answer.checkedAt],
    );
    return result.rowCount > 0;
  },

  async failed(sql, beneficiaryId, version, error, retryAt) {
    await sql.query(
      `UPDATE matching_registrations SET attempts = attempts + 1, last_error = $3, next_attempt_at = $4
        WHERE beneficiary_id = $1 AND version = $2`,
      [beneficiaryId, version, error, retryAt],
    );
  },

  async replaceHashes(tx, beneficiaryId, hashes, at) {
    const result = await tx.query(
      `UPDATE matching_registrations
          SET hashes = $2, version = version + 1, attempts = 0, next_attempt_at = $3
        WHERE beneficiary_id = $1 AND wanted = 'registered'`,
      [beneficiaryId, JSON.stringify(hashes), at],
    );
    return result.rowCount > 0;
  },

  async markRemoved(tx, beneficiaryId, at) {
    const result = await tx.query(
      `UPDATE matching_registrations
          SET wanted = 'removed', hashes = NULL, possible_matches = '[]', version = version + 1, attempts = 0,
              next_attempt_at = $2
        WHERE beneficiary_id = $1 AND wanted <> 'removed'`,
      [beneficiaryId, at],
    );
    return result.rowCount > 0;
  },
};
