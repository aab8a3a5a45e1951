/** The layout declares something impossible: two event types on one subject, a subject outside its stream. */
export class BusLayoutError extends Error {
  override readonly name = "BusLayoutError";
}

/** An event handed to the outbox does not belong to the layout or is malformed. */
export class InvalidEventError extends Error {
  override readonly name = "InvalidEventError";
}

/** Why a message was parked in the dead-letter stream instead of being applied. */
export type DeadLetterReason =
  | "undecodable"
  | "unknown_type"
  | "subject_type_mismatch"
  | "unsupported_schema_version"
  | "handler_failed"
  | "predecessor_missing"
  /** A sealed payload this consumer cannot open (ADR 0022). */
  | "unopenable";

/** What a message said about itself before it turned out not to be applicable. */
export interface RejectedEventInfo {
  eventId: string;
  type: string;
  aggregate: { type: string; id: string; sequence: number };
}

/** A message that can never be applied as it is: dead-letter it at once. */
export class RejectedMessageError extends Error {
  override readonly name = "RejectedMessageError";
  constructor(
    readonly reason: DeadLetterReason,
    message: string,
    /** Set when the envelope decoded, so the inbox and the aggregate's cursor can record the skip. */
    readonly event?: RejectedEventInfo,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A NATS user that may not manage streams waited in vain for them to be provisioned as declared. */
export class StreamsNotProvisionedError extends Error {
  override readonly name = "StreamsNotProvisionedError";
  constructor(
    message: string,
    /** The streams missing or differing from their definition. */
    readonly streams: readonly string[],
  ) {
    super(message);
  }
}
