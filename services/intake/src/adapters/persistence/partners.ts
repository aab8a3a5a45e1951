import type { PartnerOrganisationRepository } from "../../application/ports.js";

export const partnerOrganisationRepository: PartnerOrganisationRepository = {
  async seed(db, organisationIds) {
    await db.transaction(async (tx) => {
      await tx.query(
        "UPDATE partner_organisations SET active = false, updated_at = now() WHERE active AND NOT (organisation_id = ANY($1::text[]))",
        [[...organisationIds]],
      );
      for (const organisationId of organisationIds) {
        await tx.query(
          `INSERT INTO partner_organisations (organisation_id, active) VALUES ($1, true)
           ON CONFLICT (organisation_id) DO UPDATE SET active = true, updated_at = now()
           WHERE NOT partner_organisations.active`,
          [organisationId],
        );
      }
    });
  },

  async isServed(sql, organisationId) {
    const rows = await sql.query(
      "SELECT 1 FROM partner_organisations WHERE organisation_id = $1 AND active",
      [organisationId],
    );
    // rows, not rowCount: the embedded PGlite reports rowCount 0 for a SELECT.
    return rows.rows.length > 0;
  },
};
