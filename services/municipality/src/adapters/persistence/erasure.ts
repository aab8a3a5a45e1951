import { erasedRef, type PersonErasure, type PersonErasureResult } from "@kopru/referral";
import type { Sql } from "@kopru/storage";

/**
 * Erases one person's data from an MMCC's tables (ADR 0023; per-table table in the README). Cases are
 * found by the person's ref or a referral they serve; counselling notes, assistance descriptions and
 * closure notes go; the ref becomes a random token (so the one-open-case-per-person index never
 * matches it again). Session types, topics, durations, assistance kinds and amounts, dates and bands
 * stay for the figures. Idempotent.
 */
export async function eraseMunicipalityPerson(tx: Sql, erasure: PersonErasure): Promise<PersonErasureResult> {
  const cases = await tx.query<{ case_id: string }>(
    `SELECT case_id::text AS case_id FROM municipality_cases
      WHERE organisation_id = $1
        AND (beneficiary_ref = $2
             OR case_id IN (SELECT case_id FROM municipality_case_referrals
                             WHERE referral_id::text = ANY($3::text[])))
      FOR UPDATE`,
    [erasure.organisationId, erasure.beneficiaryRef, [...erasure.referralIds]],
  );
  const ids = cases.rows.map((r) => r.case_id);
  if (ids.length === 0) return { erasedRecords: 0, retainedUnderLegalHold: false };
  for (const caseId of ids) {
    await tx.query(
      `UPDATE municipality_cases SET closure_note = NULL,
              beneficiary_ref = CASE WHEN beneficiary_ref LIKE 'erased-%' THEN beneficiary_ref ELSE $2 END
        WHERE case_id = $1`,
      [caseId, erasedRef()],
    );
  }
  await tx.query("UPDATE counselling_sessions SET notes = NULL WHERE case_id = ANY($1::uuid[])", [ids]);
  await tx.query("UPDATE direct_assistance SET description = NULL WHERE case_id = ANY($1::uuid[])", [ids]);
  return { erasedRecords: ids.length, retainedUnderLegalHold: false };
}
