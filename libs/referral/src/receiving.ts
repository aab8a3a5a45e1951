import type { EventConsumer } from "@kopru/bus";
import { PartnerKind } from "@kopru/contracts/common/v1/vocabulary";
import { DirectoryReplica, directoryReplicaConsumer } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import {
  DEFAULT_KEY_POLICY,
  type SealingKeyPolicy,
  type ServiceSealing,
  serviceSealing,
} from "@kopru/sealing";
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
import type { ErasePersonHook } from "./erasure.js";
import { erasureRequestConsumer } from "./erasure-consumer.js";
import { type InboxDependencies, referralInboxBinding } from "./inbox-grpc.js";
import { CONSENT_EXPIRY_TIMER, type ReferralEndedHook } from "./late-end.js";
import { type Acting, DEADLINE_TIMER, ReferralLifecycle } from "./lifecycle.js";
import type { ReferralRecord } from "./store.js";
import type { StaffDirectoryPort } from "./work.js";

/** The partner kind the organisations a receiving service hosts have, when the directory is silent. */
const SERVICE_PARTNER_KINDS: Readonly<Record<string, PartnerKind>> = {
  protection: PartnerKind.PARTNER_KIND_PROTECTION_PARTNER,
  ecm: PartnerKind.PARTNER_KIND_ECM_UNIT,
  municipality: PartnerKind.PARTNER_KIND_MUNICIPALITY,
  "community-centre": PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE,
};

export interface ReceivingParts {
  lifecycle: ReferralLifecycle;
  directory: DirectoryReplica;
  grpc: GrpcServiceBinding[];
  consumers: EventConsumer[];
  workers: Worker[];
  /** Personal events sealed to their addressee, opened with the hosted organisations' keys (ADR 0022). */
  sealing: ServiceSealing;
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
    /** Rotation of the hosted organisations' sealing keys; the network's defaults when absent. */
    sealingPolicy?: SealingKeyPolicy | undefined;
    /** Erases the service's own tables for one person when an erasure request reaches it (ADR 0023). */
    erasePerson?: ErasePersonHook | undefined;
    /** The hosted organisations' partner kind while the directory does not know them. */
    partnerKind?: PartnerKind | undefined;
  } & ReceivingOptions,
): ReceivingParts {
  const { db, js, jsm, logger, clock, relay, name } = context;
  const directory = new DirectoryReplica(db);
  const lifecycle = new ReferralLifecycle({ organisationId: "", service: name }, clock, {
    onEndedAfterAcceptance: options.onEndedAfterAcceptance,
    followUp: options.followUp,
    // The consent check on arrival covers an organisation by its kind too (ADR 0024): the directory's
    // kind, or while the directory does not know the organisation yet, the kind of the service.
    partnerKindOf: async (sql, organisationId) =>
      (await new DirectoryReplica(sql).organisation(organisationId))?.partnerKind ??
      options.partnerKind ??
      SERVICE_PARTNER_KINDS[name],
  });
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
    // Network-wide erasure requests addressed to each organisation, answered to the requester (ADR 0023).
    ...options.organisations.map((org) =>
      erasureRequestConsumer(name, org, lifecycle, base, {
        erasePerson: options.erasePerson,
        now: () => clock.now(),
        afterCommit: () => relay.wake(),
        // Bound below: the key worker needs these consumers to know when a retired key may go.
        afterErasure: (tx, organisationId) => sealing.rotateWithin(tx, organisationId),
      }),
    ),
  ];
  const sealing = serviceSealing({
    service: name,
    db,
    jsm,
    events: NETWORK_LAYOUT.events,
    organisations: options.organisations,
    policy: options.sealingPolicy ?? DEFAULT_KEY_POLICY,
    // Keys live by real time, as access tokens do: the business clock moves deadlines, never a key's
    // validity (a network whose clock is wound back, as the demo seed does, would find no key valid).
    now: () => new Date(),
    recipientKey: (organisationId, at, sql) => new DirectoryReplica(sql).sealingKey(organisationId, at),
    consumers,
    wake: () => relay.wake(),
    logger,
  });
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
  return { lifecycle, directory, grpc: [inbox], consumers, workers: [sealing.keys, timers], sealing };
}
