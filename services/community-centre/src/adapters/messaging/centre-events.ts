import { appendToOutbox } from "@kopru/bus";
import { EVENTS } from "@kopru/events";
import type { CentreEvents } from "../../application/ports.js";

export const ACTIVITY_AGGREGATE = "community-activity";
export const ENROLMENT_AGGREGATE = "community-enrolment";

/**
 * The centre's facts, written to the outbox of the use case's transaction. PII-free by contract: ids,
 * codes, counts, times and the disaggregation bands; never the participant ref.
 */
export function centreEvents(service: string): CentreEvents {
  const producer = (organisationId: string) => ({ organisationId, service });
  return {
    async enrolmentCreated(sql, enrolment, activity, disaggregation) {
      await appendToOutbox(sql, producer(enrolment.organisationId), {
        definition: EVENTS.enrolmentCreated,
        payload: {
          enrolmentId: enrolment.enrolmentId,
          activityId: activity.activityId,
          centreId: activity.centreId,
          organisationId: enrolment.organisationId,
          referralId: enrolment.referralId,
          activityKind: activity.kind,
          serviceType: activity.serviceType,
          enrolledAt: enrolment.enrolledAt,
          disaggregation,
        },
        aggregate: { type: ENROLMENT_AGGREGATE, id: enrolment.enrolmentId, sequence: 1 },
      });
    },

    async capacityChanged(sql, activity, at) {
      await appendToOutbox(sql, producer(activity.organisationId), {
        definition: EVENTS.activityCapacityChanged,
        payload: {
          activityId: activity.activityId,
          centreId: activity.centreId,
          organisationId: activity.organisationId,
          serviceType: activity.serviceType,
          capacity: activity.capacity,
          seatsTaken: activity.seatsTaken,
          changedAt: at,
        },
        aggregate: { type: ACTIVITY_AGGREGATE, id: activity.activityId, sequence: activity.eventSequence },
      });
    },
  };
}
