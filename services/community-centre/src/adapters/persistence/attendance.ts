import type { AttendanceRepository } from "../../application/ports.js";

export const attendanceRepository: AttendanceRepository = {
  async replaceSession(sql, input) {
    await sql.query("DELETE FROM attendance WHERE activity_id = $1 AND session_at = $2", [
      input.activityId,
      input.sessionAt,
    ]);
    for (const mark of input.marks) {
      await sql.query(
        `INSERT INTO attendance (activity_id, session_at, enrolment_id, status, recorded_at, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          input.activityId,
          input.sessionAt,
          mark.enrolmentId,
          mark.status,
          input.at,
          input.recordedBy ?? null,
        ],
      );
    }
  },
};
