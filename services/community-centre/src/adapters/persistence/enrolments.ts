import type { EnrolmentStatus } from "@kopru/contracts/communitycentre/v1/activity";
import { isUniqueViolation } from "@kopru/storage";
import type { EnrolmentRecord, EnrolmentRepository } from "../../application/ports.js";
import { AlreadyEnrolledError } from "../../domain/index.js";

interface EnrolmentRow {
  enrolment_id: string;
  activity_id: string;
  centre_id: string;
  organisation_id: string;
  referral_id: string;
  participant_ref: string;
  status: number;
  enrolled_at: Date;
  ended_at: Date | null;
  certificate_issued: boolean;
  sessions_attended: number;
  sessions_held: number;
}

const SELECT = `SELECT e.*,
    (SELECT count(*) FROM attendance t WHERE t.enrolment_id = e.enrolment_id AND t.status = 1)::int AS sessions_attended,
    (SELECT count(*) FROM attendance t WHERE t.enrolment_id = e.enrolment_id)::int AS sessions_held
  FROM enrolments e`;

function fromRow(row: EnrolmentRow): EnrolmentRecord {
  return {
    enrolmentId: row.enrolment_id,
    activityId: row.activity_id,
    centreId: row.centre_id,
    organisationId: row.organisation_id,
    referralId: row.referral_id,
    participantRef: row.participant_ref,
    status: row.status as EnrolmentStatus,
    enrolledAt: new Date(row.enrolled_at),
    endedAt: row.ended_at ? new Date(row.ended_at) : undefined,
    certificateIssued: row.certificate_issued,
    sessionsAttended: row.sessions_attended,
    sessionsHeld: row.sessions_held,
  };
}

export const enrolmentRepository: EnrolmentRepository = {
  async insert(sql, e) {
    try {
      await sql.query(
        `INSERT INTO enrolments (enrolment_id, activity_id, centre_id, organisation_id, referral_id, participant_ref,
           status, enrolled_at, ended_at, certificate_issued)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          e.enrolmentId,
          e.activityId,
          e.centreId,
          e.organisationId,
          e.referralId,
          e.participantRef,
          e.status,
          e.enrolledAt,
          e.endedAt ?? null,
          e.certificateIssued,
        ],
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const constraint = (error as { constraint?: string }).constraint ?? "";
      throw new AlreadyEnrolledError(
        constraint.includes("person")
          ? "the person already has a seat in this activity"
          : `referral ${e.referralId} already has a seat; complete that enrolment first`,
      );
    }
  },

  async find(sql, organisationId, enrolmentId, options = {}) {
    const rows = await sql.query<EnrolmentRow>(
      `${SELECT} WHERE e.enrolment_id = $1 AND e.organisation_id = $2 ${options.forUpdate ? "FOR UPDATE OF e" : ""}`,
      [enrolmentId, organisationId],
    );
    return rows.rows[0] ? fromRow(rows.rows[0]) : undefined;
  },

  async findInActivity(sql, activityId, ids) {
    const rows = await sql.query<EnrolmentRow>(
      `${SELECT} WHERE e.activity_id = $1 AND e.enrolment_id = ANY($2::uuid[]) ORDER BY e.enrolled_at, e.enrolment_id`,
      [activityId, [...ids]],
    );
    return rows.rows.map(fromRow);
  },

  async currentForReferral(sql, organisationId, referralId) {
    const rows = await sql.query<EnrolmentRow>(
      `${SELECT} WHERE e.referral_id = $1 AND e.organisation_id = $2 AND e.status = 1`,
      [referralId, organisationId],
    );
    return rows.rows[0] ? fromRow(rows.rows[0]) : undefined;
  },

  async save(sql, e) {
    await sql.query(
      "UPDATE enrolments SET status = $2, ended_at = $3, certificate_issued = $4 WHERE enrolment_id = $1",
      [e.enrolmentId, e.status, e.endedAt ?? null, e.certificateIssued],
    );
  },

  async list(sql, f) {
    const rows = await sql.query<EnrolmentRow>(
      `${SELECT} WHERE e.activity_id = $1 AND (cardinality($2::int[]) = 0 OR e.status = ANY($2::int[]))
        ORDER BY e.enrolled_at, e.enrolment_id LIMIT $3 OFFSET $4`,
      [f.activityId, [...f.statuses], f.limit, f.offset],
    );
    return rows.rows.map(fromRow);
  },
};
