import type { Sex } from "@kopru/contracts/common/v1/disaggregation";
import type { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { ActivityKind, ActivityStatus, Weekday } from "@kopru/contracts/communitycentre/v1/activity";
import type { ActivityRecord, ActivityRepository } from "../../application/ports.js";

interface ActivityRow {
  activity_id: string;
  centre_id: string;
  organisation_id: string;
  title: string;
  kind: number;
  service_type: number;
  language: string;
  level: string | null;
  capacity: number;
  seats_taken: number;
  first_session_at: Date;
  last_session_at: Date | null;
  days: number[];
  start_time: string;
  session_minutes: number;
  time_zone: string;
  total_sessions: number | null;
  min_age: number | null;
  max_age: number | null;
  sexes: number[];
  status: number;
  created_at: Date;
  updated_at: Date;
  event_sequence: number;
}

function fromRow(row: ActivityRow): ActivityRecord {
  return {
    activityId: row.activity_id,
    centreId: row.centre_id,
    organisationId: row.organisation_id,
    title: row.title,
    kind: row.kind as ActivityKind,
    serviceType: row.service_type as ServiceType,
    language: row.language,
    level: row.level ?? undefined,
    capacity: row.capacity,
    seatsTaken: row.seats_taken,
    schedule: {
      firstSessionAt: new Date(row.first_session_at),
      lastSessionAt: row.last_session_at ? new Date(row.last_session_at) : undefined,
      days: row.days as Weekday[],
      startTime: row.start_time,
      sessionMinutes: row.session_minutes,
      timeZone: row.time_zone,
      totalSessions: row.total_sessions ?? undefined,
    },
    minAge: row.min_age ?? undefined,
    maxAge: row.max_age ?? undefined,
    sexes: row.sexes as Sex[],
    status: row.status as ActivityStatus,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    eventSequence: row.event_sequence,
  };
}

export const activityRepository: ActivityRepository = {
  async insertIfAbsent(sql, a) {
    const s = a.schedule;
    const result = await sql.query(
      `INSERT INTO activities (activity_id, centre_id, organisation_id, title, kind, service_type, language, level,
         capacity, seats_taken, first_session_at, last_session_at, days, start_time, session_minutes, time_zone,
         total_sessions, min_age, max_age, sexes, status, created_at, updated_at, event_sequence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
         $23, $24)
       ON CONFLICT (activity_id) DO NOTHING`,
      [
        a.activityId,
        a.centreId,
        a.organisationId,
        a.title,
        a.kind,
        a.serviceType,
        a.language,
        a.level ?? null,
        a.capacity,
        a.seatsTaken,
        s.firstSessionAt,
        s.lastSessionAt ?? null,
        [...s.days],
        s.startTime,
        s.sessionMinutes,
        s.timeZone,
        s.totalSessions ?? null,
        a.minAge ?? null,
        a.maxAge ?? null,
        [...a.sexes],
        a.status,
        a.createdAt,
        a.updatedAt,
        a.eventSequence,
      ],
    );
    return result.rowCount === 1;
  },

  async find(sql, activityId, options = {}) {
    const rows = await sql.query<ActivityRow>(
      `SELECT * FROM activities WHERE activity_id = $1 ${options.forUpdate ? "FOR UPDATE" : ""}`,
      [activityId],
    );
    return rows.rows[0] ? fromRow(rows.rows[0]) : undefined;
  },

  async save(sql, a) {
    const s = a.schedule;
    await sql.query(
      `UPDATE activities SET capacity = $2, seats_taken = $3, first_session_at = $4, last_session_at = $5,
         days = $6, start_time = $7, session_minutes = $8, time_zone = $9, total_sessions = $10, status = $11,
         updated_at = $12, event_sequence = $13
       WHERE activity_id = $1`,
      [
        a.activityId,
        a.capacity,
        a.seatsTaken,
        s.firstSessionAt,
        s.lastSessionAt ?? null,
        [...s.days],
        s.startTime,
        s.sessionMinutes,
        s.timeZone,
        s.totalSessions ?? null,
        a.status,
        a.updatedAt,
        a.eventSequence,
      ],
    );
  },

  async list(sql, f) {
    const rows = await sql.query<ActivityRow>(
      `SELECT a.* FROM activities a JOIN centres c ON c.centre_id = a.centre_id
        WHERE c.active
          AND (cardinality($1::uuid[]) = 0 OR a.centre_id = ANY($1::uuid[]))
          AND (cardinality($2::int[]) = 0 OR a.kind = ANY($2::int[]))
          AND (cardinality($3::int[]) = 0 OR a.service_type = ANY($3::int[]))
          AND (cardinality($4::text[]) = 0 OR a.language = ANY($4::text[]))
          AND (NOT $5::boolean OR a.seats_taken < a.capacity)
          AND a.status = ANY($6::int[])
        ORDER BY a.first_session_at, a.activity_id
        LIMIT $7 OFFSET $8`,
      [
        [...f.centreIds],
        [...f.kinds],
        [...f.serviceTypes],
        [...f.languages],
        f.withFreeSeatsOnly,
        [...f.statuses],
        f.limit,
        f.offset,
      ],
    );
    return rows.rows.map(fromRow);
  },
};
