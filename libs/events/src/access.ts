import { subjectToken } from "@kopru/bus";
import { type BusAccess, type ConsumerGrant, mayPublish, natsPermissions } from "@kopru/nats-server";
import { EVENTS, NETWORK_LAYOUT, STREAMS, SUBJECTS } from "./layout.js";

/** The network's service processes, each with a NATS user of its own. */
export const NETWORK_SERVICES = [
  "intake",
  "protection",
  "ecm",
  "community-centre",
  "municipality",
  "coordination",
  // Reads every staff notice (ids and codes only) and publishes nothing.
  "notifications",
  // The partner API: reads every referral's status and outcome (PII-free) for webhooks, and tells
  // an organisation's staff when one of its webhook endpoints is disabled.
  "gateway",
  // Possible duplicates across organisations from keyed hashes (ADR 0027): a gRPC API only; it reads
  // and publishes no event.
  "matching",
] as const;
export type NetworkService = (typeof NETWORK_SERVICES)[number];

/** The services that receive referrals, one set of consumers per hosted organisation. */
export const RECEIVING_SERVICES = ["protection", "ecm", "community-centre", "municipality"] as const;

/** The `<area>` token of the case facts each service publishes (`kopru.v1.case.<area>.<fact>.<org>`). */
const CASE_AREA: Record<
  Exclude<NetworkService, "coordination" | "notifications" | "gateway" | "matching">,
  string
> = {
  intake: "intake",
  protection: "protection",
  ecm: "ecm",
  "community-centre": "communitycentre",
  municipality: "municipality",
};

export interface ServiceBusOptions {
  /**
   * The organisations the process serves (`HOSTED_ORGANISATIONS`; intake's `INTAKE_ORGANISATIONS`).
   * Every addressed consumer and every addressed publish names one of them.
   */
  organisations: readonly string[];
  /**
   * First token of its durable names: the service name, except intake's `INTAKE_DURABLE_PREFIX` and
   * a coordination whose tracking consumer has another name (`<prefix>-status`).
   */
  durablePrefix?: string;
}

/**
 * What one service does on the bus — the events it publishes and the durable consumers it reads —
 * as the declaration its NATS user's permissions are generated from (`natsPermissions` of
 * `@kopru/nats-server`). It mirrors the consumers the services build (libs/referral, libs/directory,
 * intake's and coordination's messaging adapters); tests beside them fail when the two drift.
 */
export function serviceBusAccess(service: NetworkService, options: ServiceBusOptions): BusAccess {
  const organisations = [...new Set(options.organisations)].map((org) =>
    subjectToken(org, "organisation id"),
  );
  const prefix = subjectToken(options.durablePrefix ?? service, "durable prefix");
  const consumers: ConsumerGrant[] = [];
  const publish: string[] = [];
  const consumer = (name: string, stream: string, filterSubject: string) =>
    consumers.push({ stream, durable: `${prefix}-${name}`, filterSubject });

  if (service === "coordination") {
    // Only PII-free subjects: the status and the outcome of every referral (ADR 0002).
    consumer("status", STREAMS.referral.name, SUBJECTS.allStatus);
    consumer("outcome", STREAMS.referral.name, SUBJECTS.allOutcome);
    // Community centres' seat counts (PII-free): the directory's free places of their offerings.
    consumer("seats", STREAMS.case.name, EVENTS.activityCapacityChanged.subjectPattern);
    // Whether received referrals are assigned and how far their follow-up went (never who).
    consumer("followup", STREAMS.referral.name, SUBJECTS.allFollowUp);
    // How far each network-wide erasure went (holders confirmed or overdue; no person, ADR 0023).
    consumer("erasure", STREAMS.coordination.name, SUBJECTS.allErasureTracking);
    publish.push(
      ...[
        EVENTS.organisationUpserted,
        EVENTS.serviceOfferingUpserted,
        EVENTS.serviceOfferingCapacityChanged,
        EVENTS.serviceOfferingRemoved,
      ].map((event) => event.subjectPattern),
      // Re-routes go to the referrer, whichever organisation it is.
      EVENTS.referralReRouteRequested.subjectPattern,
    );
  } else if (service === "gateway") {
    // Webhooks: every referral's status and outcome (ids and codes only, ADR 0002), filtered per
    // partner by the gateway; notices to the staff of an organisation whose endpoint it disabled.
    consumer("status", STREAMS.referral.name, SUBJECTS.allStatus);
    consumer("outcome", STREAMS.referral.name, SUBJECTS.allOutcome);
    publish.push(SUBJECTS.allNotices);
  } else if (service === "matching") {
    // Nothing on the bus: its NATS user may connect (and wait for the streams) and no more.
  } else if (service === "notifications") {
    // Every organisation's staff notices, PII-free by contract; it publishes no event.
    consumer("notices", STREAMS.notice.name, SUBJECTS.allNotices);
  } else {
    consumer("directory", STREAMS.directory.name, SUBJECTS.directory);
    // Referrals go to any organisation of the directory; the referrer is in the payload, not the
    // subject, so only the target's token is there to pin, and it is another organisation's.
    publish.push(EVENTS.referralRequested.subjectPattern);
    for (const org of organisations) {
      // As referrer: `status.<referrer>.<target>`.
      publish.push(`kopru.v1.referral.status.${org}.*`);
      publish.push(`kopru.v1.case.${CASE_AREA[service]}.*.${org}`);
      // Notices to its own staff.
      publish.push(SUBJECTS.noticeFor(org));
      // The public keys its organisations' sealed events are sealed to (ADR 0022).
      publish.push(SUBJECTS.sealingKeyOf(org));
    }
    if (service === "intake") {
      // Every status event (PII-free), for the timelines of the chains intake started.
      consumer("status", STREAMS.referral.name, SUBJECTS.allStatus);
      for (const org of organisations) {
        consumer(`${org}-reroute`, STREAMS.coordination.name, SUBJECTS.reRouteFor(org));
        // Outcome reports of the referrals it made (`outcome.<referrer>.<target>`).
        consumer(`${org}-outcome`, STREAMS.referral.name, SUBJECTS.outcomeFor(org));
        // Holders' acknowledgements of its consent withdrawals, and the onward disclosures made
        // down the chains it started (both PII-free, ADR 0024).
        consumer(`${org}-withdrawal-recorded`, STREAMS.consent.name, SUBJECTS.withdrawalRecordedFor(org));
        consumer(`${org}-disclosures`, STREAMS.consent.name, SUBJECTS.disclosuresFor(org));
      }
      // Cancellations and consent withdrawals are addressed to the other party.
      publish.push(EVENTS.referralCancelled.subjectPattern, EVENTS.consentWithdrawn.subjectPattern);
      // New contact sections go to each holder of the person's packages.
      publish.push(EVENTS.contactDetailsUpdated.subjectPattern);
      // Erasure requests go to each holder of the person's data; their answers come back to the
      // organisation that asked, whose progress coordination tracks (ADR 0023).
      publish.push(EVENTS.beneficiaryErasureRequested.subjectPattern);
      for (const org of organisations) {
        consumer(`${org}-erased`, STREAMS.consent.name, SUBJECTS.erasureConfirmedFor(org));
        publish.push(`kopru.v1.coordination.erasure.${org}`);
      }
    } else {
      for (const org of organisations) {
        consumer(`${org}-requested`, STREAMS.referral.name, SUBJECTS.requestedFor(org));
        consumer(`${org}-cancelled`, STREAMS.referral.name, SUBJECTS.cancelledFor(org));
        consumer(`${org}-consent`, STREAMS.consent.name, SUBJECTS.consentWithdrawnFor(org));
        consumer(`${org}-status`, STREAMS.referral.name, `kopru.v1.referral.status.${org}.*`);
        consumer(`${org}-outcome`, STREAMS.referral.name, SUBJECTS.outcomeFor(org));
        consumer(`${org}-contact`, STREAMS.referral.name, SUBJECTS.contactUpdatedFor(org));
        consumer(`${org}-erasure`, STREAMS.consent.name, SUBJECTS.erasureRequestedFor(org));
        // As target: `status.<referrer>.<target>` and `outcome.<referrer>.<target>`.
        publish.push(`kopru.v1.referral.status.*.${org}`, `kopru.v1.referral.outcome.*.${org}`);
        publish.push(SUBJECTS.followUpOf(org));
        // As holder: acknowledgements of withdrawals, onward disclosures to the root referrer.
        publish.push(`kopru.v1.consent.recorded.*.${org}`, `kopru.v1.consent.disclosure.*.${org}`);
      }
      // Erasure confirmations go to the organisation that asked, whichever it is (ADR 0023).
      publish.push(EVENTS.beneficiaryErasureConfirmed.subjectPattern);
    }
  }
  // Each consumer parks what it cannot apply under its own name, and nowhere else.
  const deadLetterPrefix = NETWORK_LAYOUT.deadLetterStream.subjects[0]?.replace(/\.>$/, "") ?? "kopru.dlq";
  publish.push(...consumers.map((c) => `${deadLetterPrefix}.${c.durable}`));
  return {
    user: service,
    publish: [...new Set(publish)],
    consumers,
    // All of them: a confined service waits until each stream of the layout exists as declared.
    streams: [...NETWORK_LAYOUT.streams, NETWORK_LAYOUT.deadLetterStream].map((s) => s.name),
  };
}

/** The bus access of every service of a network, from the organisations each serves. */
export function networkBusAccess(
  organisations: Readonly<Record<NetworkService, readonly string[]>>,
  durablePrefixes: Partial<Record<NetworkService, string>> = {},
): BusAccess[] {
  return NETWORK_SERVICES.map((service) => {
    const durablePrefix = durablePrefixes[service];
    return serviceBusAccess(service, {
      organisations: organisations[service],
      ...(durablePrefix ? { durablePrefix } : {}),
    });
  });
}

/** What a consumer reads and writes, as `EventConsumer` reports it (`name`, `subjects`). */
export interface ConsumerUse {
  readonly name: string;
  readonly subjects: { stream: string; filterSubject: string; deadLetterSubject: string };
}

/**
 * Compares what a service really does with its declared access: `refused` lists what its NATS user
 * would be refused (a consumer not granted with exactly this stream and filter, a subject it may not
 * publish to), `unused` the consumer grants nothing uses (permissions wider than needed).
 */
export function checkBusAccess(
  access: BusAccess,
  use: { consumers: readonly ConsumerUse[]; publishes?: readonly string[] },
): { refused: string[]; unused: string[] } {
  const permissions = natsPermissions(access);
  const refused: string[] = [];
  for (const consumer of use.consumers) {
    const { stream, filterSubject, deadLetterSubject } = consumer.subjects;
    const grant = access.consumers.find((g) => g.durable === consumer.name);
    if (!grant) refused.push(`consumer ${consumer.name}: not granted`);
    else if (grant.stream !== stream || grant.filterSubject !== filterSubject) {
      refused.push(
        `consumer ${consumer.name}: reads ${stream} ${filterSubject}, granted ${grant.stream} ${grant.filterSubject}`,
      );
    }
    if (!mayPublish(permissions, deadLetterSubject))
      refused.push(`dead letters of ${consumer.name} on ${deadLetterSubject}`);
  }
  for (const subject of use.publishes ?? []) {
    if (!mayPublish(permissions, subject)) refused.push(`publish to ${subject}`);
  }
  const used = new Set(use.consumers.map((c) => c.name));
  const unused = access.consumers.filter((g) => !used.has(g.durable)).map((g) => `consumer ${g.durable}`);
  return { refused, unused };
}
