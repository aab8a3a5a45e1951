import { anonymiseReferral, erasedRef, scrubPublishedPersonalData } from "@kopru/referral";
import type { Sql } from "@kopru/storage";

/**
 * Erases intake's own copy of one person (ADR 0023; per-table table in the README): the
 * registration's personal fields, the caregiver named on consents, the screening's free text and
 * sections, staff notes on the person's referrals, the referrer copies of the packages sent and the
 * sent outbox rows that carried them. Kept: ids, codes, bands, timestamps, consent scopes (the proof
 * that each disclosure was lawful; legal hold) and the append-only audit. Returns the referrals the
 * person's data travelled through. Idempotent.
 */
export async function eraseIntakePerson(
  tx: Sql,
  person: { beneficiaryId: string; beneficiaryRef: string; organisationId: string },
): Promise<{ referralIds: string[] }> {
  const referrals = await tx.query<{ referral_id: string }>(
    `SELECT referral_id::text AS referral_id FROM referrals
      WHERE role = 'referrer' AND referrer_organisation_id = $1 AND beneficiary_ref = $2
      ORDER BY requested_at, referral_id`,
    [person.organisationId, person.beneficiaryRef],
  );
  const referralIds = referrals.rows.map((r) => r.referral_id);
  for (const referralId of referralIds) await anonymiseReferral(tx, referralId, "referrer");
  await tx.query("DELETE FROM referral_notes WHERE referral_id::text = ANY($1::text[])", [referralIds]);

  await tx.query(
    `UPDATE beneficiaries
        SET given_name = '', family_name = '', preferred_name = NULL, birth_year = NULL,
            phone_number = NULL, safe_times = NULL, safe_contact_windows = '[]'::jsonb,
            province_name = NULL, district_name = NULL, interpreter_language = NULL,
            beneficiary_ref = $2::uuid, erased_at = COALESCE(erased_at, now())
      WHERE beneficiary_id = $1`,
    [person.beneficiaryId, erasedUuid()],
  );
  const consents = await tx.query<{ consent_id: string }>(
    "UPDATE consents SET caregiver_relationship = NULL WHERE beneficiary_id = $1 RETURNING consent_id::text",
    [person.beneficiaryId],
  );
  await tx.query(
    `UPDATE screenings
        SET needs_summary = NULL, household = NULL, washington_group_answers = '[]'::jsonb,
            protection = NULL, gbv = NULL, child_protection = NULL, health = NULL, mhpss = NULL,
            financial = NULL, education = NULL, legal_document = NULL
      WHERE beneficiary_id = $1`,
    [person.beneficiaryId],
  );
  // Contact updates (aggregate: the person's ref) and consent withdrawals (the consent) carried the
  // person's contact section or ref.
  await scrubPublishedPersonalData(tx, [person.beneficiaryRef, ...consents.rows.map((c) => c.consent_id)]);
  return { referralIds };
}

/** beneficiaries.beneficiary_ref is a uuid column: the erased token is a fresh random uuid. */
function erasedUuid(): string {
  return erasedRef().slice("erased-".length);
}
