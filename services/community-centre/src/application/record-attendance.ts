import { auditCaller } from "@kopru/casework";
import type { AttendanceStatus } from "@kopru/contracts/communitycentre/v1/activity";
import { NotFoundError } from "@kopru/service-kit";
import { assertEnrolled, attendanceViolations, statusAfterAttendance } from "../domain/index.js";
import type { Caller, CentreDeps, EnrolmentRecord } from "./ports.js";
import { ownActivity, refuseViolations } from "./shared.js";

/**
 * Records one session's attendance of one of the caller's activities (recording the same session again
 * replaces its marks). Every mark is for a participant currently enrolled in the activity. The first
 * attendance starts a scheduled activity.
 */
export async function recordAttendance(
  deps: CentreDeps,
  caller: Caller,
  input: {
    activityId: string;
    sessionAt: Date | undefined;
    marks: { enrolmentId: string; status: AttendanceStatus }[];
  },
): Promise<EnrolmentRecord[]> {
  const now = deps.clock.now();
  refuseViolations(attendanceViolations(input, now));
  const sessionAt = input.sessionAt as Date;
  return deps.db.transaction(async (tx) => {
    const activity = await ownActivity(deps, tx, caller, input.activityId, { forUpdate: true });
    const status = statusAfterAttendance(activity);
    const ids = input.marks.map((m) => m.enrolmentId);
    const enrolments = await deps.enrolments.findInActivity(tx, activity.activityId, ids);
    for (const id of ids) {
      const enrolment = enrolments.find((e) => e.enrolmentId === id);
      if (!enrolment) throw new NotFoundError("enrolment", id);
      assertEnrolled(enrolment, "no attendance can be recorded for it");
    }
    await deps.attendance.replaceSession(tx, {
      activityId: activity.activityId,
      sessionAt,
      marks: input.marks,
      recordedBy: caller.actorId,
      at: now,
    });
    if (status !== activity.status) await deps.activities.save(tx, { ...activity, status, updatedAt: now });
    for (const id of ids)
      await deps.audit.record(tx, {
        at: now,
        ...auditCaller(caller),
        action: "record-attendance",
        entity: "enrolment",
        entityId: id,
      });
    return deps.enrolments.findInActivity(tx, activity.activityId, ids);
  });
}
