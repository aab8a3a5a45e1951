import type { EventConsumer } from "@kopru/bus";
import { DirectoryReplica, directoryReplicaConsumer } from "@kopru/directory";
import type { GrpcServiceBinding, ServiceConfig, ServiceContext, Worker } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { TimerWorker } from "@kopru/timers";
import { deadlineTimerHandler, receivingConsumers } from "./consumers.js";
import { contactUpdateConsumer } from "./contact.js";
import { referralInboxBinding } from "./inbox-grpc.js";
import { type Acting, DEADLINE_TIMER, ReferralLifecycle } from "./lifecycle.js";
import type { ReferralRecord } from "./store.js";

export interface ReceivingParts {
  lifecycle: ReferralLifecycle;
  directory: DirectoryReplica;
  grpc: GrpcServiceBinding[];
  consumers: EventConsumer[];
  workers: Worker[];
}

/**
 * Everything a service that receives referrals shares (protection, ECM, community centres,
 * municipalities): per hosted organisation the consumers of referrals, cancellations and statuses
 * addressed to it; the directory replica; the deadline timers; and the ReferralInboxService. The
 * service adds its own case model, e.g. opening a case in `onAccepted`, in the same transaction.
 */
export function receivingServiceParts(
  context: ServiceContext<ServiceConfig>,
  options: {
    organisations: readonly string[];
    onAccepted?: (tx: Sql, record: ReferralRecord, acting: Acting) => Promise<void>;
  },
): ReceivingParts {
  const { db, js, jsm, logger, clock, relay, name } = context;
  const lifecycle = new ReferralLifecycle({ organisationId: "", service: name }, clock);
  const directory = new DirectoryReplica(db);
  const base = { db, js, jsm, logger };
  const consumers = [
    directoryReplicaConsumer(name, base),
    ...options.organisations.flatMap((org) => receivingConsumers(name, org, lifecycle, base)),
    // New contact sections of the people whose packages each organisation holds (ADR 0018).
    ...options.organisations.map((org) => contactUpdateConsumer(name, org, base, () => relay.wake())),
  ];
  const timers = new TimerWorker({
    db,
    clock,
    logger,
    handlers: { [DEADLINE_TIMER]: deadlineTimerHandler(lifecycle) },
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
    async findTarget(organisationId) {
      const organisation = await directory.organisation(organisationId);
      if (!organisation?.active) return undefined;
      return { organisationId, partnerKind: organisation.partnerKind, displayName: organisation.name };
    },
  });
  return { lifecycle, directory, grpc: [inbox], consumers, workers: [timers] };
}
