// The personal data intake holds, by purpose, and when each purpose ends (ADR 0026). The retention
// library runs the destruction; this file says what to select and how to destroy it.
import { sentEventsClass } from "@kopru/bus";
import { STREAMS } from "@kopru/events";
import { referrerPackagesClass } from "@kopru/referral";
import type { DataClass } from "@kopru/retention";
import type { Sql } from "@kopru/storage";
import { eraseIntakePerson } from "./erasure.js";

/** A referral intake sent for the person that has not ended yet. */
const OPEN_REFERRAL_OF_BENEFICIARY = `EXISTS (
  SELECT 1 FROM referrals r
   WHERE r.role = 'referrer' AND r.referrer_organisation_id = b.organisation_id
     AND r.beneficiary_ref = b.beneficiary_ref::text AND r.closed_at IS NULL)`;

/**
 * People registered here with no open referral and nothing done for them for the period: no change
 * to their record, no consent given or still running, no screening, no referral ended. Their consents
 * and screenings keep their own periods (their personal fields go with the registration).
 */
export const registrationsClass: DataClass = {
  name: "registrations",
  description: "a registered person with no open referral, from their last activity",
  method: "anonymised",
  defaultPeriodDays: 730,
  reason:
    "people in protracted displacement come back for other services within months to a couple of years; " +
    "asking them to register again costs them and duplicates records. Two years without any activity and " +
    "no open referral means the purpose (referral to services) has ended",
  async select(sql, { organisationId, endedBefore }) {
    const { rows } = await sql.query<{ beneficiary_id: string }>(
      `SELECT b.beneficiary_id::text FROM beneficiaries b
        WHERE b.organisation_id = $1 AND b.erased_at IS NULL
          AND NOT ${OPEN_REFERRAL_OF_BENEFICIARY}
          AND GREATEST(
                b.registered_at, b.updated_at, b.retained_activity_at,
                (SELECT max(GREATEST(c.recorded_at, COALESCE(c.withdrawn_at, c.expires_at)))
                   FROM consents c WHERE c.beneficiary_id = b.beneficiary_id),
                (SELECT max(s.screened_at) FROM screenings s WHERE s.beneficiary_id = b.beneficiary_id),
                (SELECT max(u.at) FROM contact_updates u WHERE u.beneficiary_id = b.beneficiary_id),
                (SELECT max(r.closed_at) FROM referrals r
                  WHERE r.role = 'referrer' AND r.referrer_organisation_id = b.organisation_id
                    AND r.beneficiary_ref = b.beneficiary_ref::text)
              ) < $2
        ORDER BY b.beneficiary_id`,
      [organisationId, endedBefore],
    );
    return rows.map((r) => r.beneficiary_id);
  },
  async destroy(tx, ids, { organisationId }) {
    // The erasure's own anonymiser (ADR 0023): the same rule whether the person asked or time ran out.
    const people = await tx.query<{ beneficiary_id: string; beneficiary_ref: string }>(
      `SELECT beneficiary_id::text, beneficiary_ref::text FROM beneficiaries
        WHERE organisation_id = $1 AND beneficiary_id = ANY($2::uuid[])`,
      [organisationId, ids],
    );
    for (const person of people.rows) {
      await eraseIntakePerson(tx, {
        beneficiaryId: person.beneficiary_id,
        beneficiaryRef: person.beneficiary_ref,
        organisationId,
      });
    }
  },
};

/**
 * Keeps on the person the latest activity the records about to be destroyed stood for
 * (`activities`: beneficiary_id, at), so the registration's period still counts from it.
 */
async function keepActivity(tx: Sql, activities: string, organisationId: string, ids: readonly string[]) {
  await tx.query(
    `UPDATE beneficiaries b SET retained_activity_at = GREATEST(b.retained_activity_at, a.at)
       FROM (${activities}) a WHERE a.beneficiary_id = b.beneficiary_id`,
    [organisationId, ids],
  );
}

/** Consents withdrawn or expired, under which no referral is still open. */
export const endedConsentsClass: DataClass = {
  name: "ended-consents",
  description: "a consent withdrawn or expired with no open referral under it, from its withdrawal or expiry",
  method: "erased",
  defaultPeriodDays: 365,
  reason:
    "the record of a consent is the proof that what was shared under it was lawful; a year after it ended " +
    "covers a complaint to the organisation or the KVKK Board about those disclosures",
  // A withdrawal travels to every holder on the consent stream.
  carriedBy: [STREAMS.consent, STREAMS.deadLetter],
  async select(sql, { organisationId, endedBefore, now }) {
    const { rows } = await sql.query<{ consent_id: string }>(
      `SELECT c.consent_id::text FROM consents c
        WHERE c.organisation_id = $1
          AND (c.withdrawn_at IS NOT NULL OR c.expires_at <= $3)
          AND COALESCE(c.withdrawn_at, c.expires_at) < $2
          AND NOT EXISTS (
            SELECT 1 FROM referrals r
             WHERE r.role = 'referrer' AND r.referrer_organisation_id = c.organisation_id
               AND r.consent_id = c.consent_id::text AND r.closed_at IS NULL)
        ORDER BY c.consent_id`,
      [organisationId, endedBefore, now],
    );
    return rows.map((r) => r.consent_id);
  },
  async destroy(tx, ids, { organisationId }) {
    await keepActivity(
      tx,
      `SELECT beneficiary_id, max(GREATEST(recorded_at, COALESCE(withdrawn_at, expires_at))) AS at FROM consents
        WHERE organisation_id = $1 AND consent_id = ANY($2::uuid[]) GROUP BY beneficiary_id`,
      organisationId,
      ids,
    );
    await tx.query("DELETE FROM consents WHERE organisation_id = $1 AND consent_id = ANY($2::uuid[])", [
      organisationId,
      ids,
    ]);
  },
};

/** Needs screenings, unless it is the latest one of a person with an open referral. */
export const screeningsClass: DataClass = {
  name: "screenings",
  description:
    "a needs screening, from the day it was made, unless it is the latest of a person with an open referral",
  method: "erased",
  defaultPeriodDays: 365,
  reason:
    "a screening describes needs at one moment; after a year it is out of date for routing, and what was " +
    "shared from it is in the referral packages (which have their own period)",
  async select(sql, { organisationId, endedBefore }) {
    const { rows } = await sql.query<{ screening_id: string }>(
      `SELECT s.screening_id::text FROM screenings s JOIN beneficiaries b ON b.beneficiary_id = s.beneficiary_id
        WHERE s.organisation_id = $1 AND s.screened_at < $2
          AND NOT (
            ${OPEN_REFERRAL_OF_BENEFICIARY}
            AND NOT EXISTS (SELECT 1 FROM screenings later
                             WHERE later.beneficiary_id = s.beneficiary_id AND later.screened_at > s.screened_at))
        ORDER BY s.screening_id`,
      [organisationId, endedBefore],
    );
    return rows.map((r) => r.screening_id);
  },
  async destroy(tx, ids, { organisationId }) {
    await keepActivity(
      tx,
      `SELECT beneficiary_id, max(screened_at) AS at FROM screenings
        WHERE organisation_id = $1 AND screening_id = ANY($2::uuid[]) GROUP BY beneficiary_id`,
      organisationId,
      ids,
    );
    await tx.query("DELETE FROM screenings WHERE organisation_id = $1 AND screening_id = ANY($2::uuid[])", [
      organisationId,
      ids,
    ]);
  },
};

/** The referral library's referrer copies, plus intake's own staff notes on those referrals. */
export const intakeReferrerPackagesClass: DataClass = {
  ...referrerPackagesClass,
  description: `${referrerPackagesClass.description}, with intake staff's notes on it`,
  async destroy(tx, ids, scope) {
    await referrerPackagesClass.destroy(tx, ids, scope);
    await tx.query(
      "DELETE FROM referral_notes WHERE organisation_id = $1 AND referral_id = ANY($2::uuid[])",
      [scope.organisationId, ids],
    );
  },
};

/** Registrations first: their last activity is judged before the same run destroys a part of it. */
export const INTAKE_RETENTION_CLASSES: readonly DataClass[] = [
  registrationsClass,
  intakeReferrerPackagesClass,
  endedConsentsClass,
  screeningsClass,
  // The outbox copies of published events, personal data included.
  sentEventsClass([STREAMS.referral, STREAMS.consent]),
];
