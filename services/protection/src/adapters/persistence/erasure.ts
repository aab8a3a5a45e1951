import { erasedRef, type PersonErasure, type PersonErasureResult } from "@kopru/referral";
import type { Sql } from "@kopru/storage";

/**
 * Erases one person's data from the protection tables (ADR 0023; the per-table table is in the
 * README). Cases are found by the person's ref or by a referral they serve; their free text goes,
 * their ref becomes a random token, codes, levels, dates and bands stay for the PII-free figures.
 * Idempotent: a second run finds the same cases (by referral) and nothing personal left.
 */
export async function eraseProtectionPerson(tx: Sql, erasure: PersonErasure): Promise<PersonErasureResult> {
  const cases = await tx.query<{ case_id: string }>(
    `SELECT case_id::text AS case_id FROM protection_cases
      WHERE organisation_id = $1
        AND (beneficiary_ref = $2
             OR case_id IN (SELECT case_id FROM protection_case_referrals WHERE referral_id::text = ANY($3::text[])))
      FOR UPDATE`,
    [erasure.organisationId, erasure.beneficiaryRef, [...erasure.referralIds]],
  );
  const ids = cases.rows.map((r) => r.case_id);
  if (ids.length === 0) return { erasedRecords: 0, retainedUnderLegalHold: false };
  for (const caseId of ids) {
    await tx.query(
      `UPDATE protection_cases SET closure_note = NULL,
              beneficiary_ref = CASE WHEN beneficiary_ref LIKE 'erased-%' THEN beneficiary_ref ELSE $2 END
        WHERE case_id = $1`,
      [caseId, erasedRef()],
    );
  }
  await tx.query("UPDATE risk_assessments SET summary = NULL WHERE case_id = ANY($1::uuid[])", [ids]);
  await tx.query("UPDATE safety_plans SET notes = NULL WHERE case_id = ANY($1::uuid[])", [ids]);
  await tx.query(
    `UPDATE safety_plan_actions SET description = '[erased]'
      WHERE safety_plan_id IN (SELECT safety_plan_id FROM safety_plans WHERE case_id = ANY($1::uuid[]))`,
    [ids],
  );
  return { erasedRecords: ids.length, retainedUnderLegalHold: false };
}
