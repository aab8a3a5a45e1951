// The personal data a community centre holds, by purpose, and when each purpose ends (ADR 0026).
import { randomUUID } from "node:crypto";
import { sentEventsClass } from "@kopru/bus";
import { STREAMS } from "@kopru/events";
import { receivingReferralClasses } from "@kopru/referral";
import type { DataClass } from "@kopru/retention";
import { eraseCommunityCentrePerson } from "./erasure.js";

/** An enrolment that ended (completed, withdrawn, dropped out). */
export const endedEnrolmentsClass: DataClass = {
  name: "ended-enrolments",
  description: "an enrolment that ended (completed, withdrawn, dropped out), from the day it ended",
  method: "anonymised",
  defaultPeriodDays: 365,
  reason:
    "a participant may ask for proof of a course (a certificate) in the following months, and the centre " +
    "reports attendance yearly; attendance marks, statuses and dates stay for the counts per activity",
  async select(sql, { organisationId, endedBefore }) {
    // Another enrolment of the same referral still running keeps both (the erase hook goes by referral).
    const { rows } = await sql.query<{ enrolment_id: string }>(
      `SELECT e.enrolment_id::text FROM enrolments e
        WHERE e.organisation_id = $1 AND e.ended_at < $2 AND e.participant_ref NOT LIKE 'erased-%'
          AND NOT EXISTS (SELECT 1 FROM enrolments running
                           WHERE running.referral_id = e.referral_id AND running.ended_at IS NULL)
        ORDER BY e.enrolment_id`,
      [organisationId, endedBefore],
    );
    return rows.map((r) => r.enrolment_id);
  },
  async destroy(tx, ids, { organisationId, now }) {
    // The erasure's own hook (ADR 0023), given the enrolments' referrals and no person ref.
    const referrals = await tx.query<{ referral_id: string }>(
      "SELECT DISTINCT referral_id::text FROM enrolments WHERE organisation_id = $1 AND enrolment_id = ANY($2::uuid[])",
      [organisationId, ids],
    );
    await eraseCommunityCentrePerson(tx, {
      erasureRequestId: randomUUID(),
      organisationId,
      beneficiaryRef: "",
      referralIds: referrals.rows.map((r) => r.referral_id),
      at: now,
    });
  },
};

export const COMMUNITY_CENTRE_RETENTION_CLASSES: readonly DataClass[] = [
  endedEnrolmentsClass,
  ...receivingReferralClasses,
  // The outbox copies of published events, personal data included.
  sentEventsClass([STREAMS.referral, STREAMS.consent]),
];
