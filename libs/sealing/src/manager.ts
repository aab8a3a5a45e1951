import { type EventDefinition, patternsOverlap } from "@kopru/bus";
import type { Sql } from "@kopru/storage";
import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from "@nats-io/jetstream";
import type { OwnSealingKey, SealingKeyPolicy, SealingKeyStore } from "./keys.js";

export interface SealingLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A durable consumer as the bus reports it (`EventConsumer.name`, `.subjects`). */
export interface DurableRef {
  readonly name: string;
  readonly subjects: { stream: string; filterSubject: string };
}

/**
 * Whether every message these durables were given has been handled: nothing pending on the server
 * and nothing delivered but unacknowledged. A durable that does not exist has nothing pending.
 */
export async function durablesDrained(
  jsm: JetStreamManager,
  durables: readonly DurableRef[],
): Promise<boolean> {
  for (const durable of durables) {
    try {
      const info = await jsm.consumers.info(durable.subjects.stream, durable.name);
      if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) continue;
      throw error;
    }
  }
  return true;
}

/**
 * The consumers that read an organisation's personal events: those whose filter overlaps the
 * subject of some event marked `personalData` and, at that event's addressee token, names the
 * organisation (or any). Derived from the layout, so a new personal event is covered without a list.
 */
export function personalDurablesOf(
  organisationId: string,
  durables: readonly DurableRef[],
  events: readonly EventDefinition[],
): DurableRef[] {
  const personal = events.filter((definition) => definition.personalData);
  return durables.filter((durable) => {
    const filter = durable.subjects.filterSubject.split(".");
    return personal.some((definition) => {
      if (!patternsOverlap(definition.subjectPattern, durable.subjects.filterSubject)) return false;
      const addressee = definition.subjectPattern.split(".").indexOf("*");
      const upToAddressee = filter.slice(0, addressee + 1);
      return (
        addressee < 0 ||
        upToAddressee.includes(">") ||
        filter[addressee] === "*" ||
        filter[addressee] === organisationId
      );
    });
  });
}

export interface SealingKeyManagerOptions {
  store: SealingKeyStore;
  organisations: readonly string[];
  policy: SealingKeyPolicy;
  now: () => Date;
  /** Whether the organisation's consumers of personal events have handled everything given them. */
  drained: (organisationId: string) => Promise<boolean>;
  /** After keys were written with their outbox rows (wake the relay). */
  afterPublish?: () => void;
  logger?: SealingLogger;
  /** How often keys are looked at; default from the policy (at most a minute). */
  checkIntervalMs?: number;
}

/**
 * Keeps each hosted organisation's keys (ADR 0022): a key valid now, its successor published the
 * lead time ahead, and retired keys destroyed once past their end plus the skew AND their
 * organisation's consumers of personal events have nothing pending (observed after the end, so
 * every copy sealed to the key has been handled). A service worker: `start`, `stop`.
 */
export class SealingKeyManager {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly intervalMs: number;

  constructor(private readonly options: SealingKeyManagerOptions) {
    const { policy } = options;
    this.intervalMs =
      options.checkIntervalMs ??
      Math.max(
        100,
        Math.min(60_000, Math.floor(policy.leadTimeMs / 4), Math.floor(policy.skewMs / 2) || 60_000),
      );
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One look at every organisation's keys: create what is missing, destroy what may go. */
  async tick(): Promise<void> {
    const run = (this.running ?? Promise.resolve()).then(() => this.once());
    this.running = run.catch(() => {});
    await run;
  }

  /** Forces a new key now for the organisation (erasure): see `SealingKeyStore.rotateNow`. */
  async rotateNow(organisationId: string): Promise<OwnSealingKey> {
    if (!this.options.organisations.includes(organisationId)) {
      throw new Error(`organisation ${organisationId} is not hosted here`);
    }
    const key = await this.options.store.rotateNow(organisationId, this.options.now(), this.options.policy);
    this.options.afterPublish?.();
    this.options.logger?.info({ organisationId, keyId: key.keyId }, "sealing key rotated on request");
    return key;
  }

  /** `rotateNow` in the caller's transaction (erasure); the relay is woken once that commits. */
  async rotateWithin(tx: Sql, organisationId: string): Promise<OwnSealingKey> {
    if (!this.options.organisations.includes(organisationId)) {
      throw new Error(`organisation ${organisationId} is not hosted here`);
    }
    return this.options.store.rotateWithin(tx, organisationId, this.options.now(), this.options.policy);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick()
        .catch((error) => this.options.logger?.warn({ err: error }, "sealing key check failed; will retry"))
        .finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref?.();
  }

  private async once(): Promise<void> {
    const { store, policy, organisations, logger } = this.options;
    let published = false;
    for (const organisationId of organisations) {
      const created = await store.ensure(organisationId, this.options.now(), policy);
      for (const key of created) {
        published = true;
        logger?.info(
          { organisationId, keyId: key.keyId, validFrom: key.validFrom, validUntil: key.validUntil },
          "sealing key published",
        );
      }
      const retired = await store.retired(organisationId, this.options.now(), policy);
      // Asked after the keys ended: what their consumers still hold was sealed before the end.
      if (retired.length > 0 && (await this.options.drained(organisationId))) {
        for (const key of retired) {
          await store.destroy(key.keyId, this.options.now());
          logger?.info({ organisationId, keyId: key.keyId }, "retired sealing key destroyed");
        }
      }
    }
    if (published) this.options.afterPublish?.();
  }
}
