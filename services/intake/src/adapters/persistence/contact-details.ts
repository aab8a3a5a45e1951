import type { ContactDetailsRepository } from "../../application/ports.js";
import { safeWindowsJson } from "./safe-windows.js";

/** The person's safe-contact details, their version, and the updates that changed them. */
export const contactDetailsRepository: ContactDetailsRepository = {
  async version(sql, beneficiaryId) {
    const rows = await sql.query<{ contact_version: string | number }>(
      "SELECT contact_version FROM beneficiaries WHERE beneficiary_id = $1",
      [beneficiaryId],
    );
    return Number(rows.rows[0]?.contact_version ?? 0);
  },

  async nextVersion(tx, beneficiaryId) {
    const rows = await tx.query<{ contact_version: string | number }>(
      `UPDATE beneficiaries SET contact_version = contact_version + 1 WHERE beneficiary_id = $1
       RETURNING contact_version`,
      [beneficiaryId],
    );
    return Number(rows.rows[0]?.contact_version ?? 0);
  },

  async save(tx, beneficiaryId, details) {
    await tx.query(
      `UPDATE beneficiaries SET safe_to_contact = $2, safe_times = $3, safe_contact_windows = $4::jsonb,
              preferred_contact_method = $5, phone_number = $6, updated_at = $7
        WHERE beneficiary_id = $1`,
      [
        beneficiaryId,
        details.safeToContact,
        details.safeTimes ?? null,
        safeWindowsJson(details.safeContactWindows),
        details.preferredContactMethod,
        details.phoneNumber ?? null,
        details.updatedAt,
      ],
    );
  },

  async recordUpdate(tx, update) {
    await tx.query(
      `INSERT INTO contact_updates (update_id, beneficiary_id, organisation_id, version, notified_organisation_ids, at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        update.updateId,
        update.beneficiaryId,
        update.organisationId,
        update.version,
        [...update.notifiedOrganisationIds],
        update.at,
      ],
    );
  },

  async findUpdate(sql, updateId) {
    const rows = await sql.query<{
      update_id: string;
      beneficiary_id: string;
      organisation_id: string;
      version: string | number;
      notified_organisation_ids: string[];
      at: Date;
    }>("SELECT * FROM contact_updates WHERE update_id = $1", [updateId]);
    const row = rows.rows[0];
    if (!row) return undefined;
    return {
      updateId: row.update_id,
      beneficiaryId: row.beneficiary_id,
      organisationId: row.organisation_id,
      version: Number(row.version),
      notifiedOrganisationIds: row.notified_organisation_ids,
      at: new Date(row.at),
    };
  },
};
