import { siteView } from "@kopru/casework";
import type { Activity, Centre, Enrolment } from "@kopru/contracts/communitycentre/v1/activity";
import type { ActivityRecord, CentreRecord, EnrolmentRecord } from "../../application/ports.js";

export function centreView(c: CentreRecord): Centre {
  return { ...siteView(c), centreId: c.centreId, active: c.active };
}

export function activityView(a: ActivityRecord): Activity {
  return {
    activityId: a.activityId,
    centreId: a.centreId,
    organisationId: a.organisationId,
    title: a.title,
    kind: a.kind,
    serviceType: a.serviceType,
    language: a.language,
    level: a.level,
    capacity: a.capacity,
    seatsTaken: a.seatsTaken,
    schedule: { ...a.schedule, days: [...a.schedule.days] },
    minAge: a.minAge,
    maxAge: a.maxAge,
    sexes: [...a.sexes],
    status: a.status,
  };
}

export function enrolmentView(e: EnrolmentRecord): Enrolment {
  return {
    enrolmentId: e.enrolmentId,
    activityId: e.activityId,
    centreId: e.centreId,
    referralId: e.referralId,
    participantRef: e.participantRef,
    status: e.status,
    enrolledAt: e.enrolledAt,
    endedAt: e.endedAt,
    sessionsAttended: e.sessionsAttended,
    sessionsHeld: e.sessionsHeld,
    certificateIssued: e.certificateIssued,
  };
}
