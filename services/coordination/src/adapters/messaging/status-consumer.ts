import { EventConsumer, type EventConsumerOptions, on } from "@kopru/bus";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import { applyFollowUp } from "../../application/apply-follow-up.js";
import { applyOutcomeReport } from "../../application/apply-outcome-report.js";
import { applyStatusChange } from "../../application/apply-status-change.js";
import { applyActivitySeats, applyReferralPlaces } from "../../application/live-capacity.js";
import type {
  DirectoryRepository,
  ErasureTrackingRepository,
  PlacesRepository,
  TrackingRepository,
} from "../../application/ports.js";
import { collectTrackingWrites, trackingBatch } from "../persistence/tracking-writes.js";

export const TRACKING_CONSUMER = "coordination-status";

/**
 * Batching of the tracking consumers: their handlers collect the writes and the batch hook applies
 * them set-wise per transaction (`trackingBatch`), so a larger batch costs little more than a small
 * one; fewer lanes make the batches larger when the stream is behind.
 */
const TRACKING_BATCHES = { batchSize: 500, lanes: 4, batch: trackingBatch } as const;

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
  places?: { directory: DirectoryRepository; places: PlacesRepository },
): EventConsumer {
  return new EventConsumer({
    ...base,
    ...TRACKING_BATCHES,
    name,
    startAt,
    stream: STREAMS.referral.name,
    filterSubject: SUBJECTS.allStatus,
    ordered: true,
    handlers: [
      on(EVENTS.referralStatusChanged, async (tx, event) => {
        collectTrackingWrites(tx);
        await applyStatusChange(tracking, tx, event);
        // Accepting takes a place of the offering, the referral's end frees it (live capacity).
        if (places) await applyReferralPlaces(places, tx, event);
      }),
    ],
  });
}

/**
 * The name of a consumer beside a tracking consumer: `<prefix>-status` → `<prefix>-<role>` (the
 * outcome, seats and follow-up consumers share the tracking consumer's prefix).
 */
export function companionConsumerName(
  trackingConsumerName: string,
  role: "outcome" | "seats" | "followup" | "erasure",
): string {
  return `${trackingConsumerName.replace(/-status$/, "")}-${role}`;
}

/**
 * The durable consumer that keeps every referral's latest outcome report
 * (`kopru.v1.referral.outcome.>`, PII-free by contract), applied in each referral's report order.
 */
export function outcomeConsumer(
  tracking: TrackingRepository,
  base: Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">,
  name: string = companionConsumerName(TRACKING_CONSUMER, "outcome"),
  startAt: "beginning" | "now" = "beginning",
): EventConsumer {
  return new EventConsumer({
    ...base,
    ...TRACKING_BATCHES,
    name,
    startAt,
    stream: STREAMS.referral.name,
    filterSubject: SUBJECTS.allOutcome,
    ordered: true,
    handlers: [
      on(EVENTS.referralOutcomeReported, (tx, event) => {
        collectTrackingWrites(tx);
        return applyOutcomeReport(tracking, tx, event);
      }),
    ],
  });
}

/**
 * The durable consumer of the community centres' seat counts (ActivityCapacityChanged, PII-free, on
 * `kopru.v1.case.communitycentre.activity-capacity.*`): the offerings of that organisation and service
 * type recount their free places from them.
 */
export function activitySeatsConsumer(
  ports: { directory: DirectoryRepository; places: PlacesRepository },
  base: Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">,
  name: string = companionConsumerName(TRACKING_CONSUMER, "seats"),
  startAt: "beginning" | "now" = "beginning",
): EventConsumer {
  return new EventConsumer({
    ...base,
    name,
    startAt,
    stream: STREAMS.case.name,
    filterSubject: EVENTS.activityCapacityChanged.subjectPattern,
    handlers: [
      on(EVENTS.activityCapacityChanged, async (tx, event) => {
        await applyActivitySeats(ports, tx, event);
      }),
    ],
  });
}

/**
 * The durable consumer that keeps whether each received referral is assigned (never to whom) and
 * how far its follow-up deadline went (`kopru.v1.referral.followup.>`, PII-free by contract).
 */
export function followUpConsumer(
  tracking: TrackingRepository,
  base: Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">,
  name: string = companionConsumerName(TRACKING_CONSUMER, "followup"),
  startAt: "beginning" | "now" = "beginning",
): EventConsumer {
  return new EventConsumer({
    ...base,
    ...TRACKING_BATCHES,
    name,
    startAt,
    stream: STREAMS.referral.name,
    filterSubject: SUBJECTS.allFollowUp,
    ordered: true,
    handlers: [
      on(EVENTS.referralFollowUpChanged, (tx, event) => {
        collectTrackingWrites(tx);
        return applyFollowUp(tracking, tx, event);
      }),
    ],
  });
}

/**
 * The durable consumer of every network-wide erasure request's progress (`kopru.v1.coordination.erasure.>`,
 * ErasureRequestTracked, PII-free by contract: holders, confirmations, deadlines), newest kept.
 */
export function erasureTrackingConsumer(
  erasures: ErasureTrackingRepository,
  base: Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">,
  name: string = companionConsumerName(TRACKING_CONSUMER, "erasure"),
  startAt: "beginning" | "now" = "beginning",
): EventConsumer {
  return new EventConsumer({
    ...base,
    name,
    startAt,
    stream: STREAMS.coordination.name,
    filterSubject: SUBJECTS.allErasureTracking,
    handlers: [
      on(EVENTS.erasureRequestTracked, (tx, event) =>
        erasures.apply(tx, event.payload, Number(event.payload.sequence || event.aggregate.sequence)),
      ),
    ],
  });
}
