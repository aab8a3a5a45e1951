import { type SiteRow, siteFromRow, siteValues } from "@kopru/casework/domain";
import type { CentreRecord, CentreRepository } from "../../application/ports.js";

interface CentreRow extends SiteRow {
  centre_id: string;
  active: boolean;
}

function fromRow(row: CentreRow): CentreRecord {
  return { ...siteFromRow(row), centreId: row.centre_id, active: row.active };
}

export const centreRepository: CentreRepository = {
  async upsert(sql, c, at) {
    await sql.query(
      `INSERT INTO centres (centre_id, organisation_id, name, province_code, province_name, district_code,
         district_name, languages, active, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (centre_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id, name = EXCLUDED.name,
         province_code = EXCLUDED.province_code, province_name = EXCLUDED.province_name,
         district_code = EXCLUDED.district_code, district_name = EXCLUDED.district_name,
         languages = EXCLUDED.languages, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at`,
      [c.centreId, ...siteValues(c), c.active, at],
    );
  },

  async deactivateOthers(sql, hosted, at) {
    await sql.query(
      "UPDATE centres SET active = false, updated_at = $2 WHERE active AND organisation_id <> ALL($1::text[])",
      [[...hosted], at],
    );
  },

  async find(sql, centreId) {
    const rows = await sql.query<CentreRow>("SELECT * FROM centres WHERE centre_id = $1", [centreId]);
    return rows.rows[0] ? fromRow(rows.rows[0]) : undefined;
  },

  async list(sql, filter) {
    const rows = await sql.query<CentreRow>(
      `SELECT * FROM centres
        WHERE active
          AND (cardinality($1::text[]) = 0 OR organisation_id = ANY($1::text[]))
          AND (cardinality($2::text[]) = 0 OR province_code = ANY($2::text[]))
        ORDER BY organisation_id, name LIMIT $3 OFFSET $4`,
      [[...filter.organisationIds], [...filter.provinceCodes], filter.limit, filter.offset],
    );
    return rows.rows.map(fromRow);
  },
};
