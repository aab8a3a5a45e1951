import { getTracer, withConsumerSpan, withSpan } from "@kopru/observability";
import { type Database, isConnectionError, type Sql } from "@kopru/storage";
import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { context, type Link, type SpanContext, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { deadLetter } from "./dead-letters.js";
import { aboutEnvelope, decodeEnvelope, decodeEvent, HEADER, type ReceivedEvent } from "./envelope.js";
import { type DeadLetterReason, type RejectedEventInfo, RejectedMessageError } from "./errors.js";
import { type EventDefinition, subjectMatches } from "./layout.js";
import type { RelayLogger } from "./outbox.js";
import { untilBrokerAnswers } from "./provision.js";
import { backoffDelay, sleep } from "./retry.js";
import { type Opener, UnopenableError } from "./sealing.js";

export type EventHandler<T> = (tx: Sql, event: ReceivedEvent<T>) => Promise<void>;

export interface HandlerBinding<T = unknown> {
  definition: EventDefinition<T>;
  // Method syntax on purpose: its parameter is checked bivariantly, so a binding for one payload
  // type fits the consumer's list of bindings for many (`handlers: [on(a, …), on(b, …)]`).
  handle(tx: Sql, event: ReceivedEvent<T>): Promise<void>;
}

/** Pairs an event definition with its handler, keeping the payload type. */
export function on<T>(definition: EventDefinition<T>, handle: EventHandler<T>): HandlerBinding<T> {
  return { definition, handle };
}

/**
 * Work a consumer's handlers leave for the end of their transaction: the handlers collect (for
 * instance rows to upsert), the hook applies what they collected in a few statements. A read model
 * whose cost is round trips, not work, fills at the rate of its batches this way instead of the
 * rate of its events.
 *
 * The consumer calls `flush` with the handlers' `tx`, after they ran and before COMMIT:
 * - in a batch applied together, once, for all the events the handlers applied;
 * - when a batch is applied message by message (after a failure in it), once per event, inside
 *   that event's savepoint, for that event alone.
 *
 * A failing `flush` fails what it covers, as a failing handler does: a batch rolls back and its
 * events are applied again message by message, where only the event whose writes fail fails (and
 * is retried, then dead-lettered). Whenever what the handlers collected for `tx` will not be flushed
 * (the transaction or the event's savepoint rolled back), the consumer calls `discard(tx)` first,
 * so nothing collected for an event that did not apply is flushed with another.
 */
export interface BatchHook {
  flush(tx: Sql, events: readonly ReceivedEvent<unknown>[]): Promise<void>;
  discard(tx: Sql): void;
}

export interface EventConsumerOptions {
  db: Database;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Durable consumer name, also the inbox key: `<service>-<purpose>`. */
  name: string;
  /**
   * Where a new durable consumer starts: the beginning of the stream (default: catch up on
   * everything) or only messages published from now on (a tool, or a test on a shared server).
   */
  startAt?: "beginning" | "now";
  stream: string;
  filterSubject: string;
  /** Where to park what cannot be applied; its subjects must include `kopru.dlq.>`. */
  deadLetterSubjectPrefix?: string;
  handlers: readonly HandlerBinding[];
  /**
   * Apply events of one aggregate strictly in sequence: one that arrives ahead of its
   * predecessor is held back (and, if the predecessor does not come, put back) and retried.
   */
  ordered?: boolean;
  /** Handler failures of one event before it is dead-lettered. */
  maxAttempts?: number;
  ackWaitMs?: number;
  /** JetStream's own delivery limit, the last safety net behind maxAttempts. */
  maxDeliver?: number;
  /** Redelivery schedule for messages whose ack did not arrive (JetStream `backoff`). */
  backoffMs?: readonly number[];
  /** Messages in process at once; messages of one aggregate always go through one lane. */
  lanes?: number;
  /**
   * Most messages one lane applies in one transaction. Under load this is what lets a consumer
   * keep up: the transaction's round trips and commit, not the handler, are the expensive part.
   */
  batchSize?: number;
  /** Applies what the handlers collected, once per transaction before COMMIT (see `BatchHook`). */
  batch?: BatchHook;
  /**
   * Lane transactions open at once (default 2). A lane waiting for its turn keeps collecting
   * messages, so under load batches grow instead of every lane committing a handful; when idle
   * a message still starts its transaction at once. At most `lanes`.
   */
  concurrency?: number;
  logger?: RelayLogger;
  /** Runs after an effect committed and before the ack (metrics, crash tests). Errors are logged only. */
  afterCommit?: (event: ReceivedEvent<unknown>) => void | Promise<void>;
  /**
   * Opens sealed payloads before they are decoded (ADR 0022). Without one, a sealed message is
   * dead-lettered as unopenable. The service host sets it for every consumer (`openWith`).
   */
  opener?: Opener;
}

export interface ConsumerStats {
  applied: number;
  duplicates: number;
  deadLettered: number;
  /** Deliveries put back or held for another try: handler failures and early events. */
  retried: number;
  /** Transactions that applied a batch; `applied / batches` is the mean batch size. */
  batches: number;
}

/** One delivered message on its way through a lane. */
interface Item {
  msg: JsMsg;
  decoded?: { event: ReceivedEvent<unknown>; binding: HandlerBinding };
  rejected?: { reason: DeadLetterReason; detail: string; event?: RejectedEventInfo };
  /** A dead letter replayed for another consumer of the subject: acknowledged, not applied. */
  notForUs?: true;
  /** The span it was last processed in, so what is logged about it afterwards joins its trace. */
  span?: SpanContext;
}

type Outcome =
  | { kind: "applied" }
  | { kind: "duplicate" }
  | { kind: "parked"; reason: DeadLetterReason }
  /** Arrived before its predecessor. */
  | { kind: "early"; expected: number }
  | { kind: "failed"; error: unknown }
  /** Could not be parked (the dead-letter publish failed): try again shortly. */
  | { kind: "retry" };

interface Lane {
  queue: Item[];
  running: Promise<void> | undefined;
}

interface Held {
  item: Item;
  timer: NodeJS.Timeout;
}

const DEFAULT_BACKOFF_MS = [30_000, 60_000, 120_000, 300_000];
const DEAD_LETTER_PREFIX = "kopru.dlq";

/**
 * Lifetime of each pull request. A closed pull stays registered on the server until it expires
 * (nats-server 2.9 does not notice the client went away), and a message redelivered into it is
 * lost until its ack wait runs out; so pulls are short-lived, and messages handed back while no
 * pull is open are delayed past that lifetime.
 */
const PULL_EXPIRES_MS = 5_000;

/** Hands a message back for a later delivery, after any pull just closed has expired. */
function putBack(msg: JsMsg): void {
  msg.nak(PULL_EXPIRES_MS + 1_000);
}

/**
 * A durable JetStream pull consumer whose effects are idempotent: the inbox row (consumer, event
 * id) is written in the same transaction as the handler's effect, so a redelivered event finds its
 * row and does nothing. Poison messages go to the dead-letter stream with the reason, and the
 * consumer moves on. When the database is down the consumer stops pulling, backs off, and resumes
 * when it answers; nothing is acknowledged that did not commit.
 */
export class EventConsumer {
  readonly stats: ConsumerStats = { applied: 0, duplicates: 0, deadLettered: 0, retried: 0, batches: 0 };
  private readonly definitions: Map<string, EventDefinition>;
  private readonly bindings: Map<string, HandlerBinding>;
  private readonly lanes: Lane[];
  private readonly batchSize: number;
  private readonly maxInFlight: number;
  private readonly holdMs: number;
  private readonly held = new Map<string, Held[]>();
  private readonly concurrency: number;
  private turnsTaken = 0;
  private readonly turnWaiters: (() => void)[] = [];
  private inFlight = 0;
  private capacityWaiter: (() => void) | undefined;
  private abort = new AbortController();
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;
  private databaseDown = false;
  private opener: Opener | undefined;

  constructor(private readonly options: EventConsumerOptions) {
    this.opener = options.opener;
    this.definitions = new Map(options.handlers.map((h) => [h.definition.type, h.definition]));
    this.bindings = new Map(options.handlers.map((h) => [h.definition.type, h]));
    const laneCount = options.lanes ?? 8;
    this.lanes = Array.from({ length: laneCount }, () => ({ queue: [], running: undefined }));
    this.batchSize = Math.max(1, options.batchSize ?? 50);
    this.concurrency = Math.max(1, Math.min(laneCount, options.concurrency ?? 2));
    this.maxInFlight = Math.min(1_000, laneCount * Math.max(32, this.batchSize * 2));
    // An early event waits in memory for its predecessor for well under the time JetStream gives
    // before redelivering it, so the copy held here is the only one in play.
    const firstRedelivery = Math.min(
      this.options.ackWaitMs ?? 30_000,
      (options.backoffMs ?? DEFAULT_BACKOFF_MS)[0] ?? Infinity,
    );
    this.holdMs = Math.min(3_000, Math.floor(firstRedelivery / 3));
  }

  get name(): string {
    return this.options.name;
  }

  /** Messages handed to the lanes and not settled yet (queued or in a transaction); held ones are not. */
  get messagesInFlight(): number {
    return this.inFlight;
  }

  /** Gives the consumer the opener of sealed payloads, unless it was built with one; before `start`. */
  openWith(opener: Opener): void {
    this.opener ??= opener;
  }

  /** The stream, filter and dead-letter subject it reads and writes: what its NATS user must be allowed. */
  get subjects(): { stream: string; filterSubject: string; deadLetterSubject: string } {
    const { stream, filterSubject, deadLetterSubjectPrefix, name } = this.options;
    return {
      stream,
      filterSubject,
      deadLetterSubject: `${deadLetterSubjectPrefix ?? DEAD_LETTER_PREFIX}.${name}`,
    };
  }

  /**
   * Creates or updates the durable consumer; safe to call from every instance at every start. A
   * broker that does not answer yet is waited for (see `untilBrokerAnswers`), never a reason to fail.
   */
  async provision(options: { signal?: AbortSignal } = {}): Promise<void> {
    const { jsm, stream, name, filterSubject, logger } = this.options;
    const backoff = (this.options.backoffMs ?? DEFAULT_BACKOFF_MS).map((ms) => nanos(ms));
    const config = {
      durable_name: name,
      filter_subject: filterSubject,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(this.options.ackWaitMs ?? 30_000),
      max_deliver: this.options.maxDeliver ?? 50,
      backoff,
      max_ack_pending: 10_000,
    };
    // With the database down the binding cannot be checked: keep the durable as it is (its
    // redeliveries are harmless to the inbox) and check again at the next start.
    const bound = await this.options.db
      .query("SELECT 1 FROM kopru_consumer_bindings WHERE consumer = $1", [name])
      .then((r) => r.rowCount > 0)
      .catch((error: unknown) => {
        if (isConnectionError(error)) return undefined;
        throw error;
      });
    // Each try starts from the top, so a step whose answer was lost (it may have been applied) is
    // simply looked at again; a durable of another database is deleted once, not on every try.
    let foreignDeleted = false;
    await untilBrokerAnswers(
      `consumer ${name}`,
      async () => {
        let existing = await consumerInfo(jsm, stream, name);
        if (existing && bound === false && !foreignDeleted) {
          // Left by another database: its acknowledgements are not this database's effects.
          logger?.warn(
            { consumer: name },
            "durable consumer belongs to another database; replaying from the start",
          );
          await deleteConsumer(jsm, stream, name);
          foreignDeleted = true;
          existing = undefined;
        }
        if (existing) await jsm.consumers.update(stream, name, config);
        else {
          const deliver_policy = this.options.startAt === "now" ? DeliverPolicy.New : DeliverPolicy.All;
          await jsm.consumers.add(stream, { ...config, deliver_policy });
        }
      },
      { logger, signal: options.signal },
    );
    if (bound === false) {
      await this.options.db.query(
        "INSERT INTO kopru_consumer_bindings (consumer) VALUES ($1) ON CONFLICT (consumer) DO NOTHING",
        [name],
      );
    }
  }

  async start(): Promise<void> {
    if (this.loop) return;
    await this.provision();
    this.abort = new AbortController();
    const { js, stream, name, logger } = this.options;
    const consumer = await untilBrokerAnswers(`consumer ${name}`, () => js.consumers.get(stream, name), {
      logger,
    });
    this.loop = this.run(consumer);
  }

  /** Stops pulling, lets messages in process finish, and leaves the rest for redelivery. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.messages?.close().catch(() => {});
    await this.loop;
    await this.lanesIdle();
    for (const [key, list] of this.held) {
      this.held.delete(key);
      for (const { item, timer } of list) {
        clearTimeout(timer);
        putBack(item.msg);
      }
    }
    this.loop = undefined;
  }

  private async run(consumer: Consumer): Promise<void> {
    const signal = this.abort.signal;
    let outage = 0;
    while (!signal.aborted) {
      if (this.databaseDown) {
        // Not pulling while the database is down: undelivered messages keep their delivery count.
        outage += 1;
        await sleep(backoffDelay(outage, { maxMs: 10_000 }), signal);
        if (signal.aborted) break;
        try {
          await this.options.db.query("SELECT 1");
          this.databaseDown = false;
          outage = 0;
          this.options.logger?.info({ consumer: this.name }, "database answers again; consumer resumes");
        } catch {
          continue;
        }
      }
      try {
        this.messages = await consumer.consume({ max_messages: this.maxInFlight, expires: PULL_EXPIRES_MS });
        for await (const msg of this.messages) {
          if (signal.aborted || this.databaseDown) {
            // The pull is closed; hand back what it had already buffered, then the loop ends.
            putBack(msg);
            continue;
          }
          await this.waitForCapacity();
          const item = await this.decode(msg);
          if (item) this.dispatch(item);
        }
      } catch (error) {
        if (signal.aborted) break;
        this.options.logger?.warn({ err: error, consumer: this.name }, "consume loop failed; restarting");
        await sleep(1_000, signal);
      } finally {
        await this.messages?.close().catch(() => {});
        this.messages = undefined;
      }
      if (this.databaseDown) await this.lanesIdle();
    }
  }

  private async lanesIdle(): Promise<void> {
    while (this.lanes.some((lane) => lane.running)) {
      await Promise.all(this.lanes.map((lane) => lane.running));
    }
  }

  private markDatabaseDown(): void {
    if (!this.databaseDown) {
      this.options.logger?.warn(
        { consumer: this.name },
        "database unavailable; consumer pauses and backs off",
      );
    }
    this.databaseDown = true;
    // Stop pulling at once rather than at the next message.
    void this.messages?.close().catch(() => {});
  }

  private waitForCapacity(): Promise<void> {
    if (this.inFlight < this.maxInFlight) return Promise.resolve();
    return new Promise((resolve) => {
      this.capacityWaiter = resolve;
    });
  }

  private finished(count: number): void {
    this.inFlight -= count;
    const waiter = this.capacityWaiter;
    this.capacityWaiter = undefined;
    waiter?.();
  }

  /** The message decoded (its payload opened first when sealed); undefined when it was put back. */
  private async decode(msg: JsMsg): Promise<Item | undefined> {
    const replayFor = msg.headers?.get(HEADER.replayFor);
    if (replayFor && replayFor !== this.name) return { msg, notForUs: true };
    try {
      const envelope = decodeEnvelope(msg.data);
      if (envelope.sealedPayload) {
        const about = aboutEnvelope(envelope);
        if (!this.opener) {
          throw new RejectedMessageError(
            "unopenable",
            "sealed payload and no opener on this consumer",
            about,
          );
        }
        try {
          const opened = await this.opener(envelope, msg.subject);
          envelope.payload = Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength);
          envelope.sealedPayload = undefined;
        } catch (error) {
          if (isConnectionError(error)) {
            // The keys are in the database: try again once it answers, never dead-letter for that.
            this.markDatabaseDown();
            putBack(msg);
            return undefined;
          }
          const detail = error instanceof UnopenableError ? error.message : `opener failed: ${String(error)}`;
          throw new RejectedMessageError("unopenable", detail, about, { cause: error });
        }
      }
      const { event, definition } = decodeEvent(envelope, msg.subject, this.definitions);
      const replayOf = msg.headers?.get(HEADER.replayOf);
      if (replayOf) event.replayOf = replayOf;
      if (!subjectMatches(definition.subjectPattern, msg.subject)) {
        return {
          msg,
          rejected: {
            reason: "subject_type_mismatch",
            detail: `${event.type} does not belong on ${msg.subject}`,
            event,
          },
        };
      }
      return { msg, decoded: { event, binding: this.bindings.get(event.type) as HandlerBinding } };
    } catch (error) {
      const rejected =
        error instanceof RejectedMessageError
          ? error
          : new RejectedMessageError("undecodable", String(error));
      return {
        msg,
        rejected: {
          reason: rejected.reason,
          detail: rejected.message,
          ...(rejected.event ? { event: rejected.event } : {}),
        },
      };
    }
  }

  /** Queues a message on its aggregate's lane; one lane applies its queue in order, in batches. */
  private dispatch(item: Item): void {
    const { msg } = item;
    // The envelope's aggregate when it decoded (headers are only a hint a producer could get wrong).
    const aggregate = item.decoded?.event.aggregate ?? item.rejected?.event?.aggregate;
    const key = aggregate?.id
      ? aggregateKey(aggregate)
      : msg.headers?.get(HEADER.aggregateId) || msg.headers?.get(HEADER.messageId) || String(msg.seq);
    const lane = this.lanes[laneIndex(key, this.lanes.length)] as Lane;
    this.inFlight += 1;
    lane.queue.push(item);
    lane.running ??= this.drain(lane).finally(() => {
      lane.running = undefined;
    });
  }

  private async drain(lane: Lane): Promise<void> {
    while (lane.queue.length > 0) {
      await this.acquireTurn();
      // Taken after the wait: what arrived meanwhile joins this batch.
      const batch = lane.queue.splice(0, this.batchSize);
      try {
        if (this.databaseDown) {
          for (const item of batch) putBack(item.msg);
        } else {
          await this.processBatch(batch);
        }
      } catch (error) {
        // Nothing was acknowledged: JetStream redelivers after the ack wait.
        this.options.logger?.error({ err: error, consumer: this.name }, "message processing failed");
      } finally {
        this.releaseTurn();
        this.finished(batch.length);
      }
    }
  }

  private acquireTurn(): Promise<void> {
    if (this.turnsTaken < this.concurrency) {
      this.turnsTaken += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.turnWaiters.push(resolve));
  }

  /** Hands the turn to the longest-waiting lane, if any. */
  private releaseTurn(): void {
    const next = this.turnWaiters.shift();
    if (next) next();
    else this.turnsTaken -= 1;
  }

  private async processBatch(batch: Item[]): Promise<void> {
    let outcomes: Outcome[] | undefined;
    try {
      if (batch.every((item) => this.fastPathFits(item))) {
        outcomes = await this.options.db
          .transaction(async (tx) => {
            try {
              return await this.applyTogether(tx, batch);
            } catch (error) {
              this.options.batch?.discard(tx);
              throw error;
            }
          })
          .catch((error: unknown) => {
            // A handler failed: nothing of the batch committed; isolate the failure below.
            if (error instanceof HandlerFailedInBatch) return undefined;
            throw error;
          });
      }
      outcomes ??= await this.options.db.transaction(async (tx) => {
        const results: Outcome[] = [];
        for (const item of batch) results.push(await this.applyOne(tx, item));
        return this.clearFailures(tx, batch, results);
      });
    } catch (error) {
      if (isConnectionError(error)) {
        this.markDatabaseDown();
        for (const item of batch) putBack(item.msg);
        return;
      }
      if (batch.length > 1) {
        // Something failed outside any one message (the commit itself): find the culprit alone.
        for (const item of batch) await this.processBatch([item]);
        return;
      }
      outcomes = [{ kind: "failed", error }];
    }
    this.stats.batches += 1;
    const released = new Set<string>();
    for (const [i, item] of batch.entries()) {
      const outcome = outcomes[i] as Outcome;
      const traced = item.span ? trace.setSpanContext(context.active(), item.span) : context.active();
      await context.with(traced, () => this.settle(item, outcome));
      if (outcome.kind === "applied" || outcome.kind === "parked") {
        const aggregate = item.decoded?.event.aggregate ?? item.rejected?.event?.aggregate;
        if (aggregate?.id) released.add(aggregateKey(aggregate));
      }
    }
    for (const key of released) this.releaseHeld(key);
  }

  /** Whether a message can go through `applyTogether`; the rest take the per-message path. */
  private fastPathFits(item: Item): boolean {
    return (
      item.decoded !== undefined &&
      item.decoded.event.replayOf === undefined &&
      item.msg.info.deliveryCount < this.maxDeliver()
    );
  }

  /** Forgets the failure counts of events that have now been applied (by any copy of them). */
  private async clearFailures(tx: Sql, batch: Item[], outcomes: Outcome[]): Promise<Outcome[]> {
    const cleared = batch
      .filter((_, i) => outcomes[i]?.kind === "applied")
      .map((item) => item.decoded?.event.eventId);
    if (cleared.length > 0) {
      await tx.query(
        "DELETE FROM kopru_consumer_failure WHERE consumer = $1 AND event_id = ANY($2::text[])",
        [this.name, cleared],
      );
    }
    return outcomes;
  }

  /**
   * The fast path for a batch of decoded events: one statement claims every inbox row, one reads
   * (and locks) the cursors of the batch's aggregates and one moves them, then the handlers run in
   * aggregate sequence order. A few round trips per batch instead of several per event, which is
   * what bounds a consumer's rate. A failing handler aborts the whole transaction
   * (HandlerFailedInBatch); the batch is then retried message by message behind savepoints.
   */
  private async applyTogether(tx: Sql, batch: Item[]): Promise<Outcome[]> {
    const events = batch.map((item) => (item.decoded as NonNullable<Item["decoded"]>).event);
    const outcomes: Outcome[] = batch.map(() => ({ kind: "duplicate" }));
    // Claims the inbox rows and, in the same round trip, forgets earlier handler failures of the
    // claimed events (a failed attempt may have been another copy of the same event).
    const inserted = await tx.query<{ event_id: string }>(
      `WITH claimed AS (
         INSERT INTO kopru_inbox (consumer, event_id, event_type, status)
         SELECT $1, e.event_id, e.event_type, 'applied' FROM unnest($2::uuid[], $3::text[]) AS e(event_id, event_type)
         ON CONFLICT (consumer, event_id) DO NOTHING
         RETURNING event_id
       ), cleared AS (
         DELETE FROM kopru_consumer_failure f USING claimed c WHERE f.consumer = $1 AND f.event_id = c.event_id::text
       )
       SELECT event_id FROM claimed`,
      [this.name, events.map((e) => e.eventId), events.map((e) => e.type)],
    );
    const fresh = new Set(inserted.rows.map((row) => row.event_id.toLowerCase()));
    // Indexes of the events to apply. A second copy of one event in the batch (JetStream redelivered
    // it while the first waited in the lane) shares the first copy's fate, settled below.
    let toApply: number[] = [];
    const firstCopy = new Map<string, number>();
    const laterCopies: [copy: number, first: number][] = [];
    events.forEach((event, i) => {
      const id = event.eventId.toLowerCase();
      const first = firstCopy.get(id);
      if (first !== undefined) {
        laterCopies.push([i, first]);
      } else if (fresh.has(id)) {
        firstCopy.set(id, i);
        toApply.push(i);
      }
    });
    if (this.options.ordered) toApply = await this.orderAndAdvance(tx, events, toApply, outcomes);
    // A copy of an early event must not be acknowledged as a duplicate: the acknowledgement would
    // settle the message while its first copy is only held, and the event would never be applied.
    for (const [copy, first] of laterCopies) {
      const outcome = outcomes[first] as Outcome;
      if (outcome.kind === "early") outcomes[copy] = outcome;
    }
    for (const i of toApply) {
      const item = batch[i] as Item;
      const { event, binding } = item.decoded as NonNullable<Item["decoded"]>;
      await withConsumerSpan(
        `process ${item.msg.subject}`,
        {
          destination: item.msg.subject,
          messageId: event.eventId,
          consumerGroup: this.name,
          "kopru.event.type": event.type,
        },
        headerCarrier(item.msg),
        async (span) => {
          item.span = span.spanContext();
          try {
            await binding.handle(tx, event);
          } catch (error) {
            if (isConnectionError(error)) throw error;
            throw new HandlerFailedInBatch("a handler failed inside a batch", { cause: error });
          }
          this.logHandled(event);
        },
      );
      outcomes[i] = { kind: "applied" };
    }
    if (this.options.batch && toApply.length > 0) {
      try {
        await this.flushBatch(
          tx,
          toApply.map((i) => batch[i] as Item),
        );
      } catch (error) {
        if (isConnectionError(error)) throw error;
        throw new HandlerFailedInBatch("the batch hook failed", { cause: error });
      }
    }
    return outcomes;
  }

  /**
   * Runs the batch hook in a span of its own, linked to the spans its events were processed in (a
   * trace of one event then shows the statement that applied it, shared with the rest of its batch).
   */
  private flushBatch(tx: Sql, items: readonly Item[]): Promise<void> {
    const hook = this.options.batch as BatchHook;
    const links: Link[] = items.flatMap((item) => (item.span ? [{ context: item.span }] : []));
    return withSpan(
      batchTracer(),
      `flush ${this.name}`,
      {
        kind: SpanKind.INTERNAL,
        links,
        attributes: {
          "messaging.system": "nats",
          "messaging.consumer.group.name": this.name,
          "messaging.batch.message_count": items.length,
        },
      },
      () =>
        hook.flush(
          tx,
          items.map((item) => (item.decoded as NonNullable<Item["decoded"]>).event),
        ),
    );
  }

  /**
   * Walks each aggregate's events of the batch in sequence against its cursor: the next one (or
   * one at or behind the cursor) is applied, one ahead of a gap is early. Early events lose the
   * inbox row just claimed; moved cursors are written back in one statement. Returns the indexes
   * to apply, in the order to apply them.
   */
  private async orderAndAdvance(
    tx: Sql,
    events: ReceivedEvent<unknown>[],
    candidates: number[],
    outcomes: Outcome[],
  ): Promise<number[]> {
    const groups = new Map<string, number[]>();
    const unordered: number[] = [];
    for (const i of candidates) {
      const aggregate = (events[i] as ReceivedEvent<unknown>).aggregate;
      if (!aggregate.id) {
        unordered.push(i);
        continue;
      }
      const key = aggregateKey(aggregate);
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    if (groups.size === 0) return candidates;
    const heads = [...groups.values()].map(
      (g) => (events[g[0] as number] as ReceivedEvent<unknown>).aggregate,
    );
    const current = await tx.query<{ aggregate_type: string; aggregate_id: string; last_sequence: number }>(
      `SELECT aggregate_type, aggregate_id, last_sequence FROM kopru_inbox_cursor
        WHERE consumer = $1 AND (aggregate_type, aggregate_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))
        FOR UPDATE`,
      [this.name, heads.map((a) => a.type), heads.map((a) => a.id)],
    );
    const last = new Map(
      current.rows.map((row) => [
        aggregateKey({ type: row.aggregate_type, id: row.aggregate_id }),
        row.last_sequence,
      ]),
    );
    const ordered: number[] = [...unordered];
    const early: number[] = [];
    const moved = new Map<string, { type: string; id: string; sequence: number }>();
    for (const [key, indexes] of groups) {
      indexes.sort((a, b) => (events[a]?.aggregate.sequence ?? 0) - (events[b]?.aggregate.sequence ?? 0));
      let position = last.get(key) ?? 0;
      for (const i of indexes) {
        const { type, id, sequence } = (events[i] as ReceivedEvent<unknown>).aggregate;
        if (sequence > position + 1) {
          early.push(i);
          outcomes[i] = { kind: "early", expected: position + 1 };
          continue;
        }
        ordered.push(i);
        if (sequence === position + 1) {
          position = sequence;
          moved.set(key, { type, id, sequence });
        }
      }
    }
    if (early.length > 0) {
      await tx.query("DELETE FROM kopru_inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])", [
        this.name,
        early.map((i) => events[i]?.eventId),
      ]);
    }
    if (moved.size > 0) {
      const cursors = [...moved.values()];
      await tx.query(
        `INSERT INTO kopru_inbox_cursor (consumer, aggregate_type, aggregate_id, last_sequence)
         SELECT $1, c.aggregate_type, c.aggregate_id, c.last_sequence
           FROM unnest($2::text[], $3::text[], $4::bigint[]) AS c(aggregate_type, aggregate_id, last_sequence)
         ON CONFLICT (consumer, aggregate_type, aggregate_id)
           DO UPDATE SET last_sequence = GREATEST(kopru_inbox_cursor.last_sequence, EXCLUDED.last_sequence)`,
        [this.name, cursors.map((c) => c.type), cursors.map((c) => c.id), cursors.map((c) => c.sequence)],
      );
    }
    return ordered;
  }

  /** One message inside the batch transaction, isolated by a savepoint. */
  private async applyOne(tx: Sql, item: Item): Promise<Outcome> {
    const { msg } = item;
    if (item.notForUs) return { kind: "duplicate" };
    if (item.rejected) return this.parkInTransaction(tx, item, item.rejected);
    const { event, binding } = item.decoded as NonNullable<Item["decoded"]>;
    return withConsumerSpan(
      `process ${msg.subject}`,
      {
        destination: msg.subject,
        messageId: event.eventId,
        consumerGroup: this.name,
        "kopru.event.type": event.type,
      },
      headerCarrier(msg),
      async (span): Promise<Outcome> => {
        item.span = span.spanContext();
        await tx.query("SAVEPOINT kopru_event");
        try {
          const inbox = await tx.query(
            `INSERT INTO kopru_inbox (consumer, event_id, event_type, status)
             VALUES ($1, $2, $3, 'applied')
             ON CONFLICT (consumer, event_id) DO UPDATE SET status = 'applied', processed_at = now()
               WHERE kopru_inbox.status = 'dead_lettered' AND $4::boolean
             RETURNING 1`,
            [this.name, event.eventId, event.type, event.replayOf !== undefined],
          );
          if (inbox.rowCount === 0) {
            await tx.query("RELEASE SAVEPOINT kopru_event");
            return { kind: "duplicate" };
          }
          if (this.options.ordered && event.aggregate.id && event.replayOf === undefined) {
            const expected = await this.advanceCursor(tx, event);
            if (expected !== undefined) {
              await tx.query("ROLLBACK TO SAVEPOINT kopru_event");
              if (msg.info.deliveryCount >= this.maxDeliver()) {
                return this.parkInTransaction(tx, item, {
                  reason: "predecessor_missing",
                  detail: `expected sequence ${expected}, received ${event.aggregate.sequence}`,
                  event,
                });
              }
              return { kind: "early", expected };
            }
          }
          await binding.handle(tx, event);
          if (this.options.batch) await this.flushBatch(tx, [item]);
          await tx.query("RELEASE SAVEPOINT kopru_event");
          this.logHandled(event);
          return { kind: "applied" };
        } catch (error) {
          this.options.batch?.discard(tx);
          if (isConnectionError(error)) throw error;
          await tx.query("ROLLBACK TO SAVEPOINT kopru_event");
          span.recordException(error instanceof Error ? error : String(error));
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
          return { kind: "failed", error };
        }
      },
    );
  }

  /** Handled, not yet committed: the batch's transaction may still roll back and retry it. */
  private logHandled(event: ReceivedEvent<unknown>): void {
    this.options.logger?.debug?.(
      { consumer: this.name, eventId: event.eventId, eventType: event.type, aggregateId: event.aggregate.id },
      "event handled",
    );
  }

  /**
   * Moves the aggregate's cursor to this event's sequence when it is the next one. Returns the
   * sequence that was expected instead when the event is early; an event at or behind the cursor
   * (its predecessor was dead-lettered as missing and it came later after all) is applied.
   */
  private async advanceCursor(tx: Sql, event: ReceivedEvent<unknown>): Promise<number | undefined> {
    const { type, id, sequence } = event.aggregate;
    const key = [this.name, type, id];
    // The common case in one round trip: the next event of a known aggregate, or the first one.
    const moved =
      sequence === 1
        ? await tx.query(
            `INSERT INTO kopru_inbox_cursor (consumer, aggregate_type, aggregate_id, last_sequence)
             VALUES ($1, $2, $3, 1) ON CONFLICT DO NOTHING`,
            key,
          )
        : await tx.query(
            `UPDATE kopru_inbox_cursor SET last_sequence = $4
              WHERE consumer = $1 AND aggregate_type = $2 AND aggregate_id = $3 AND last_sequence = $4 - 1`,
            [...key, sequence],
          );
    if (moved.rowCount === 1) return undefined;
    const current = await tx.query<{ last_sequence: number }>(
      `SELECT last_sequence FROM kopru_inbox_cursor
        WHERE consumer = $1 AND aggregate_type = $2 AND aggregate_id = $3 FOR UPDATE`,
      key,
    );
    const last = current.rows[0]?.last_sequence ?? 0;
    if (sequence <= last) return undefined;
    if (sequence === last + 1) {
      // Another instance created or moved the cursor between the two statements.
      await tx.query(
        `INSERT INTO kopru_inbox_cursor (consumer, aggregate_type, aggregate_id, last_sequence) VALUES ($1, $2, $3, $4)
         ON CONFLICT (consumer, aggregate_type, aggregate_id) DO UPDATE SET last_sequence = EXCLUDED.last_sequence`,
        [...key, sequence],
      );
      return undefined;
    }
    return last + 1;
  }

  /**
   * Dead-letters a message inside the batch transaction: the copy is published (and acknowledged
   * by JetStream) first, then the inbox records the event as dead-lettered and, for ordered
   * consumers, the cursor steps past it so the aggregate's later events are not blocked behind it.
   * If the transaction then rolls back, the redelivered message is parked again under the same
   * dead-letter message id, which JetStream stores once.
   */
  private async parkInTransaction(
    tx: Sql,
    item: Item,
    rejected: { reason: DeadLetterReason; detail: string; event?: RejectedEventInfo },
  ): Promise<Outcome> {
    const { msg } = item;
    try {
      await deadLetter(this.options.js, {
        subjectPrefix: this.options.deadLetterSubjectPrefix ?? DEAD_LETTER_PREFIX,
        consumer: this.name,
        msg,
        reason: rejected.reason,
        detail: rejected.detail,
      });
    } catch (error) {
      this.options.logger?.error(
        { err: error, consumer: this.name },
        "could not dead-letter message; will retry",
      );
      return { kind: "retry" };
    }
    const event = rejected.event;
    if (!event) return { kind: "parked", reason: rejected.reason };
    await tx.query("SAVEPOINT kopru_park");
    try {
      await tx.query(
        `INSERT INTO kopru_inbox (consumer, event_id, event_type, status) VALUES ($1, $2, $3, 'dead_lettered')
         ON CONFLICT (consumer, event_id) DO NOTHING`,
        [this.name, event.eventId, event.type],
      );
      if (this.options.ordered && event.aggregate.id) {
        await tx.query(
          `INSERT INTO kopru_inbox_cursor (consumer, aggregate_type, aggregate_id, last_sequence)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (consumer, aggregate_type, aggregate_id)
             DO UPDATE SET last_sequence = GREATEST(kopru_inbox_cursor.last_sequence, EXCLUDED.last_sequence)`,
          [this.name, event.aggregate.type, event.aggregate.id, event.aggregate.sequence],
        );
      }
      await tx.query("DELETE FROM kopru_consumer_failure WHERE consumer = $1 AND event_id = $2", [
        this.name,
        event.eventId,
      ]);
      await tx.query("RELEASE SAVEPOINT kopru_park");
    } catch (error) {
      if (isConnectionError(error)) throw error;
      await tx.query("ROLLBACK TO SAVEPOINT kopru_park");
      this.options.logger?.error(
        { err: error, consumer: this.name },
        "could not record dead letter; will retry",
      );
      return { kind: "retry" };
    }
    return { kind: "parked", reason: rejected.reason };
  }

  /** After the batch committed (or rolled back): acknowledge, hold, or put back each message. */
  private async settle(item: Item, outcome: Outcome): Promise<void> {
    const { msg } = item;
    const event = item.decoded?.event;
    switch (outcome.kind) {
      case "applied":
        this.stats.applied += 1;
        if (this.options.afterCommit && event) {
          try {
            await this.options.afterCommit(event);
          } catch (error) {
            this.options.logger?.error({ err: error, consumer: this.name }, "afterCommit hook failed");
          }
        }
        msg.ack();
        return;
      case "duplicate":
        this.stats.duplicates += 1;
        msg.ack();
        return;
      case "parked":
        this.stats.deadLettered += 1;
        this.options.logger?.warn(
          {
            consumer: this.name,
            reason: outcome.reason,
            eventId: event?.eventId ?? item.rejected?.event?.eventId,
            streamSequence: msg.seq,
          },
          "message dead-lettered",
        );
        msg.ack();
        return;
      case "early":
        this.stats.retried += 1;
        this.hold(item);
        return;
      case "retry":
        msg.nak(1_000);
        return;
      case "failed":
        await this.onFailure(item, outcome.error);
        return;
    }
  }

  private maxDeliver(): number {
    return this.options.maxDeliver ?? 50;
  }

  private async onFailure(item: Item, error: unknown): Promise<void> {
    const { msg } = item;
    const event = item.decoded?.event;
    if (!event) {
      // A message being dead-lettered whose transaction failed: try again shortly.
      this.options.logger?.error(
        { err: error, consumer: this.name },
        "could not dead-letter message; will retry",
      );
      msg.nak(1_000);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    let attempts: number;
    try {
      const counted = await this.options.db.query<{ attempts: number }>(
        `INSERT INTO kopru_consumer_failure (consumer, event_id, attempts, last_error)
         VALUES ($1, $2, 1, $3)
         ON CONFLICT (consumer, event_id) DO UPDATE
           SET attempts = kopru_consumer_failure.attempts + 1, last_error = EXCLUDED.last_error, last_failed_at = now()
         RETURNING attempts`,
        [this.name, event.eventId, message.slice(0, 2000)],
      );
      attempts = counted.rows[0]?.attempts ?? 1;
    } catch (countError) {
      if (isConnectionError(countError)) this.markDatabaseDown();
      putBack(msg);
      return;
    }
    if (attempts >= (this.options.maxAttempts ?? 5) || msg.info.deliveryCount >= this.maxDeliver()) {
      // Parked in a transaction of its own, so the inbox row and cursor step commit with it.
      await this.processBatch([{ msg, rejected: { reason: "handler_failed", detail: message, event } }]);
      return;
    }
    this.stats.retried += 1;
    this.options.logger?.warn(
      { consumer: this.name, eventId: event.eventId, attempts, err: error },
      "handler failed",
    );
    msg.nak(backoffDelay(attempts, { baseMs: 250, maxMs: 30_000 }));
  }

  /**
   * Keeps an early event aside until an event of its aggregate is applied here (then it is queued
   * again at once) or the hold ends (then JetStream redelivers it shortly, maybe elsewhere).
   * Held messages do not count against the in-flight limit, so a gap never stalls other aggregates.
   */
  private hold(item: Item): void {
    const event = item.decoded?.event as ReceivedEvent<unknown>;
    const key = aggregateKey(event.aggregate);
    const list = this.held.get(key) ?? [];
    const timer = setTimeout(() => {
      const remaining = (this.held.get(key) ?? []).filter((h) => h.item !== item);
      if (remaining.length > 0) this.held.set(key, remaining);
      else this.held.delete(key);
      item.msg.nak(backoffDelay(item.msg.info.deliveryCount, { baseMs: 250, maxMs: 2_000 }));
    }, this.holdMs);
    list.push({ item, timer });
    this.held.set(key, list);
  }

  private releaseHeld(key: string): void {
    const list = this.held.get(key);
    if (!list) return;
    this.held.delete(key);
    list.sort(
      (a, b) =>
        (a.item.decoded?.event.aggregate.sequence ?? 0) - (b.item.decoded?.event.aggregate.sequence ?? 0),
    );
    for (const { item, timer } of list) {
      clearTimeout(timer);
      if (this.abort.signal.aborted) putBack(item.msg);
      else this.dispatch(item);
    }
  }
}

const batchTracer = () => getTracer("@kopru/bus");

/** Rolls back a fast-path batch whose handler failed, so it can be retried message by message. */
class HandlerFailedInBatch extends Error {
  override readonly name = "HandlerFailedInBatch";
}

/** The durable's info, or undefined when it does not exist; any other failure is thrown. */
async function consumerInfo(jsm: JetStreamManager, stream: string, name: string) {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)
      return undefined;
    throw error;
  }
}

/** Deletes a durable; one already gone counts as deleted. */
async function deleteConsumer(jsm: JetStreamManager, stream: string, name: string): Promise<void> {
  try {
    await jsm.consumers.delete(stream, name);
  } catch (error) {
    if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return;
    throw error;
  }
}

function aggregateKey(aggregate: { type: string; id: string }): string {
  return `${aggregate.type}\u0000${aggregate.id}`;
}

function laneIndex(key: string, lanes: number): number {
  let hash = 2166136261;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 16777619);
  return (hash >>> 0) % lanes;
}

function headerCarrier(msg: JsMsg) {
  return {
    get: (key: string) => msg.headers?.get(key) ?? "",
    set: () => {},
    keys: () => (msg.headers ? msg.headers.keys() : []),
  };
}
