import type { ConsentRepository } from "../../application/ports.js";
import type { ConsentRecordStored } from "../../domain/records.js";
import { numbers, optionalDate, optionalText } from "./rows.js";

interface ConsentRow {
  consent_id: string;
  beneficiary_id: string;
  organisation_id: string;
  given_by: number;
  caregiver_relationship: string | null;
  method: number;
  explained_in_language: string;
  interpreter_used: boolean;
  recorded_at: Date;
  recorded_by_kind: number;
  recorded_by_actor_id: string;
  recorded_by_role: number;
  scope_organisation_ids: string[];
  scope_partner_kinds: number[];
  scope_purposes: number[];
  scope_data_categories: number[];
  expires_at: Date;
  withdrawn_at: Date | null;
  withdrawal_reason: number | null;
  withdrawal_notified_organisation_ids: string[];
  withdrawal_cancelled_referral_ids: string[];
}

function fromRow(row: ConsentRow): ConsentRecordStored {
  return {
    consentId: row.consent_id,
    beneficiaryId: row.beneficiary_id,
    organisationId: row.organisation_id,
    givenBy: row.given_by,
    caregiverRelationship: optionalText(row.caregiver_relationship),
    method: row.method,
    explainedInLanguage: row.explained_in_language,
    interpreterUsed: row.interpreter_used,
    recordedAt: new Date(row.recorded_at),
    recordedBy: {
      kind: row.recorded_by_kind,
      organisationId: row.organisation_id,
      actorId: row.recorded_by_actor_id,
      role: row.recorded_by_role,
    },
    scope: {
      organisationIds: [...row.scope_organisation_ids],
      partnerKinds: numbers(row.scope_partner_kinds),
      purposes: numbers(row.scope_purposes),
      dataCategories: numbers(row.scope_data_categories),
    },
    expiresAt: new Date(row.expires_at),
    withdrawnAt: optionalDate(row.withdrawn_at),
    withdrawalReason: row.withdrawal_reason ?? 0,
    withdrawalNotifiedOrganisationIds: [...row.withdrawal_notified_organisation_ids],
    withdrawalCancelledReferralIds: [...row.withdrawal_cancelled_referral_ids],
  };
}

export const consentRepository: ConsentRepository = {
  async insert(tx, c) {
    await tx.query(
      `INSERT INTO consents (
         consent_id, beneficiary_id, organisation_id, given_by, caregiver_relationship, method,
         explained_in_language, interpreter_used, recorded_at, recorded_by_kind, recorded_by_actor_id,
         recorded_by_role, scope_organisation_ids, scope_partner_kinds, scope_purposes, scope_data_categories,
         expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        c.consentId,
        c.beneficiaryId,
        c.organisationId,
        c.givenBy,
        c.caregiverRelationship ?? null,
        c.method,
        c.explainedInLanguage,
        c.interpreterUsed,
        c.recordedAt,
        c.recordedBy?.kind ?? 0,
        c.recordedBy?.actorId ?? "",
        c.recordedBy?.role ?? 0,
        [...(c.scope?.organisationIds ?? [])],
        [...(c.scope?.partnerKinds ?? [])],
        [...(c.scope?.purposes ?? [])],
        [...(c.scope?.dataCategories ?? [])],
        c.expiresAt,
      ],
    );
  },

  async find(sql, consentId, organisationId, options = {}) {
    const rows = await sql.query<ConsentRow>(
      `SELECT * FROM consents WHERE consent_id = $1 AND organisation_id = $2
       ${options.lock === "update" ? "FOR UPDATE" : options.lock === "share" ? "FOR SHARE" : ""}`,
      [consentId, organisationId],
    );
    const row = rows.rows[0];
    return row ? fromRow(row) : undefined;
  },

  async forBeneficiary(sql, beneficiaryId) {
    const rows = await sql.query<ConsentRow>(
      "SELECT * FROM consents WHERE beneficiary_id = $1 ORDER BY recorded_at DESC, consent_id DESC",
      [beneficiaryId],
    );
    return rows.rows.map(fromRow);
  },

  async markWithdrawn(tx, consentId, withdrawal) {
    await tx.query(
      `UPDATE consents SET withdrawn_at = $2, withdrawal_reason = $3,
              withdrawal_notified_organisation_ids = $4, withdrawal_cancelled_referral_ids = $5
        WHERE consent_id = $1 AND withdrawn_at IS NULL`,
      [
        consentId,
        withdrawal.at,
        withdrawal.reason,
        [...withdrawal.notifiedOrganisationIds],
        [...withdrawal.cancelledReferralIds],
      ],
    );
  },
};
