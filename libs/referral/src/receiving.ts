import type { EventConsumer } from "@kopru/bus";
import { DirectoryReplica, directoryReplicaConsumer } from "@kopru/directory";
import type { GrpcServiceBinding, ServiceConfig, ServiceContext, Worker } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { TimerWorker } from "@kopru/timers";
import {
  consentExpiryTimerHandler,
  deadlineTimerHandler,
  type ReceivingOptions,
  receivingConsumers,
} from "./consumers.js";
import { contactUpdateConsumer } from "./contact.js";
import type { FollowUpPolicy } from "./domain/index.js";
import { type InboxDependencies, referralInboxBinding } from "./inbox-grpc.js";
import { CONSENT_EXPIRY_TIMER, type ReferralEndedHook } from "./late-end.js";
import { type Acting, DEADLINE_TIMER, ReferralLifecycle } from "./lifecycle.js";
import type { ReferralRecord } from "./store.js";
import type { StaffDirectoryPort } from "./work.js";

export interface ReceivingParts {
  lifecycle: ReferralLifecycle;
  directory: DirectoryReplica;
  grpc: GrpcServiceBinding[];
  consumers: EventConsumer[];
  workers: Worker[];
}

/**
 * Everything a service that receives referrals shares (protection, ECM, community centres,
 * municipalities): per hosted organisation the consumers of referrals, cancellations, consent
 * withdrawals and statuses addressed to it; the directory replica; the deadline timers (the answer
 * deadline, the consent's expiry, and the follow-up reminder and escalation after acceptance); and
 * the ReferralInboxService. The service adds its own case model, e.g. opening a case in
 * `onAccepted` and closing it in `onEndedAfterAcceptance`, in the same transaction.
 */
export function receivingServiceParts(
  context: ServiceContext<ServiceConfig>,
  options: {
    organisations: readonly string[];
    onAccepted?: (tx: Sql, record: ReferralRecord, acting: Acting) => Promise<void>;
    /** A referral it had accepted ended by a late cancellation or consent change (same transaction). */
    onEndedAfterAcceptance?: ReferralEndedHook;
    /** Follow-up deadlines after acceptance; the network's defaults when absent. */
    followUp?: FollowUpPolicy | undefined;
    /** The colleague check of AssignReferral (see `InboxDependencies.staffDirectory`). */
    staffDirectory?: StaffDirectoryPort | undefined;
    onAssigned?: InboxDependencies["onAssigned"];
  } & ReceivingOptions,
): ReceivingParts {
  const { db, js, jsm, logger, clock, relay, name } = context;
  const lifecycle = new ReferralLifecycle({ organisationId: "", service: name }, clock, {
    onEndedAfterAcceptance: options.onEndedAfterAcceptance,
    followUp: options.followUp,
  });
  const directory = new DirectoryReplica(db);
  const base = { db, js, jsm, logger };
  const consumers = [
    directoryReplicaConsumer(name, base),
    ...options.organisations.flatMap((org) =>
      receivingConsumers(name, org, lifecycle, base, {
        acceptsRestrictedData: options.acceptsRestrictedData,
      }),
    ),
    // New contact sections of the people whose packages each organisation holds (ADR 0018).
    ...options.organisations.map((org) => contactUpdateConsumer(name, org, base, () => relay.wake())),
  ];
  const timers = new TimerWorker({
    db,
    clock,
    logger,
    handlers: {
      [DEADLINE_TIMER]: deadlineTimerHandler(lifecycle),
      [CONSENT_EXPIRY_TIMER]: consentExpiryTimerHandler(lifecycle),
      ...lifecycle.work.timerHandlers(),
    },
    // The expiry's status event committed with the timer: let it leave now, not at the next poll.
    afterFire: () => relay.wake(),
  });
  const inbox = referralInboxBinding({
    db,
    lifecycle,
    clock,
    hostedOrganisations: async () => options.organisations,
    afterCommit: () => relay.wake(),
    onAccepted: options.onAccepted,
    staffDirectory: options.staffDirectory,
    onAssigned: options.onAssigned,
    async findTarget(organisationId) {
      const organisation = await directory.organisation(organisationId);
      if (!organisation?.active) return undefined;
      const offerings = await directory.offerings({ organisationId, activeOnly: true });
      return {
        organisationId,
        partnerKind: organisation.partnerKind,
        displayName: organisation.name,
        offeredServiceTypes: [...new Set(offerings.map((o) => o.serviceType))],
      };
    },
  });
  return { lifecycle, directory, grpc: [inbox], consumers, workers: [timers] };
}
