import { STREAMS } from "@kopru/events";
import type { DataClass, DestructionScope } from "@kopru/retention";
import type { Sql } from "@kopru/storage";
import { anonymiseReferral } from "./erasure.js";

// Packages and contact updates travel on the referral stream, consent withdrawals addressed to a
// holder on the consent stream, and both land on the dead-letter stream
// when a consumer gives up on them: neither may keep a copy longer than the record it copies.
const CARRIED_BY = [STREAMS.referral, STREAMS.consent, STREAMS.deadLetter];

type Role = "referrer" | "target";

const ORGANISATION_COLUMN: Record<Role, string> = {
  referrer: "referrer_organisation_id",
  target: "target_organisation_id",
};

/** This organisation's copies (in `role`) of referrals that ended before the cut-off, not yet anonymised. */
async function endedCopies(sql: Sql, role: Role, { organisationId, endedBefore }: DestructionScope) {
  const { rows } = await sql.query<{ referral_id: string }>(
    `SELECT referral_id::text FROM referrals
      WHERE role = $1 AND ${ORGANISATION_COLUMN[role]} = $2 AND closed_at < $3 AND erased_at IS NULL
      ORDER BY referral_id`,
    [role, organisationId, endedBefore],
  );
  return rows.map((r) => r.referral_id);
}

/** Anonymises each copy with the erasure's per-record anonymiser (ADR 0023): one rule for both. */
async function anonymiseCopies(tx: Sql, role: Role, referralIds: readonly string[]): Promise<void> {
  for (const referralId of referralIds) await anonymiseReferral(tx, referralId, role);
}

/** The referrer's copy of the package of a referral that ended (declined, completed, cancelled, …). */
export const referrerPackagesClass: DataClass = {
  name: "referrer-packages",
  description: "the referrer's copy of the package of a referral that ended, from the day it ended",
  method: "anonymised",
  defaultPeriodDays: 90,
  reason:
    "long enough to answer the person and the receiving partner about the referral, take a late outcome and " +
    "re-refer; the figures stay (PII-free) in the referral row and coordination",
  carriedBy: CARRIED_BY,
  select: (sql, scope) => endedCopies(sql, "referrer", scope),
  destroy: (tx, ids) => anonymiseCopies(tx, "referrer", ids),
};

/** The receiving organisation's copy of the package of a referral that ended. */
export const receivedPackagesClass: DataClass = {
  name: "received-packages",
  description: "the package a receiving organisation holds of a referral that ended, from the day it ended",
  method: "anonymised",
  defaultPeriodDays: 90,
  reason:
    "the receiving partner's purpose ends with the referral; 90 days cover a late outcome, a complaint and an " +
    "onward referral's questions; the case record, not the package, carries any longer work",
  carriedBy: CARRIED_BY,
  select: (sql, scope) => endedCopies(sql, "target", scope),
  destroy: (tx, ids) => anonymiseCopies(tx, "target", ids),
};

/** Attempts to reach the person about a referral that ended. */
export const contactAttemptsClass: DataClass = {
  name: "contact-attempts",
  description: "attempts to reach the person about a referral received, from the day the referral ended",
  method: "erased",
  defaultPeriodDays: 90,
  reason: "they serve only the referral they were made for; kept as long as its package",
  carriedBy: CARRIED_BY,
  async select(sql, { organisationId, endedBefore }) {
    const { rows } = await sql.query<{ attempt_id: string }>(
      `SELECT a.attempt_id::text FROM referral_contact_attempts a
         JOIN referrals r ON r.referral_id = a.referral_id AND r.role = 'target' AND r.target_organisation_id = a.organisation_id
        WHERE a.organisation_id = $1 AND r.closed_at < $2
        ORDER BY a.attempt_id`,
      [organisationId, endedBefore],
    );
    return rows.map((r) => r.attempt_id);
  },
  async destroy(tx, ids, { organisationId }) {
    await tx.query(
      "DELETE FROM referral_contact_attempts WHERE organisation_id = $1 AND attempt_id = ANY($2::uuid[])",
      [organisationId, ids],
    );
  },
};

/** What every receiving service holds through the referral library (it may also refer onward). */
export const receivingReferralClasses: readonly DataClass[] = [
  receivedPackagesClass,
  contactAttemptsClass,
  referrerPackagesClass,
];
