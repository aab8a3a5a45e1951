export {
  type BatchHook,
  type ConsumerStats,
  EventConsumer,
  type EventConsumerOptions,
  type EventHandler,
  type HandlerBinding,
  on,
} from "./consumer.js";
export { DEAD_LETTER_HEADER, type DeadLetter, DeadLetters } from "./dead-letters.js";
export {
  type AggregateRef,
  decodeEvent,
  type EncodedEvent,
  encodeEvent,
  HEADER,
  type NewEvent,
  type Producer,
  type ReceivedEvent,
} from "./envelope.js";
export {
  BusLayoutError,
  type DeadLetterReason,
  InvalidEventError,
  StreamsNotProvisionedError,
} from "./errors.js";
export {
  type BusLayout,
  type Codec,
  defineEvent,
  type EventDefinition,
  findEventForSubject,
  patternsOverlap,
  type StreamDefinition,
  subjectMatches,
  subjectToken,
  validateLayout,
} from "./layout.js";
export {
  appendToOutbox,
  OutboxRelay,
  type OutboxRelayOptions,
  type RelayLogger,
  type RelayStats,
} from "./outbox.js";
export {
  type BrokerRetryOptions,
  isPermissionError,
  isTransientBrokerError,
  type ProvisionOptions,
  provisionStreams,
  streamConfig,
  untilBrokerAnswers,
} from "./provision.js";
export { sentEventsClass } from "./retention.js";
export { backoffDelay, sleep } from "./retry.js";
export {
  type Opener,
  type OutgoingMessage,
  type Sealer,
  type SealOutcome,
  UnopenableError,
} from "./sealing.js";

import { fileURLToPath } from "node:url";
import type { MigrationSource } from "@kopru/storage";

/** The bus's own tables (outbox, inbox, cursors, failures); apply before a service's migrations. */
export const busMigrations: MigrationSource = {
  name: "bus",
  dir: fileURLToPath(new URL("../migrations", import.meta.url)),
};
