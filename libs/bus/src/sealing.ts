import type { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import type { Sql } from "@kopru/storage";

/**
 * Hooks through which payloads travel encrypted (ADR 0022). The bus knows only that a payload may
 * be sealed on its way out and must be opened on its way in; who seals, for whom and with which
 * keys is the caller's business (`@kopru/sealing`).
 */

/** An outbox row the relay is about to publish. */
export interface OutgoingMessage {
  eventId: string;
  subject: string;
  eventType: string;
  /** The encoded `EventEnvelope` as the writer stored it. */
  envelope: Uint8Array;
}

export type SealOutcome =
  /** Published as it is (an event without personal data). */
  | { kind: "clear" }
  /** Published as this envelope instead, which also replaces the stored one once sent. */
  | { kind: "sealed"; envelope: Uint8Array }
  /** Not publishable yet (e.g. the addressee has no key yet): the row is tried again later. */
  | { kind: "wait"; reason: string };

/**
 * Called by the outbox relay for every row before it is published, with the relay's own
 * transaction for any lookup (an embedded database has one connection, which that transaction
 * holds). Throwing counts as a failed publish (retried with backoff); nothing is ever published
 * that the sealer did not pass.
 */
export type Sealer = (message: OutgoingMessage, sql: Sql) => Promise<SealOutcome>;

/**
 * Called by a consumer for an envelope whose payload is sealed: returns the plain payload bytes.
 * Throwing `UnopenableError` dead-letters the message with the reason; a connection error puts it
 * back for a later delivery.
 */
export type Opener = (envelope: EventEnvelope, subject: string) => Promise<Uint8Array>;

/** A sealed payload that cannot be opened here: wrong addressee, unknown or destroyed key, tampered. */
export class UnopenableError extends Error {
  override readonly name = "UnopenableError";
}
