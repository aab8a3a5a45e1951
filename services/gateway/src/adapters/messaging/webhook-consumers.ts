import { EventConsumer, type EventConsumerOptions, on } from "@kopru/bus";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import type { Clock } from "@kopru/service-kit";
import { queueOutcome, queueStatusChange } from "../../application/webhooks.js";

export const STATUS_CONSUMER = "gateway-status";
export const OUTCOME_CONSUMER = "gateway-outcome";

type Base = Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">;

/**
 * The durable consumers webhooks are made from: every referral's status and outcome events
 * (PII-free by contract, ADR 0002). Each message queues its deliveries in the transaction that
 * records it as consumed, and is acknowledged only after that commits: a gateway that dies in
 * between gets it again, and the deliveries' unique key keeps the repeat from queueing twice.
 * Not ordered: each delivery carries the referral's sequence, and a late one must not hold up the
 * others.
 */
export function webhookConsumers(
  deps: { clock: Clock; afterCommit: () => void },
  base: Base,
  names: { status: string; outcome: string } = { status: STATUS_CONSUMER, outcome: OUTCOME_CONSUMER },
): EventConsumer[] {
  return [
    new EventConsumer({
      ...base,
      name: names.status,
      stream: STREAMS.referral.name,
      filterSubject: SUBJECTS.allStatus,
      handlers: [
        on(EVENTS.referralStatusChanged, async (tx, event) => {
          await queueStatusChange(tx, deps.clock, event);
        }),
      ],
      afterCommit: () => deps.afterCommit(),
    }),
    new EventConsumer({
      ...base,
      name: names.outcome,
      stream: STREAMS.referral.name,
      filterSubject: SUBJECTS.allOutcome,
      handlers: [
        on(EVENTS.referralOutcomeReported, async (tx, event) => {
          await queueOutcome(tx, deps.clock, event);
        }),
      ],
      afterCommit: () => deps.afterCommit(),
    }),
  ];
}
