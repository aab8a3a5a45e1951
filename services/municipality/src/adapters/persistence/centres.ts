import { type SiteRow, siteFromRow, siteValues } from "@kopru/casework/domain";
import type { CentreRecord, CentreRepository } from "../../application/ports.js";

interface CentreRow extends SiteRow {
  active: boolean;
}

function fromRow(row: CentreRow): CentreRecord {
  return { ...siteFromRow(row), active: row.active };
}

export const centreRepository: CentreRepository = {
  async syncHosted(sql, profiles, at) {
    for (const p of profiles) {
      await sql.query(
        `INSERT INTO mmccs (organisation_id, name, province_code, province_name, district_code, district_name,
           languages, active, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8)
         ON CONFLICT (organisation_id) DO UPDATE SET name = EXCLUDED.name, province_code = EXCLUDED.province_code,
           province_name = EXCLUDED.province_name, district_code = EXCLUDED.district_code,
           district_name = EXCLUDED.district_name, languages = EXCLUDED.languages, active = true,
           updated_at = EXCLUDED.updated_at`,
        [...siteValues(p), at],
      );
    }
    await sql.query(
      "UPDATE mmccs SET active = false, updated_at = $2 WHERE active AND organisation_id <> ALL($1::text[])",
      [profiles.map((p) => p.organisationId), at],
    );
  },

  async list(sql, filter) {
    const rows = await sql.query<CentreRow>(
      `SELECT * FROM mmccs
        WHERE active AND (cardinality($1::text[]) = 0 OR province_code = ANY($1::text[]))
        ORDER BY organisation_id LIMIT $2 OFFSET $3`,
      [[...filter.provinceCodes], filter.limit, filter.offset],
    );
    return rows.rows.map(fromRow);
  },
};
