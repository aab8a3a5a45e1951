import type { SafeContactWindow } from "@kopru/contracts/referral/v1/package";
import type { Sql } from "@kopru/storage";
import type { BeneficiaryRepository } from "../../application/ports.js";
import type { BeneficiaryRecord } from "../../domain/records.js";
import { optionalText } from "./rows.js";
import { safeWindowsJson, safeWindowsOf } from "./safe-windows.js";

interface BeneficiaryRow {
  beneficiary_id: string;
  organisation_id: string;
  beneficiary_ref: string;
  given_name: string;
  family_name: string;
  preferred_name: string | null;
  sex: number;
  birth_year: number | null;
  nationality: string;
  legal_status: number;
  province_code: string;
  district_code: string;
  province_name: string | null;
  district_name: string | null;
  phone_number: string | null;
  preferred_language: string;
  interpreter_needed: boolean;
  interpreter_language: string | null;
  safe_to_contact: boolean;
  safe_times: string | null;
  preferred_contact_method: number;
  safe_contact_windows: SafeContactWindow[] | string;
  registered_at: Date;
  registered_by_kind: number;
  registered_by_actor_id: string;
  registered_by_role: number;
  updated_at: Date;
  erased_at: Date | null;
}

function fromRow(row: BeneficiaryRow): BeneficiaryRecord {
  return {
    beneficiaryId: row.beneficiary_id,
    organisationId: row.organisation_id,
    beneficiaryRef: row.beneficiary_ref,
    givenName: row.given_name,
    familyName: row.family_name,
    preferredName: optionalText(row.preferred_name),
    sex: row.sex,
    birthYear: row.birth_year ?? undefined,
    nationality: row.nationality,
    legalStatus: row.legal_status,
    residence: {
      provinceCode: row.province_code,
      districtCode: row.district_code,
      provinceName: optionalText(row.province_name),
      districtName: optionalText(row.district_name),
    },
    phoneNumber: optionalText(row.phone_number),
    preferredLanguage: row.preferred_language,
    interpreterNeeded: row.interpreter_needed,
    interpreterLanguage: optionalText(row.interpreter_language),
    safeToContact: row.safe_to_contact,
    safeTimes: optionalText(row.safe_times),
    preferredContactMethod: row.preferred_contact_method,
    safeContactWindows: safeWindowsOf(row.safe_contact_windows),
    registeredAt: new Date(row.registered_at),
    registeredBy: {
      kind: row.registered_by_kind,
      organisationId: row.organisation_id,
      actorId: row.registered_by_actor_id,
      role: row.registered_by_role,
    },
    updatedAt: new Date(row.updated_at),
    erasedAt: row.erased_at ? new Date(row.erased_at) : undefined,
  };
}

export const beneficiaryRepository: BeneficiaryRepository = {
  async insert(tx, b) {
    await tx.query(
      `INSERT INTO beneficiaries (
         beneficiary_id, organisation_id, beneficiary_ref, given_name, family_name, preferred_name, sex,
         birth_year, nationality, legal_status, province_code, district_code, province_name, district_name,
         phone_number, preferred_language, interpreter_needed, interpreter_language, safe_to_contact,
         safe_times, preferred_contact_method, registered_at, registered_by_kind, registered_by_actor_id,
         registered_by_role, updated_at, safe_contact_windows)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
               $21, $22, $23, $24, $25, $26, $27::jsonb)`,
      [
        b.beneficiaryId,
        b.organisationId,
        b.beneficiaryRef,
        b.givenName,
        b.familyName,
        b.preferredName ?? null,
        b.sex,
        b.birthYear ?? null,
        b.nationality,
        b.legalStatus,
        b.residence?.provinceCode ?? "",
        b.residence?.districtCode ?? "",
        b.residence?.provinceName ?? null,
        b.residence?.districtName ?? null,
        b.phoneNumber ?? null,
        b.preferredLanguage,
        b.interpreterNeeded,
        b.interpreterLanguage ?? null,
        b.safeToContact,
        b.safeTimes ?? null,
        b.preferredContactMethod,
        b.registeredAt,
        b.registeredBy?.kind ?? 0,
        b.registeredBy?.actorId ?? "",
        b.registeredBy?.role ?? 0,
        b.updatedAt,
        safeWindowsJson(b.safeContactWindows),
      ],
    );
  },

  async find(sql: Sql, beneficiaryId, organisationId, options = {}) {
    const rows = await sql.query<BeneficiaryRow>(
      `SELECT * FROM beneficiaries WHERE beneficiary_id = $1 AND organisation_id = $2
       ${options.forUpdate ? "FOR UPDATE" : ""}`,
      [beneficiaryId, organisationId],
    );
    const row = rows.rows[0];
    return row ? fromRow(row) : undefined;
  },

  async findByRef(sql, beneficiaryRef, organisationId) {
    const rows = await sql.query<BeneficiaryRow>(
      "SELECT * FROM beneficiaries WHERE beneficiary_ref = $1 AND organisation_id = $2",
      [beneficiaryRef, organisationId],
    );
    const row = rows.rows[0];
    return row ? fromRow(row) : undefined;
  },

  async possibleDuplicates(sql, b) {
    const rows = await sql.query<{ beneficiary_id: string }>(
      `SELECT beneficiary_id FROM beneficiaries
        WHERE organisation_id = $1 AND lower(family_name) = lower($2) AND lower(given_name) = lower($3)
          AND birth_year IS NOT DISTINCT FROM $4 AND beneficiary_id <> $5
        ORDER BY registered_at LIMIT 20`,
      [b.organisationId, b.familyName, b.givenName, b.birthYear ?? null, b.beneficiaryId],
    );
    return rows.rows.map((r) => r.beneficiary_id);
  },

  async updateContact(tx, beneficiaryId, contact) {
    await tx.query(
      `UPDATE beneficiaries SET safe_to_contact = $2, preferred_language = $3, interpreter_needed = $4,
              interpreter_language = $5, updated_at = $6
        WHERE beneficiary_id = $1`,
      [
        beneficiaryId,
        contact.safeToContact,
        contact.preferredLanguage,
        contact.interpreterNeeded,
        contact.interpreterLanguage ?? null,
        contact.updatedAt,
      ],
    );
  },
};
