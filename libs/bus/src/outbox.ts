import { extractTraceContext, injectTraceContext, withProducerSpan } from "@kopru/observability";
import { type Database, isConnectionError, type Sql } from "@kopru/storage";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { context } from "@opentelemetry/api";
import { type EncodedEvent, encodeEvent, HEADER, type NewEvent, type Producer } from "./envelope.js";
import { backoffDelay, sleep } from "./retry.js";
import type { Sealer } from "./sealing.js";

/**
 * Writes an event into the outbox inside the caller's transaction: it is published if and only if
 * the state change it announces commits.
 */
export async function appendToOutbox<T>(
  tx: Sql,
  producer: Producer,
  event: NewEvent<T>,
): Promise<EncodedEvent> {
  const encoded = encodeEvent(event, producer);
  const traceContext: Record<string, string> = {};
  injectTraceContext({
    get: (key) => traceContext[key] ?? "",
    set: (key, value) => {
      traceContext[key] = value;
    },
    keys: () => Object.keys(traceContext),
  });
  await tx.query(
    `INSERT INTO kopru_outbox
       (event_id, subject, event_type, schema_version, aggregate_type, aggregate_id, aggregate_sequence, envelope, trace_context)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      encoded.eventId,
      encoded.subject,
      encoded.type,
      encoded.schemaVersion,
      encoded.aggregate.type,
      encoded.aggregate.id,
      encoded.aggregate.sequence,
      Buffer.from(encoded.envelope),
      JSON.stringify(traceContext),
    ],
  );
  return encoded;
}

interface OutboxRow {
  id: number;
  event_id: string;
  subject: string;
  event_type: string;
  schema_version: number;
  aggregate_id: string;
  aggregate_sequence: number;
  envelope: Uint8Array;
  trace_context: Record<string, string> | string;
  publish_attempts: number;
}

export interface RelayLogger {
  /** One line per event published or handled, inside its span: it carries the trace id. */
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface OutboxRelayOptions {
  db: Database;
  js: JetStreamClient;
  logger?: RelayLogger;
  /** Rows claimed per round; they are published concurrently and marked sent together. */
  batchSize?: number;
  /** How often an idle relay looks for rows written by other processes. */
  pollIntervalMs?: number;
  /** Cap on the backoff after a failure; must stay well inside the streams' duplicate window. */
  maxBackoffMs?: number;
  publishTimeoutMs?: number;
  /**
   * Seals payloads before they leave (ADR 0022). A row it asks to wait for is tried again after
   * `waitRetryMs` without holding up the others; a sealed row's stored envelope is replaced by the
   * sealed one when it is marked sent, so the outbox keeps no clear copy of what went out.
   */
  sealer?: Sealer;
  waitRetryMs?: number;
}

export interface RelayStats {
  /** Rows published and marked sent (counted once their marking transaction committed). */
  published: number;
  /** Of those, how many JetStream reported as duplicates of an earlier publish (a re-publish after a crash). */
  duplicates: number;
  failedAttempts: number;
  /** Rounds that found rows to publish; `published / rounds` is the mean batch. */
  rounds: number;
  /** Rows the sealer asked to wait (e.g. no key of the addressee known yet), counted per try. */
  waiting: number;
}

type RowOutcome =
  | { kind: "sent"; duplicate: boolean; sealed?: Uint8Array }
  | { kind: "wait"; reason: string };

/**
 * Publishes outbox rows to JetStream and marks them sent only after JetStream acknowledged them.
 *
 * Rows are claimed with `FOR UPDATE SKIP LOCKED` inside the marking transaction, so relays of
 * several instances never publish the same row concurrently. Selecting by `sent_at IS NULL`
 * rather than by a moving id cursor means a row whose transaction commits after a higher id is
 * still picked up. A crash between the JetStream ack and the mark re-publishes the row with the
 * same Nats-Msg-Id, which JetStream drops inside the duplicate window (and inboxes drop after it).
 */
export class OutboxRelay {
  readonly stats: RelayStats = { published: 0, duplicates: 0, failedAttempts: 0, rounds: 0, waiting: 0 };
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly publishTimeoutMs: number;
  private readonly waitRetryMs: number;
  private abort = new AbortController();
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.waitRetryMs = options.waitRetryMs ?? 2_000;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  /** Stops after the round in progress; rows not yet marked stay for the next start. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeUp?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Called after a local commit so the event leaves now instead of at the next poll. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /**
   * Committed events not yet published. Operators watch it; a test waits for 0 before it concludes
   * that an event missing from JetStream was never written rather than not yet published.
   */
  async pendingCount(): Promise<number> {
    const result = await this.options.db.query<{ n: number | string }>(
      "SELECT count(*) AS n FROM kopru_outbox WHERE sent_at IS NULL",
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  /** Publishes everything pending once; returns how many rows were sent. Used by tools and tests. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const sent = await this.publishBatch();
      total += sent;
      if (sent < this.batchSize) return total;
    }
  }

  /**
   * Re-publishes sent rows (e.g. after the broker lost messages). They go out with their original
   * event ids, so consumers that already applied them ignore them.
   */
  async replay(selection: { since: Date } | { eventIds: readonly string[] }): Promise<number> {
    const result =
      "since" in selection
        ? await this.options.db.query(
            "UPDATE kopru_outbox SET sent_at = NULL, next_attempt_at = NULL WHERE sent_at >= $1",
            [selection.since],
          )
        : await this.options.db.query(
            "UPDATE kopru_outbox SET sent_at = NULL, next_attempt_at = NULL WHERE event_id = ANY($1::uuid[]) AND sent_at IS NOT NULL",
            [selection.eventIds],
          );
    this.wake();
    return result.rowCount;
  }

  /** Deletes sent rows older than the replay window. */
  async purgeSent(olderThan: Date): Promise<number> {
    const result = await this.options.db.query("DELETE FROM kopru_outbox WHERE sent_at < $1", [olderThan]);
    return result.rowCount;
  }

  private async run(): Promise<void> {
    let failures = 0;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        const sent = await this.publishBatch();
        failures = 0;
        if (sent === this.batchSize) continue;
      } catch (error) {
        failures += 1;
        this.stats.failedAttempts += 1;
        const delay = backoffDelay(failures, { maxMs: this.maxBackoffMs });
        this.options.logger?.warn(
          { err: error, retryInMs: delay, databaseDown: isConnectionError(error) },
          "outbox relay round failed; backing off",
        );
        await sleep(delay, signal);
        continue;
      }
      await this.idle(signal);
    }
  }

  private idle(signal: AbortSignal): Promise<void> {
    if (this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.pollIntervalMs);
      const onAbort = () => done();
      signal.addEventListener("abort", onAbort, { once: true });
      this.wakeUp = done;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        resolve();
      }
    }).then(() => {
      this.wakeUp = undefined;
      this.pendingWake = false;
    });
  }

  private async publishBatch(): Promise<number> {
    const { db } = this.options;
    const round = await db.transaction(async (tx) => {
      const claimed = await tx.query<OutboxRow>(
        `SELECT id, event_id, subject, event_type, schema_version, aggregate_id, aggregate_sequence,
                envelope, trace_context, publish_attempts
           FROM kopru_outbox
          WHERE sent_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          ORDER BY id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (claimed.rows.length === 0) return { sent: 0, duplicates: 0, failed: [], waiting: 0 };
      const outcomes = await Promise.allSettled(claimed.rows.map((row) => this.sealAndPublish(row, tx)));
      const sentIds: number[] = [];
      const sealed: { id: number; envelope: Uint8Array }[] = [];
      const waiting: { id: number; reason: string }[] = [];
      let duplicates = 0;
      const failed: { id: number; attempts: number; error: string }[] = [];
      outcomes.forEach((outcome, i) => {
        const row = claimed.rows[i] as OutboxRow;
        if (outcome.status === "rejected") {
          failed.push({ id: row.id, attempts: row.publish_attempts + 1, error: String(outcome.reason) });
        } else if (outcome.value.kind === "wait") {
          waiting.push({ id: row.id, reason: outcome.value.reason });
        } else {
          sentIds.push(row.id);
          if (outcome.value.duplicate) duplicates += 1;
          if (outcome.value.sealed) sealed.push({ id: row.id, envelope: outcome.value.sealed });
        }
      });
      if (sentIds.length > 0) {
        // One statement marks every row sent; the clear envelope of a sealed one gives way to the
        // sealed copy that went out (a replay re-sends that copy). Hex text, so both engines take it.
        const sealedHex = new Map(sealed.map((row) => [row.id, Buffer.from(row.envelope).toString("hex")]));
        await tx.query(
          `UPDATE kopru_outbox AS o
              SET sent_at = now(), last_error = NULL,
                  envelope = COALESCE(decode(s.sealed_hex, 'hex'), o.envelope)
             FROM unnest($1::bigint[], $2::text[]) AS s (id, sealed_hex)
            WHERE o.id = s.id`,
          [sentIds, sentIds.map((id) => sealedHex.get(id) ?? null)],
        );
      }
      for (const row of waiting) {
        await tx.query(
          `UPDATE kopru_outbox
              SET last_error = $2, next_attempt_at = now() + ($3::int * interval '1 millisecond')
            WHERE id = $1`,
          [row.id, row.reason.slice(0, 1000), this.waitRetryMs],
        );
      }
      for (const row of failed) {
        const delayMs = backoffDelay(row.attempts, { maxMs: this.maxBackoffMs });
        await tx.query(
          `UPDATE kopru_outbox
              SET publish_attempts = $2, last_error = $3, next_attempt_at = now() + ($4::int * interval '1 millisecond')
            WHERE id = $1`,
          [row.id, row.attempts, row.error.slice(0, 1000), delayMs],
        );
      }
      return { sent: sentIds.length, duplicates, failed, waiting: waiting.length };
    });
    this.stats.waiting += round.waiting;
    // Counted after the commit: a round whose marks rolled back publishes its rows again.
    if (round.sent + round.failed.length > 0) this.stats.rounds += 1;
    this.stats.published += round.sent;
    this.stats.duplicates += round.duplicates;
    this.stats.failedAttempts += round.failed.length;
    if (round.failed.length > 0) {
      this.options.logger?.warn(
        { failed: round.failed.length, firstError: round.failed[0]?.error },
        "some outbox rows were not acknowledged by JetStream; they will be retried",
      );
      // A full batch that partly failed still reports a short round so the loop pauses.
      return Math.min(round.sent, this.batchSize - 1);
    }
    return round.sent;
  }

  /** Seals the row when the sealer says so, then publishes it; or reports that it must wait. */
  private async sealAndPublish(row: OutboxRow, tx: Sql): Promise<RowOutcome> {
    const sealer = this.options.sealer;
    if (!sealer) return { kind: "sent", duplicate: await this.publish(row, row.envelope) };
    const outcome = await sealer(
      { eventId: row.event_id, subject: row.subject, eventType: row.event_type, envelope: row.envelope },
      tx,
    );
    if (outcome.kind === "wait") return outcome;
    if (outcome.kind === "clear") return { kind: "sent", duplicate: await this.publish(row, row.envelope) };
    return { kind: "sent", duplicate: await this.publish(row, outcome.envelope), sealed: outcome.envelope };
  }

  /** Publishes one row; resolves with whether JetStream had already stored its message id. */
  private async publish(row: OutboxRow, envelope: Uint8Array): Promise<boolean> {
    const stored: Record<string, string> =
      typeof row.trace_context === "string" ? JSON.parse(row.trace_context) : row.trace_context;
    // The publish continues the trace of the transaction that wrote the row.
    const writer = extractTraceContext({
      get: (key) => stored[key] ?? "",
      set: () => {},
      keys: () => Object.keys(stored),
    });
    const h = natsHeaders();
    h.set(HEADER.messageId, row.event_id);
    h.set(HEADER.eventType, row.event_type);
    h.set(HEADER.schemaVersion, String(row.schema_version));
    h.set(HEADER.aggregateId, row.aggregate_id);
    h.set(HEADER.aggregateSequence, String(row.aggregate_sequence));
    return context.with(writer, () =>
      withProducerSpan(
        `publish ${row.subject}`,
        { destination: row.subject, messageId: row.event_id, "kopru.event.type": row.event_type },
        h,
        async () => {
          const ack = await this.options.js.publish(row.subject, envelope, {
            msgID: row.event_id,
            headers: h,
            timeout: this.publishTimeoutMs,
          });
          this.options.logger?.debug?.(
            { eventId: row.event_id, eventType: row.event_type, duplicate: ack.duplicate },
            "event published",
          );
          return ack.duplicate;
        },
      ),
    );
  }
}
