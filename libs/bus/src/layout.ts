import { BusLayoutError } from "./errors.js";

/** The subset of a ts-proto message codec the bus needs. */
export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

/**
 * One event type: exactly one proto message on exactly one subject family. The subject carries
 * the addressee (an organisation id) so NATS permissions can enforce need-to-know.
 */
export interface EventDefinition<T = unknown> {
  /** Fully-qualified proto message name, e.g. `kopru.referral.v1.ReferralRequested`. */
  readonly type: string;
  /** The newest schema version this code writes and understands. */
  readonly schemaVersion: number;
  readonly codec: Codec<T>;
  readonly stream: string;
  /** The wildcard form of the subject, e.g. `kopru.v1.referral.requested.*`. */
  readonly subjectPattern: string;
  /** The concrete subject for one event, filling the pattern's wildcards from the payload. */
  subject(payload: T): string;
  /** Whether the payload may hold personal data (only on subjects addressed to one organisation). */
  readonly personalData: boolean;
}

export interface StreamDefinition {
  readonly name: string;
  readonly subjects: readonly string[];
  /** How long messages stay in the stream. */
  readonly maxAgeMs: number;
  /**
   * JetStream de-duplicates on Nats-Msg-Id inside this window. It must be longer than the outbox
   * relay's longest retry, so a row re-published after a crash before it was marked sent is dropped.
   */
  readonly duplicateWindowMs: number;
  readonly replicas?: number;
}

export interface BusLayout {
  readonly streams: readonly StreamDefinition[];
  readonly events: readonly EventDefinition[];
  /** Where consumers park what they cannot apply. */
  readonly deadLetterStream: StreamDefinition;
}

export function defineEvent<T>(definition: EventDefinition<T>): EventDefinition<T> {
  return definition;
}

/** Subject token checks: a NATS token may not hold spaces, dots or wildcards. */
export function subjectToken(value: string, field: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new BusLayoutError(`${field} "${value}" cannot be used as a subject token`);
  }
  return value;
}

export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== "*" && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Two patterns overlap when some subject matches both. */
export function patternsOverlap(a: string, b: string): boolean {
  const x = a.split(".");
  const y = b.split(".");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    // Checked before ">": "a.>" needs at least one more token, so it does not match "a".
    if (x[i] === undefined || y[i] === undefined) return false;
    if (x[i] === ">" || y[i] === ">") return true;
    if (x[i] !== "*" && y[i] !== "*" && x[i] !== y[i]) return false;
  }
  return true;
}

/** Refuses a layout where a subject could carry two message types, or an event has no stream. */
export function validateLayout(layout: BusLayout): BusLayout {
  const streams = new Map(layout.streams.map((s) => [s.name, s]));
  if (streams.has(layout.deadLetterStream.name)) {
    throw new BusLayoutError(`dead-letter stream ${layout.deadLetterStream.name} is also a regular stream`);
  }
  // JetStream refuses a stream whose subjects overlap another's; say so before provisioning half.
  const allStreams = [...layout.streams, layout.deadLetterStream];
  allStreams.forEach((stream, index) => {
    for (const other of allStreams.slice(index + 1)) {
      for (const a of stream.subjects) {
        const clash = other.subjects.find((b) => patternsOverlap(a, b));
        if (clash) {
          throw new BusLayoutError(
            `subjects ${a} (stream ${stream.name}) and ${clash} (stream ${other.name}) overlap`,
          );
        }
      }
    }
  });
  const types = new Set<string>();
  layout.events.forEach((event, index) => {
    if (types.has(event.type)) throw new BusLayoutError(`event type ${event.type} is declared twice`);
    types.add(event.type);
    const stream = streams.get(event.stream);
    if (!stream) throw new BusLayoutError(`event ${event.type} names unknown stream ${event.stream}`);
    if (!stream.subjects.some((s) => covers(s, event.subjectPattern))) {
      throw new BusLayoutError(
        `subject ${event.subjectPattern} of ${event.type} is outside stream ${stream.name}`,
      );
    }
    for (const other of layout.events.slice(index + 1)) {
      if (patternsOverlap(event.subjectPattern, other.subjectPattern)) {
        throw new BusLayoutError(
          `subjects ${event.subjectPattern} (${event.type}) and ${other.subjectPattern} (${other.type}) overlap: each subject carries one message type`,
        );
      }
    }
  });
  return layout;
}

/** Whether every subject matching `inner` also matches `outer`. */
function covers(outer: string, inner: string): boolean {
  const o = outer.split(".");
  const i = inner.split(".");
  for (let k = 0; k < o.length; k++) {
    if (o[k] === ">") return i.length > k;
    if (i[k] === undefined) return false;
    if (o[k] === "*") {
      if (i[k] === ">") return false;
      continue;
    }
    if (o[k] !== i[k]) return false;
  }
  return o.length === i.length;
}

export function findEventForSubject(layout: BusLayout, subject: string): EventDefinition | undefined {
  return layout.events.find((event) => subjectMatches(event.subjectPattern, subject));
}
