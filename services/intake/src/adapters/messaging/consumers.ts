import { EventConsumer, type EventConsumerOptions, on } from "@kopru/bus";
import { directoryReplicaConsumer } from "@kopru/directory";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import { handleReRouteRequested } from "../../application/handle-reroute-request.js";
import type { IntakeDeps } from "../../application/ports.js";

type ConsumerBase = Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">;

/**
 * Intake's durable consumers, named `<prefix>-…` (INTAKE_DURABLE_PREFIX):
 * - `<prefix>-directory`: its replica of coordination's directory (organisations, offerings, capacity);
 * - `<prefix>-status`: every referral status event, applied in each referral's sequence — to intake's
 *   own referrals, and kept (PII-free) for every referral of a chain intake started, so onward
 *   referrals between other partners show in its timelines;
 * - `<prefix>-<org>-reroute`, one per served organisation: coordination's re-route requests
 *   addressed to that organisation.
 */
export function intakeConsumers(
  prefix: string,
  organisations: readonly string[],
  deps: IntakeDeps,
  base: ConsumerBase,
): EventConsumer[] {
  return [
    directoryReplicaConsumer(prefix, base),
    statusConsumer(`${prefix}-status`, deps, base),
    ...organisations.map(
      (organisationId) =>
        new EventConsumer({
          ...base,
          name: `${prefix}-${organisationId}-reroute`,
          stream: STREAMS.coordination.name,
          filterSubject: SUBJECTS.reRouteFor(organisationId),
          handlers: [
            on(EVENTS.referralReRouteRequested, (tx, event) =>
              handleReRouteRequested(tx, deps, organisationId, event),
            ),
          ],
          // A re-route's referral and its events are in the outbox of the committed transaction.
          afterCommit: () => deps.afterCommit(),
        }),
    ),
  ];
}

/**
 * libs/referral's `referrerStatusConsumer` on every status subject, plus one statement. The library's
 * `applyStatusEvent` keeps a chain's status event only when a SELECT's `rowCount` says the chain's
 * root is known here, and the embedded PGlite reports `rowCount` 0 for every SELECT: on the default
 * embedded database no chain event was ever kept, so onward referrals never showed in timelines nor
 * got ConsentWithdrawn. `keepChainEvent` keeps it on both engines in one idempotent statement (on
 * PostgreSQL the library has already inserted it and this does nothing). Back to
 * `referrerStatusConsumer(name, SUBJECTS.allStatus, lifecycle, base)` once libs/storage counts the
 * rows of a SELECT on PGlite.
 */
function statusConsumer(name: string, deps: IntakeDeps, base: ConsumerBase): EventConsumer {
  return new EventConsumer({
    ...base,
    name,
    stream: STREAMS.referral.name,
    filterSubject: SUBJECTS.allStatus,
    ordered: true,
    handlers: [
      on(EVENTS.referralStatusChanged, async (tx, event) => {
        await deps.lifecycle.applyStatusEvent(tx, event);
        await deps.repos.referrals.keepChainEvent(tx, event.payload, event.occurredAt);
      }),
    ],
  });
}
