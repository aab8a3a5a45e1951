import { AttendanceStatus } from "@kopru/contracts/communitycentre/v1/activity";
import type { RuleViolation } from "./errors.js";

const FUTURE_TOLERANCE_MS = 15 * 60_000;

/** One session's marks: one per participant, for a session that has started. */
export function attendanceViolations(
  request: {
    sessionAt?: Date | undefined;
    marks: readonly { enrolmentId: string; status: AttendanceStatus }[];
  },
  now: Date,
): RuleViolation[] {
  const v: RuleViolation[] = [];
  if (!request.sessionAt || Number.isNaN(request.sessionAt.getTime()))
    v.push({ field: "session_at", description: "is required" });
  else if (request.sessionAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
    v.push({ field: "session_at", description: "must not be in the future" });
  if (request.marks.length === 0) v.push({ field: "marks", description: "needs at least one mark" });
  const seen = new Set<string>();
  request.marks.forEach((mark, i) => {
    if (seen.has(mark.enrolmentId))
      v.push({ field: `marks[${i}].enrolment_id`, description: "appears twice for the same session" });
    seen.add(mark.enrolmentId);
    if (!(mark.status in AttendanceStatus) || mark.status <= 0)
      v.push({ field: `marks[${i}].status`, description: "is required (PRESENT, ABSENT or EXCUSED)" });
  });
  return v;
}
