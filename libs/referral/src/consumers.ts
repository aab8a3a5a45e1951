import { EventConsumer, type EventConsumerOptions, on } from "@kopru/bus";
import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import { allInOrder } from "@kopru/storage";
import type { TimerHandler } from "@kopru/timers";
import { applyPendingContact } from "./contact.js";
import { withoutRestrictedSections } from "./domain/index.js";
import type { ReferralLifecycle } from "./lifecycle.js";
import {
  noticeConsentWithdrawn,
  noticeReferralOutcome,
  noticeReferralReceived,
  noticeReferralStatus,
} from "./notices.js";

type ConsumerBase = Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">;

export interface ReceivingOptions {
  /**
   * False for services whose organisations never hold GBV or child-protection data (municipalities,
   * community centres): those sections are dropped from a package on arrival. Default true.
   */
  acceptsRestrictedData?: boolean | undefined;
}

/**
 * The durable consumers a receiving organisation needs, one set per hosted organisation so that
 * each consumer's subject names that organisation (NATS permissions can enforce it):
 * referrals addressed to it, cancellations and consent withdrawals addressed to it, and the status
 * and outcome reports of referrals it sent (onward referrals and redirects).
 */
export function receivingConsumers(
  service: string,
  organisationId: string,
  lifecycle: ReferralLifecycle,
  base: ConsumerBase,
  options: ReceivingOptions = {},
): EventConsumer[] {
  return [
    new EventConsumer({
      ...base,
      name: `${service}-${organisationId}-requested`,
      stream: STREAMS.referral.name,
      filterSubject: SUBJECTS.requestedFor(organisationId),
      handlers: [
        on(EVENTS.referralRequested, async (tx, event) => {
          const pkg = event.payload.referralPackage;
          // A municipality or community centre never keeps GBV or child-protection data, whatever a
          // sender put in (senders are refused them: restricted-categories.ts).
          const received =
            options.acceptsRestrictedData === false && pkg
              ? { ...event, payload: { ...event.payload, referralPackage: withoutRestrictedSections(pkg) } }
              : event;
          const record = await lifecycle.receive(tx, received);
          // A package outside its consent was not stored (cancelled on arrival): nothing to tell.
          if (!record || record.status === ReferralStatus.REFERRAL_STATUS_CANCELLED) return;
          await allInOrder(tx, [
            // A contact update that arrived first (ADR 0018).
            () => applyPendingContact(tx, organisationId, pkg?.referralId ?? "", service),
            // The organisation's caseworkers and supervisors are told (notices.ts).
            () => noticeReferralReceived(tx, lifecycle.serviceName, record),
          ]);
        }),
      ],
    }),
    new EventConsumer({
      ...base,
      name: `${service}-${organisationId}-cancelled`,
      stream: STREAMS.referral.name,
      filterSubject: SUBJECTS.cancelledFor(organisationId),
      handlers: [on(EVENTS.referralCancelled, (tx, event) => lifecycle.applyCancellation(tx, event))],
    }),
    // Consent withdrawn for data this organisation received: its open referrals under it end, and
    // its staff holding them are told.
    new EventConsumer({
      ...base,
      name: `${service}-${organisationId}-consent`,
      stream: STREAMS.consent.name,
      filterSubject: SUBJECTS.consentWithdrawnFor(organisationId),
      handlers: [
        on(EVENTS.consentWithdrawn, async (tx, event) => {
          await lifecycle.applyConsentWithdrawal(tx, organisationId, event);
          // Whoever holds a referral made under it is told, in the same transaction (notices.ts).
          await noticeConsentWithdrawn(tx, lifecycle.serviceName, organisationId, event);
        }),
      ],
    }),
    referrerStatusConsumer(
      `${service}-${organisationId}-status`,
      `kopru.v1.referral.status.${organisationId}.*`,
      lifecycle,
      base,
    ),
    referrerOutcomeConsumer(
      `${service}-${organisationId}-outcome`,
      SUBJECTS.outcomeFor(organisationId),
      lifecycle,
      base,
    ),
  ];
}

/** Outcome reports of referrals this service made, applied in each referral's report order. */
export function referrerOutcomeConsumer(
  name: string,
  filterSubject: string,
  lifecycle: ReferralLifecycle,
  base: ConsumerBase,
): EventConsumer {
  return new EventConsumer({
    ...base,
    name,
    stream: STREAMS.referral.name,
    filterSubject,
    ordered: true,
    handlers: [
      on(EVENTS.referralOutcomeReported, async (tx, event) => {
        await lifecycle.applyOutcomeEvent(tx, event);
        // The staff member who made the referral is told (notices.ts).
        await noticeReferralOutcome(tx, lifecycle.serviceName, event);
      }),
    ],
  });
}

/** Status events of referrals this service made, applied in each referral's sequence. */
export function referrerStatusConsumer(
  name: string,
  filterSubject: string,
  lifecycle: ReferralLifecycle,
  base: ConsumerBase,
): EventConsumer {
  return new EventConsumer({
    ...base,
    name,
    stream: STREAMS.referral.name,
    filterSubject,
    ordered: true,
    handlers: [
      on(EVENTS.referralStatusChanged, async (tx, event) => {
        await lifecycle.applyStatusEvent(tx, event);
        // The staff member who made the referral is told (notices.ts).
        await noticeReferralStatus(tx, lifecycle.serviceName, event);
      }),
    ],
  });
}

/** The durable deadline timer's handler: expire unanswered referrals. */
export function deadlineTimerHandler(lifecycle: ReferralLifecycle): TimerHandler {
  return (tx, timer) => lifecycle.expireIfUnanswered(tx, timer.key);
}

/** The consent-expiry timer's handler: end a received referral whose consent expired. */
export function consentExpiryTimerHandler(lifecycle: ReferralLifecycle): TimerHandler {
  return (tx, timer) => lifecycle.expireConsent(tx, timer.key);
}
