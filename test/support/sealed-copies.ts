import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { STREAMS } from "@kopru/events";
import { open } from "@kopru/sealing";
import { connectNats } from "@kopru/testing";
import pg from "pg";

// The copies of sealed events left in the streams, and every private sealing key that remains in
// any database of the network: what someone holding the broker's disk and every database could
// still read. Each copy is tried with every remaining key, not only the one it names.

/** One message of a stream, as the broker keeps it. */
export interface StreamCopy {
  stream: string;
  seq: number;
  subject: string;
  envelope: EventEnvelope;
}

/** A private key still in a database (not destroyed). */
export interface RemainingKey {
  database: string;
  keyId: string;
  organisationId: string;
  privateKey: Uint8Array;
}

/** Every message of every stream of the layout, read one by one by sequence as the admin. */
export async function streamCopies(adminNats: Parameters<typeof connectNats>[0]): Promise<StreamCopy[]> {
  const nats = await connectNats(adminNats);
  try {
    const copies: StreamCopy[] = [];
    for (const stream of Object.values(STREAMS)) {
      const info = await nats.jsm.streams.info(stream.name).catch(() => undefined);
      if (!info || info.state.messages === 0) continue;
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const message = await nats.jsm.streams.getMessage(stream.name, { seq }).catch(() => undefined);
        if (!message) continue; // deleted or purged
        let envelope: EventEnvelope;
        try {
          envelope = EventEnvelope.decode(message.data);
        } catch {
          continue;
        }
        copies.push({ stream: stream.name, seq, subject: message.subject, envelope });
      }
    }
    return copies;
  } finally {
    await nats.close();
  }
}

/** Every private sealing key not destroyed, in every database given. */
export async function remainingKeys(
  databases: readonly { label: string; url: string }[],
): Promise<RemainingKey[]> {
  const keys: RemainingKey[] = [];
  for (const { label, url } of databases) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const exists = await client.query<{ found: string | null }>(
        "SELECT to_regclass('kopru_sealing_keys')::text AS found",
      );
      if (!exists.rows[0]?.found) continue;
      const rows = await client.query<{ key_id: string; organisation_id: string; private_key: Buffer }>(
        "SELECT key_id, organisation_id, private_key FROM kopru_sealing_keys WHERE private_key IS NOT NULL",
      );
      for (const row of rows.rows) {
        keys.push({
          database: label,
          keyId: row.key_id,
          organisationId: row.organisation_id,
          privateKey: new Uint8Array(row.private_key),
        });
      }
    } finally {
      await client.end();
    }
  }
  return keys;
}

/** What a copy opens to, tried with every key; undefined when no key opens it. */
export async function openWithAny(
  copy: StreamCopy,
  keys: readonly RemainingKey[],
): Promise<{ key: RemainingKey; plaintext: Buffer } | undefined> {
  const sealed = copy.envelope.sealedPayload;
  if (!sealed) return undefined;
  for (const key of keys) {
    try {
      const plaintext = await open(
        key.privateKey,
        { encapsulatedKey: sealed.encapsulatedKey, ciphertext: sealed.ciphertext },
        {
          eventId: copy.envelope.eventId,
          eventType: copy.envelope.eventType,
          subject: copy.subject,
          recipientOrganisationId: sealed.recipientOrganisationId,
          keyId: sealed.keyId,
        },
      );
      return { key, plaintext: Buffer.from(plaintext) };
    } catch {
      // not this key
    }
  }
  return undefined;
}

/**
 * The sealed copies any remaining key opens to a plaintext holding one of `canaries`, each named
 * (stream, sequence, subject, key). Before erasure the addressees read their own; after, none.
 */
export async function readableCanaryCopies(
  copies: readonly StreamCopy[],
  keys: readonly RemainingKey[],
  canaries: readonly string[],
): Promise<string[]> {
  const readable: string[] = [];
  for (const copy of copies) {
    const opened = await openWithAny(copy, keys);
    if (!opened) continue;
    const text = opened.plaintext.toString("latin1").toLowerCase();
    const found = canaries.filter((c) => text.includes(c.toLowerCase()));
    if (found.length > 0) {
      readable.push(
        `${copy.stream}#${copy.seq} ${copy.subject} opens with ${opened.key.database}'s key ${opened.key.keyId}: ${found.join(", ")}`,
      );
    }
  }
  return readable;
}
