// What one service may do on the bus, and the nats-server permissions that enforce it. The
// declaration says what the service does (the events it publishes, the durable consumers it reads);
// the JetStream API subjects follow from it, so nobody writes `$JS.API.…` by hand per service.

/** A durable pull consumer a service may create, look up, delete, read and acknowledge. */
export interface ConsumerGrant {
  readonly stream: string;
  readonly durable: string;
  /** The one filter subject (server 2.9: one per consumer); pinned by the create subject. */
  readonly filterSubject: string;
}

/** One service's access to the bus. */
export interface BusAccess {
  /** The NATS user; its inbox prefix is `_INBOX_<user>`. */
  readonly user: string;
  /** Subjects (wildcards allowed) it publishes events to, dead letters included. */
  readonly publish: readonly string[];
  readonly consumers: readonly ConsumerGrant[];
  /** Streams whose configuration and state it may look up (to wait until they are provisioned). */
  readonly streams: readonly string[];
}

export interface SubjectPermissions {
  allow: string[];
  deny: string[];
}

export interface NatsPermissions {
  publish: SubjectPermissions;
  subscribe: SubjectPermissions;
}

/**
 * JetStream API subjects no service user gets, whatever its allow-list says: reading messages
 * straight out of a stream bypasses the consumers' filters (and with them the addressing), and
 * managing streams belongs to the admin user. Listed even though the allow-list already leaves
 * them out, so a later widening of an allow (`$JS.API.>`) cannot open them by accident.
 */
export const SERVICE_DENIED_SUBJECTS = [
  "$JS.API.STREAM.MSG.GET.>",
  "$JS.API.DIRECT.GET.>",
  "$JS.API.STREAM.MSG.DELETE.>",
  "$JS.API.STREAM.PURGE.>",
  "$JS.API.STREAM.DELETE.>",
  "$JS.API.STREAM.CREATE.>",
  "$JS.API.STREAM.UPDATE.>",
  "$JS.API.STREAM.SNAPSHOT.>",
  "$JS.API.STREAM.RESTORE.>",
  "$JS.API.STREAM.PEER.>",
  "$JS.API.STREAM.LEADER.>",
  // Creates whose filter is only in the request body (or that have no durable name): only the
  // `CONSUMER.CREATE.<stream>.<durable>.<filter>` form lets the broker check the filter.
  "$JS.API.CONSUMER.DURABLE.CREATE.>",
  "$JS.API.CONSUMER.CREATE.*",
  "$JS.API.CONSUMER.CREATE.*.*",
  "$JS.API.CONSUMER.LIST.>",
  "$JS.API.CONSUMER.NAMES.>",
  "$JS.API.ACCOUNT.>",
  "$JS.API.SERVER.>",
  "$SYS.>",
] as const;

/** The inbox prefix of a user's connection (`inboxPrefix` of the client): replies reach only it. */
export function inboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

/** The JetStream API subjects one durable consumer needs. */
export function consumerSubjects(grant: ConsumerGrant): string[] {
  const { stream, durable, filterSubject } = grant;
  return [
    // nats.js v3 on a server ≥ 2.9 puts the filter into the subject; the server refuses a body
    // whose filter differs, so this subject pins both the durable and what it may read.
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}.${filterSubject}`,
    `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
    // A durable left by another database is deleted and replayed (libs/bus EventConsumer.provision).
    `$JS.API.CONSUMER.DELETE.${stream}.${durable}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    // ack, nak, term, in-progress: `$JS.ACK.<stream>.<durable>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

/** The nats-server permissions of a service user. */
export function natsPermissions(access: BusAccess): NatsPermissions {
  checkToken(access.user, "user");
  for (const grant of access.consumers) {
    checkToken(grant.stream, `stream of consumer ${grant.durable}`);
    checkToken(grant.durable, "durable name");
  }
  for (const stream of access.streams) checkToken(stream, "stream");
  const publish = unique([
    ...access.publish,
    // Creating the JetStream manager asks for the account's JetStream info.
    "$JS.API.INFO",
    ...access.streams.map((stream) => `$JS.API.STREAM.INFO.${stream}`),
    ...access.consumers.flatMap(consumerSubjects),
  ]);
  return {
    publish: { allow: publish, deny: [...SERVICE_DENIED_SUBJECTS] },
    // Everything a service receives comes through its inbox: pull-consumer deliveries, publish
    // acknowledgements, API answers. Subscribing to an event subject itself is never needed.
    subscribe: { allow: [`${inboxPrefix(access.user)}.>`], deny: [] },
  };
}

/**
 * Whether `subject` (a concrete subject, or a pattern such as a consumer's filter) is covered by
 * `pattern` in NATS terms: `*` is one token, `>` one or more at the end.
 */
export function subjectCovers(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length) return false;
    if (p[i] === "*") {
      if (s[i] === ">") return false;
      continue;
    }
    if (p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Whether the permissions let the user publish to `subject` (deny wins over allow). */
export function mayPublish(permissions: NatsPermissions, subject: string): boolean {
  return allowed(permissions.publish, subject);
}

/** Whether the permissions let the user subscribe to `subject` (deny wins over allow). */
export function maySubscribe(permissions: NatsPermissions, subject: string): boolean {
  return allowed(permissions.subscribe, subject);
}

function allowed(rules: SubjectPermissions, subject: string): boolean {
  if (rules.deny.some((pattern) => subjectCovers(pattern, subject))) return false;
  return rules.allow.some((pattern) => subjectCovers(pattern, subject));
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

export class NatsConfigError extends Error {
  override readonly name = "NatsConfigError";
}

function checkToken(value: string, what: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new NatsConfigError(`${what} "${value}" cannot be used as one subject token`);
  }
}
