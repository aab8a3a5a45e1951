import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import { type MsgHdrs, headers as natsHeaders } from "@nats-io/nats-core";
import { HEADER } from "./envelope.js";
import type { DeadLetterReason } from "./errors.js";

export const DEAD_LETTER_HEADER = {
  reason: "Kopru-Dlq-Reason",
  detail: "Kopru-Dlq-Detail",
  consumer: "Kopru-Dlq-Consumer",
  originalSubject: "Kopru-Dlq-Subject",
  originalStream: "Kopru-Dlq-Stream",
  originalSequence: "Kopru-Dlq-Stream-Sequence",
  deliveries: "Kopru-Dlq-Deliveries",
  failedAt: "Kopru-Dlq-Failed-At",
  eventId: "Kopru-Dlq-Event-Id",
} as const;

export interface DeadLetterInput {
  subjectPrefix: string;
  consumer: string;
  msg: JsMsg;
  reason: DeadLetterReason;
  detail: string;
}

/** Copies the message, its headers and why it failed to `<prefix>.<consumer>`. */
export async function deadLetter(js: JetStreamClient, input: DeadLetterInput): Promise<void> {
  const { msg } = input;
  const h = natsHeaders();
  copyHeaders(msg.headers, h, [HEADER.messageId]);
  h.set(DEAD_LETTER_HEADER.reason, input.reason);
  h.set(DEAD_LETTER_HEADER.detail, oneLine(input.detail));
  h.set(DEAD_LETTER_HEADER.consumer, input.consumer);
  h.set(DEAD_LETTER_HEADER.originalSubject, msg.subject);
  h.set(DEAD_LETTER_HEADER.originalStream, msg.info.stream);
  h.set(DEAD_LETTER_HEADER.originalSequence, String(msg.seq));
  h.set(DEAD_LETTER_HEADER.deliveries, String(msg.info.deliveryCount));
  h.set(DEAD_LETTER_HEADER.failedAt, new Date().toISOString());
  const originalId = msg.headers?.get(HEADER.messageId);
  if (originalId) h.set(DEAD_LETTER_HEADER.eventId, originalId);
  // Parking the same delivery twice (a crash after publishing here) stores it once.
  const id = `dlq:${input.consumer}:${msg.info.stream}:${msg.seq}`;
  await js.publish(`${input.subjectPrefix}.${input.consumer}`, msg.data, { msgID: id, headers: h });
}

export interface DeadLetter {
  /** Position in the dead-letter stream; what `replay` and `discard` take. */
  sequence: number;
  consumer: string;
  reason: DeadLetterReason;
  detail: string;
  originalSubject: string;
  originalStreamSequence: number;
  eventId: string | undefined;
  eventType: string | undefined;
  deliveries: number;
  failedAt: Date;
}

/** Lists, replays and discards what consumers parked. */
export class DeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly subjectPrefix = "kopru.dlq",
  ) {}

  async list(options: { consumer?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const filter = `${this.subjectPrefix}.${options.consumer ?? "*"}`;
    const info = await this.jsm.streams.info(this.stream);
    if (info.state.messages === 0) return [];
    const limit = options.limit ?? 1_000;
    // A string, not an array: an array asks for multiple filter subjects, which servers before 2.10
    // refuse (and the client refuses to send).
    const consumer = await this.js.consumers.get(this.stream, { filter_subjects: filter });
    const found: DeadLetter[] = [];
    try {
      while (found.length < limit) {
        const batch = await consumer.fetch({
          max_messages: Math.min(256, limit - found.length),
          expires: 1_000,
        });
        let received = 0;
        for await (const msg of batch) {
          received += 1;
          found.push(describe(msg.seq, msg.headers));
          if (msg.info.pending === 0) return found;
        }
        if (received === 0) return found;
      }
      return found;
    } finally {
      await consumer.delete().catch(() => {});
    }
  }

  /**
   * Publishes a parked message again on its original subject. It keeps its event id for the
   * inboxes (consumers that applied it ignore it) but gets a new Nats-Msg-Id, since JetStream would
   * otherwise drop it as a duplicate of the first publish. It is addressed to the consumer that
   * parked it: other consumers of the subject have the original and ignore the copy (otherwise a
   * lagging one would apply it ahead of its predecessors). Then it leaves the dead-letter stream.
   */
  async replay(sequence: number): Promise<void> {
    const stored = await this.jsm.streams.getMessage(this.stream, { seq: sequence });
    if (!stored) throw new Error(`no dead letter at sequence ${sequence}`);
    const subject = stored.header.get(DEAD_LETTER_HEADER.originalSubject);
    if (!subject) throw new Error(`dead letter ${sequence} has no original subject`);
    const h = natsHeaders();
    copyHeaders(stored.header, h, [HEADER.messageId, ...Object.values(DEAD_LETTER_HEADER)]);
    h.set(HEADER.replayOf, String(sequence));
    const consumer = stored.header.get(DEAD_LETTER_HEADER.consumer);
    if (consumer) h.set(HEADER.replayFor, consumer);
    await this.js.publish(subject, stored.data, { headers: h, msgID: `replay:${this.stream}:${sequence}` });
    await this.jsm.streams.deleteMessage(this.stream, sequence, false);
  }

  async discard(sequence: number): Promise<void> {
    await this.jsm.streams.deleteMessage(this.stream, sequence, false);
  }
}

function describe(sequence: number, h: MsgHdrs | undefined): DeadLetter {
  const get = (key: string) => h?.get(key) || undefined;
  return {
    sequence,
    consumer: get(DEAD_LETTER_HEADER.consumer) ?? "",
    reason: (get(DEAD_LETTER_HEADER.reason) ?? "handler_failed") as DeadLetterReason,
    detail: get(DEAD_LETTER_HEADER.detail) ?? "",
    originalSubject: get(DEAD_LETTER_HEADER.originalSubject) ?? "",
    originalStreamSequence: Number(get(DEAD_LETTER_HEADER.originalSequence) ?? 0),
    eventId: get(DEAD_LETTER_HEADER.eventId),
    eventType: get(HEADER.eventType),
    deliveries: Number(get(DEAD_LETTER_HEADER.deliveries) ?? 0),
    failedAt: new Date(get(DEAD_LETTER_HEADER.failedAt) ?? 0),
  };
}

function copyHeaders(from: MsgHdrs | undefined, to: MsgHdrs, skip: readonly string[]): void {
  if (!from) return;
  const skipped = new Set(skip.map((k) => k.toLowerCase()));
  for (const key of from.keys()) {
    if (skipped.has(key.toLowerCase())) continue;
    for (const value of from.values(key)) to.append(key, value);
  }
}

function oneLine(text: string): string {
  // Header values cannot hold line breaks.
  return text.replace(/[\r\n]+/g, " ").slice(0, 2_000);
}
