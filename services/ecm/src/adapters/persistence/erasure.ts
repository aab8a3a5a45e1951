import { erasedRef, type PersonErasure, type PersonErasureResult } from "@kopru/referral";
import type { Sql } from "@kopru/storage";

/**
 * Erases one person's data from the ECM tables (ADR 0023; per-table table in the README). Cases are
 * found by the person's ref or a referral they serve; assessment summaries, assistance descriptions,
 * cancel and closure notes go; the ref becomes a random token. Kinds, amounts, currencies, payment
 * channels and dates of assistance stay: the accounts of what was delivered must balance (they name
 * no one once the ref is gone). Idempotent.
 */
export async function eraseEcmPerson(tx: Sql, erasure: PersonErasure): Promise<PersonErasureResult> {
  const cases = await tx.query<{ case_id: string }>(
    `SELECT case_id::text AS case_id FROM ecm_cases
      WHERE organisation_id = $1
        AND (beneficiary_ref = $2
             OR case_id IN (SELECT case_id FROM ecm_case_referrals WHERE referral_id::text = ANY($3::text[])))
      FOR UPDATE`,
    [erasure.organisationId, erasure.beneficiaryRef, [...erasure.referralIds]],
  );
  const ids = cases.rows.map((r) => r.case_id);
  if (ids.length === 0) return { erasedRecords: 0, retainedUnderLegalHold: false };
  for (const caseId of ids) {
    await tx.query(
      `UPDATE ecm_cases SET closure_note = NULL,
              beneficiary_ref = CASE WHEN beneficiary_ref LIKE 'erased-%' THEN beneficiary_ref ELSE $2 END
        WHERE case_id = $1`,
      [caseId, erasedRef()],
    );
  }
  await tx.query("UPDATE ecm_assessments SET summary = NULL WHERE case_id = ANY($1::uuid[])", [ids]);
  await tx.query(
    "UPDATE assistance_items SET description = NULL, cancel_note = NULL WHERE case_id = ANY($1::uuid[])",
    [ids],
  );
  return { erasedRecords: ids.length, retainedUnderLegalHold: false };
}
