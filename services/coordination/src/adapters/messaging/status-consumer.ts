import { EventConsumer, type EventConsumerOptions, on } from "@kopru/bus";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import { applyStatusChange } from "../../application/apply-status-change.js";
import type { TrackingRepository } from "../../application/ports.js";

export const TRACKING_CONSUMER = "coordination-status";

/**
 * The durable consumer that builds the tracking read model from every referral's status events
 * (`kopru.v1.referral.status.>`, PII-free by contract), applied once each and in each referral's
 * sequence.
 */
export function trackingConsumer(
  tracking: TrackingRepository,
  base: Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">,
  name: string = TRACKING_CONSUMER,
  startAt: "beginning" | "now" = "beginning",
): EventConsumer {
  return new EventConsumer({
    ...base,
    name,
    startAt,
    stream: STREAMS.referral.name,
    filterSubject: SUBJECTS.allStatus,
    ordered: true,
    handlers: [on(EVENTS.referralStatusChanged, (tx, event) => applyStatusChange(tracking, tx, event))],
  });
}
