import { erasedRef, type PersonErasure, type PersonErasureResult } from "@kopru/referral";
import type { Sql } from "@kopru/storage";

/**
 * Erases one person's data from a community centre's tables (ADR 0023; per-table table in the
 * README). Enrolments are found by the participant's ref or by the referral they came from; the
 * participant ref becomes a random token per enrolment. Attendance marks, statuses, dates and
 * certificates stay (counts per activity); centres and activities are the organisation's own data.
 * An enrolment still active is withdrawn first through the late-end hook (the seat is freed there).
 * Idempotent.
 */
export async function eraseCommunityCentrePerson(
  tx: Sql,
  erasure: PersonErasure,
): Promise<PersonErasureResult> {
  const enrolments = await tx.query<{ enrolment_id: string }>(
    `SELECT enrolment_id::text AS enrolment_id FROM enrolments
      WHERE organisation_id = $1
        AND (participant_ref = $2 OR referral_id::text = ANY($3::text[]))
      FOR UPDATE`,
    [erasure.organisationId, erasure.beneficiaryRef, [...erasure.referralIds]],
  );
  const ids = enrolments.rows.map((r) => r.enrolment_id);
  for (const enrolmentId of ids) {
    await tx.query(
      `UPDATE enrolments
          SET participant_ref = CASE WHEN participant_ref LIKE 'erased-%' THEN participant_ref ELSE $2 END
        WHERE enrolment_id = $1`,
      [enrolmentId, erasedRef()],
    );
  }
  return { erasedRecords: ids.length, retainedUnderLegalHold: false };
}
