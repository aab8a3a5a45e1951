import { EventConsumer, type EventConsumerOptions, on } from "@kopru/bus";
import { directoryReplicaConsumer } from "@kopru/directory";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import { referrerOutcomeConsumer, referrerStatusConsumer } from "@kopru/referral";
import { applyDisclosureRecorded, applyWithdrawalRecorded } from "../../application/disclosures.js";
import { applyErasureConfirmation } from "../../application/erasure.js";
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
 *   addressed to that organisation;
 * - `<prefix>-<org>-outcome`, one per served organisation: the outcome reports
 *   (ReferralOutcomeReported) of the referrals that organisation made, applied in report order;
 * - `<prefix>-<org>-erased`, one per served organisation: holders' answers to the erasure requests that
 *   organisation made (BeneficiaryErasureConfirmed, ADR 0023).
 * - `<prefix>-<org>-withdrawal-recorded`: holders' acknowledgements of that organisation's consent
 *   withdrawals (ConsentWithdrawalRecorded), kept per consent and holder;
 * - `<prefix>-<org>-disclosures`: redirects and onward referrals holders made down that
 *   organisation's chains (DisclosureRecorded), kept in its disclosure ledger (ADR 0024).
 */
export function intakeConsumers(
  prefix: string,
  organisations: readonly string[],
  deps: IntakeDeps,
  base: ConsumerBase,
): EventConsumer[] {
  return [
    directoryReplicaConsumer(prefix, base),
    referrerStatusConsumer(`${prefix}-status`, SUBJECTS.allStatus, deps.lifecycle, base),
    ...organisations.flatMap((organisationId) => [
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
      referrerOutcomeConsumer(
        `${prefix}-${organisationId}-outcome`,
        SUBJECTS.outcomeFor(organisationId),
        deps.lifecycle,
        base,
      ),
      new EventConsumer({
        ...base,
        name: `${prefix}-${organisationId}-erased`,
        stream: STREAMS.consent.name,
        filterSubject: SUBJECTS.erasureConfirmedFor(organisationId),
        handlers: [
          on(EVENTS.beneficiaryErasureConfirmed, (tx, event) =>
            applyErasureConfirmation(deps, tx, organisationId, event),
          ),
        ],
        // Progress for coordination, and requests to holders learnt late, are in the outbox.
        afterCommit: () => deps.afterCommit(),
      }),
      new EventConsumer({
        ...base,
        name: `${prefix}-${organisationId}-withdrawal-recorded`,
        stream: STREAMS.consent.name,
        filterSubject: SUBJECTS.withdrawalRecordedFor(organisationId),
        handlers: [
          on(EVENTS.consentWithdrawalRecorded, (tx, event) =>
            applyWithdrawalRecorded(deps, tx, organisationId, event),
          ),
        ],
      }),
      new EventConsumer({
        ...base,
        name: `${prefix}-${organisationId}-disclosures`,
        stream: STREAMS.consent.name,
        filterSubject: SUBJECTS.disclosuresFor(organisationId),
        handlers: [
          on(EVENTS.disclosureRecorded, (tx, event) => applyDisclosureRecorded(tx, organisationId, event)),
        ],
      }),
    ]),
  ];
}
