import type { MatchKeyKind, MatchStrength } from "@kopru/contracts/matching/v1/matching";
import { v4 as uuidv4 } from "uuid";
import type { MatchStore, StoredLink, StoredMatch } from "../../application/ports.js";

interface MatchRow {
  match_id: string;
  seeker_organisation_id: string;
  seeker_record_ref: string;
  holder_organisation_id: string;
  holder_record_ref: string;
  strength: number;
  found_at: Date;
}

interface LinkRow {
  match_id: string;
  linked_by_organisation_id: string;
  consent_id: string;
  linked_at: Date;
  seeker_organisation_id: string;
  seeker_record_ref: string | null;
  holder_organisation_id: string;
  holder_record_ref: string | null;
}

function matchOf(row: MatchRow): StoredMatch {
  return {
    matchId: row.match_id,
    seeker: { organisationId: row.seeker_organisation_id, recordRef: row.seeker_record_ref },
    holder: { organisationId: row.holder_organisation_id, recordRef: row.holder_record_ref },
    strength: row.strength as MatchStrength,
    foundAt: new Date(row.found_at),
  };
}

function linkOf(row: LinkRow): StoredLink {
  return {
    matchId: row.match_id,
    linkedByOrganisationId: row.linked_by_organisation_id,
    consentId: row.consent_id,
    linkedAt: new Date(row.linked_at),
    seekerOrganisationId: row.seeker_organisation_id,
    seekerRecordRef: row.seeker_record_ref ?? undefined,
    holderOrganisationId: row.holder_organisation_id,
    holderRecordRef: row.holder_record_ref ?? undefined,
  };
}

/** The matching service's tables (migrations/0001_matching.sql). */
export const sqlMatchStore: MatchStore = {
  async saveRecord(tx, record, hashes, at) {
    await tx.query(
      `INSERT INTO match_records (organisation_id, record_ref, registered_at, updated_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (organisation_id, record_ref) DO UPDATE SET updated_at = EXCLUDED.updated_at`,
      [record.organisationId, record.recordRef, at],
    );
    await tx.query("DELETE FROM match_keys WHERE organisation_id = $1 AND record_ref = $2", [
      record.organisationId,
      record.recordRef,
    ]);
    if (hashes.length === 0) return;
    await tx.query(
      `INSERT INTO match_keys (organisation_id, record_ref, kind, key_hash)
       SELECT $1, $2, k.kind, k.key_hash FROM unnest($3::smallint[], $4::text[]) AS k(kind, key_hash)
       ON CONFLICT DO NOTHING`,
      [record.organisationId, record.recordRef, hashes.map((h) => h.kind), hashes.map((h) => h.hash)],
    );
  },

  async exists(sql, record) {
    const rows = await sql.query(
      "SELECT 1 FROM match_records WHERE organisation_id = $1 AND record_ref = $2",
      [record.organisationId, record.recordRef],
    );
    return rows.rows.length > 0;
  },

  async candidates(sql, record) {
    const rows = await sql.query<{ organisation_id: string; record_ref: string; kinds: number[] }>(
      `SELECT other.organisation_id, other.record_ref, array_agg(DISTINCT other.kind) AS kinds
         FROM match_keys own
         JOIN match_keys other ON other.key_hash = own.key_hash AND other.kind = own.kind
        WHERE own.organisation_id = $1 AND own.record_ref = $2 AND other.organisation_id <> $1
        GROUP BY other.organisation_id, other.record_ref`,
      [record.organisationId, record.recordRef],
    );
    return rows.rows.map((row) => ({
      organisationId: row.organisation_id,
      recordRef: row.record_ref,
      kinds: row.kinds.map(Number) as MatchKeyKind[],
    }));
  },

  async upsertMatch(tx, pair, at) {
    const rows = await tx.query<MatchRow>(
      `INSERT INTO possible_matches (match_id, seeker_organisation_id, seeker_record_ref, holder_organisation_id,
                                     holder_record_ref, strength, found_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (seeker_organisation_id, seeker_record_ref, holder_organisation_id, holder_record_ref)
       DO UPDATE SET strength = EXCLUDED.strength
       RETURNING *`,
      [
        uuidv4(),
        pair.seeker.organisationId,
        pair.seeker.recordRef,
        pair.holder.organisationId,
        pair.holder.recordRef,
        pair.strength,
        at,
      ],
    );
    return matchOf(rows.rows[0] as MatchRow);
  },

  async findMatch(sql, matchId, seekerOrganisationId) {
    const rows = await sql.query<MatchRow>(
      "SELECT * FROM possible_matches WHERE match_id = $1 AND seeker_organisation_id = $2",
      [matchId, seekerOrganisationId],
    );
    const row = rows.rows[0];
    return row ? matchOf(row) : undefined;
  },

  async removeRecord(tx, record) {
    const params = [record.organisationId, record.recordRef];
    await tx.query(
      "UPDATE match_links SET seeker_record_ref = NULL WHERE seeker_organisation_id = $1 AND seeker_record_ref = $2",
      params,
    );
    await tx.query(
      "UPDATE match_links SET holder_record_ref = NULL WHERE holder_organisation_id = $1 AND holder_record_ref = $2",
      params,
    );
    // Hashes and matches go with the record (ON DELETE CASCADE).
    const deleted = await tx.query(
      "DELETE FROM match_records WHERE organisation_id = $1 AND record_ref = $2",
      params,
    );
    return deleted.rowCount > 0;
  },

  async linkedConsents(sql, matchIds) {
    if (matchIds.length === 0) return new Map();
    const rows = await sql.query<{ match_id: string; consent_id: string }>(
      "SELECT match_id, consent_id FROM match_links WHERE match_id = ANY($1::uuid[])",
      [matchIds],
    );
    return new Map(rows.rows.map((row) => [row.match_id, row.consent_id]));
  },

  async link(tx, link) {
    await tx.query(
      `INSERT INTO match_links (match_id, linked_by_organisation_id, consent_id, linked_at, seeker_organisation_id,
                                seeker_record_ref, holder_organisation_id, holder_record_ref)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (match_id) DO NOTHING`,
      [
        link.matchId,
        link.linkedByOrganisationId,
        link.consentId,
        link.linkedAt,
        link.seekerOrganisationId,
        link.seekerRecordRef ?? null,
        link.holderOrganisationId,
        link.holderRecordRef ?? null,
      ],
    );
    const rows = await tx.query<LinkRow>("SELECT * FROM match_links WHERE match_id = $1", [link.matchId]);
    return linkOf(rows.rows[0] as LinkRow);
  },

  async links(sql, filter) {
    const rows = await sql.query<LinkRow>(
      `SELECT * FROM match_links
        WHERE (seeker_organisation_id = $1 AND ($2::text IS NULL OR seeker_record_ref = $2))
           OR (holder_organisation_id = $1 AND ($2::text IS NULL OR holder_record_ref = $2))
        ORDER BY linked_at DESC, match_id
        LIMIT $3 OFFSET $4`,
      [filter.organisationId, filter.recordRef ?? null, filter.limit, filter.offset],
    );
    return rows.rows.map(linkOf);
  },
};
