import type { EventDefinition, Opener, Sealer } from "@kopru/bus";
import { duration } from "@kopru/config";
import type { Database, Sql } from "@kopru/storage";
import type { JetStreamManager } from "@nats-io/jetstream";
import { DEFAULT_KEY_POLICY, type OwnSealingKey, type SealingKeyPolicy, SealingKeyStore } from "./keys.js";
import {
  type DurableRef,
  durablesDrained,
  personalDurablesOf,
  SealingKeyManager,
  type SealingLogger,
} from "./manager.js";
import { createOpener } from "./opener.js";
import { createSealer, type RecipientKeyLookup } from "./sealer.js";

/**
 * The sealing variables of a service that sends or receives personal events:
 * `serviceEnv(port).extend({ ...sealingEnv, … })`.
 */
export const sealingEnv = {
  /** How long one sealing key is used before its successor takes over (default 30 days). */
  SEALING_ROTATION_PERIOD: duration().default(DEFAULT_KEY_POLICY.rotationPeriodMs),
  /** How long before it becomes valid a successor key is published (default 1 day). */
  SEALING_LEAD_TIME: duration().default(DEFAULT_KEY_POLICY.leadTimeMs),
  /** Allowance for late senders before a retired key may be destroyed (default 10 minutes). */
  SEALING_SKEW: duration().default(DEFAULT_KEY_POLICY.skewMs),
};

export interface SealingConfig {
  SEALING_ROTATION_PERIOD?: number | undefined;
  SEALING_LEAD_TIME?: number | undefined;
  SEALING_SKEW?: number | undefined;
}

export function sealingPolicyOf(config: SealingConfig): SealingKeyPolicy {
  return {
    rotationPeriodMs: config.SEALING_ROTATION_PERIOD ?? DEFAULT_KEY_POLICY.rotationPeriodMs,
    leadTimeMs: config.SEALING_LEAD_TIME ?? DEFAULT_KEY_POLICY.leadTimeMs,
    skewMs: config.SEALING_SKEW ?? DEFAULT_KEY_POLICY.skewMs,
  };
}

/** What a service hands its host: the relay's sealer, the consumers' opener, and its key worker. */
export interface ServiceSealing {
  sealer: Sealer;
  opener: Opener;
  keys: SealingKeyManager;
  store: SealingKeyStore;
  /** The service's durable consumers (their backlog decides when a retired key may go); replaces the list. */
  track(consumers: readonly DurableRef[]): void;
  /** Forces a new key for a hosted organisation (erasure): stream copies sealed to the old ones become unrecoverable once consumed. */
  rotateNow(organisationId: string): Promise<OwnSealingKey>;
  /** `rotateNow` inside the caller's transaction, so it commits with the erasure that asked for it. */
  rotateWithin(tx: Sql, organisationId: string): Promise<OwnSealingKey>;
}

export interface ServiceSealingOptions {
  service: string;
  db: Database;
  jsm: JetStreamManager;
  /** Every event of the layout: which ones are personal says what is sealed. */
  events: readonly EventDefinition[];
  /** The organisations this process hosts: it keeps a key for each. */
  organisations: readonly string[];
  policy: SealingKeyPolicy;
  now: () => Date;
  /** The addressee's public key valid at a time (the directory replica). */
  recipientKey: RecipientKeyLookup;
  /** The service's durable consumers so far (asked when its keys are to be destroyed); see `track`. */
  consumers?: readonly DurableRef[];
  /** Wakes the outbox relay (a key's publication is an outbox row). */
  wake?: () => void;
  logger?: SealingLogger;
  checkIntervalMs?: number;
}

/** Sealing for one service process (ADR 0022). */
export function serviceSealing(options: ServiceSealingOptions): ServiceSealing {
  const store = new SealingKeyStore(options.db, options.service);
  let consumers: readonly DurableRef[] = options.consumers ?? [];
  const keys = new SealingKeyManager({
    store,
    organisations: [...new Set(options.organisations)],
    policy: options.policy,
    now: options.now,
    drained: (organisationId) =>
      durablesDrained(options.jsm, personalDurablesOf(organisationId, consumers, options.events)),
    ...(options.wake ? { afterPublish: options.wake } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.checkIntervalMs ? { checkIntervalMs: options.checkIntervalMs } : {}),
  });
  return {
    sealer: createSealer({ events: options.events, recipientKey: options.recipientKey, now: options.now }),
    opener: createOpener(store),
    keys,
    store,
    track(list) {
      consumers = list;
    },
    rotateNow: (organisationId) => keys.rotateNow(organisationId),
    rotateWithin: (tx, organisationId) => keys.rotateWithin(tx, organisationId),
  };
}
