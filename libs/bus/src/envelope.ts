import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { v7 as uuidv7 } from "uuid";
import { InvalidEventError, type RejectedEventInfo, RejectedMessageError } from "./errors.js";
import type { EventDefinition } from "./layout.js";

export const HEADER = {
  messageId: "Nats-Msg-Id",
  eventType: "Kopru-Event-Type",
  schemaVersion: "Kopru-Schema-Version",
  aggregateId: "Kopru-Aggregate-Id",
  aggregateSequence: "Kopru-Aggregate-Sequence",
  replayOf: "Kopru-Replay-Of",
  /** The consumer a replayed copy is meant for; other consumers of the subject ignore it. */
  replayFor: "Kopru-Replay-For",
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface Producer {
  organisationId: string;
  service: string;
}

export interface AggregateRef {
  type: string;
  id: string;
  /** Position of this event in the aggregate's history: 1, 2, 3, … without gaps. */
  sequence: number;
}

export interface NewEvent<T> {
  definition: EventDefinition<T>;
  payload: T;
  aggregate: AggregateRef;
  /** The whole journey's id (e.g. the first referral's). Defaults to the event id. */
  correlationId?: string;
  /** The event or command that caused this one. */
  causationId?: string;
  eventId?: string;
  occurredAt?: Date;
}

/** An event as a handler sees it: envelope metadata plus the decoded payload. */
export interface ReceivedEvent<T> {
  eventId: string;
  type: string;
  schemaVersion: number;
  occurredAt: Date;
  producer: Producer;
  correlationId: string;
  causationId: string;
  aggregate: AggregateRef;
  subject: string;
  payload: T;
  /** Set when the message was re-published from the dead-letter stream. */
  replayOf?: string;
}

export interface EncodedEvent {
  eventId: string;
  subject: string;
  type: string;
  schemaVersion: number;
  aggregate: AggregateRef;
  envelope: Uint8Array;
}

export function encodeEvent<T>(event: NewEvent<T>, producer: Producer): EncodedEvent {
  const { definition, aggregate } = event;
  if (!Number.isSafeInteger(aggregate.sequence) || aggregate.sequence < 1) {
    throw new InvalidEventError(`aggregate.sequence must be a positive integer, got ${aggregate.sequence}`);
  }
  if (!aggregate.id) throw new InvalidEventError("aggregate.id is required");
  const eventId = event.eventId ?? uuidv7();
  const subject = definition.subject(event.payload);
  const envelope = EventEnvelope.encode({
    eventId,
    eventType: definition.type,
    schemaVersion: definition.schemaVersion,
    occurredAt: event.occurredAt ?? new Date(),
    producer,
    correlationId: event.correlationId ?? eventId,
    causationId: event.causationId ?? "",
    aggregateType: aggregate.type,
    aggregateId: aggregate.id,
    aggregateSequence: aggregate.sequence,
    payload: Buffer.from(definition.codec.encode(event.payload).finish()),
  }).finish();
  return {
    eventId,
    subject,
    type: definition.type,
    schemaVersion: definition.schemaVersion,
    aggregate,
    envelope,
  };
}

/**
 * Decodes a message for a consumer that knows `definition`. Anything it cannot apply as it is
 * becomes a RejectedMessageError with the reason, which the consumer dead-letters.
 */
export function decodeEvent<T>(
  data: Uint8Array | EventEnvelope,
  subject: string,
  definitions: ReadonlyMap<string, EventDefinition>,
): { event: ReceivedEvent<T>; definition: EventDefinition<T> } {
  const envelope = data instanceof Uint8Array ? decodeEnvelope(data) : data;
  if (envelope.sealedPayload) {
    // Opened by the consumer's opener before it gets here; a sealed payload is never decoded as clear.
    throw new RejectedMessageError(
      "unopenable",
      `${envelope.eventType} payload is sealed`,
      aboutEnvelope(envelope),
    );
  }
  if (!envelope.eventId || !envelope.eventType) {
    throw new RejectedMessageError("undecodable", "envelope has no event id or event type");
  }
  if (!UUID.test(envelope.eventId)) {
    // Inboxes key on UUIDs: such an id could never be recorded as applied.
    throw new RejectedMessageError(
      "undecodable",
      `event id ${JSON.stringify(envelope.eventId.slice(0, 64))} is not a UUID`,
    );
  }
  const about = aboutEnvelope(envelope);
  const definition = definitions.get(envelope.eventType) as EventDefinition<T> | undefined;
  if (!definition) {
    throw new RejectedMessageError(
      "unknown_type",
      `this consumer does not know event type ${envelope.eventType}`,
      about,
    );
  }
  if (envelope.schemaVersion > definition.schemaVersion) {
    throw new RejectedMessageError(
      "unsupported_schema_version",
      `${envelope.eventType} schema version ${envelope.schemaVersion} is newer than the ${definition.schemaVersion} this consumer knows`,
      about,
    );
  }
  let payload: T;
  try {
    payload = definition.codec.decode(envelope.payload);
  } catch (error) {
    throw new RejectedMessageError(
      "undecodable",
      `${envelope.eventType} payload does not decode: ${(error as Error).message}`,
      about,
      { cause: error },
    );
  }
  return {
    definition,
    event: {
      eventId: envelope.eventId.toLowerCase(),
      type: envelope.eventType,
      schemaVersion: envelope.schemaVersion,
      occurredAt: envelope.occurredAt ?? new Date(0),
      producer: {
        organisationId: envelope.producer?.organisationId ?? "",
        service: envelope.producer?.service ?? "",
      },
      correlationId: envelope.correlationId,
      causationId: envelope.causationId,
      aggregate: {
        type: envelope.aggregateType,
        id: envelope.aggregateId,
        sequence: envelope.aggregateSequence,
      },
      subject,
      payload,
    },
  };
}

/** The envelope of a message; RejectedMessageError when it does not decode. */
export function decodeEnvelope(data: Uint8Array): EventEnvelope {
  try {
    return EventEnvelope.decode(data);
  } catch (error) {
    throw new RejectedMessageError(
      "undecodable",
      `envelope does not decode: ${(error as Error).message}`,
      undefined,
      { cause: error },
    );
  }
}

/** What an envelope says about its event, for a dead letter that still records the skip. */
export function aboutEnvelope(envelope: EventEnvelope): RejectedEventInfo | undefined {
  if (!envelope.eventId || !envelope.eventType || !UUID.test(envelope.eventId)) return undefined;
  return {
    eventId: envelope.eventId.toLowerCase(),
    type: envelope.eventType,
    aggregate: {
      type: envelope.aggregateType,
      id: envelope.aggregateId,
      sequence: envelope.aggregateSequence,
    },
  };
}
