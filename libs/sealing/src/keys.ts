import { fileURLToPath } from "node:url";
import { appendToOutbox } from "@kopru/bus";
import { EVENTS } from "@kopru/events";
import { type Database, holdNamedLock, type MigrationSource, type Sql } from "@kopru/storage";
import { v7 as uuidv7 } from "uuid";
import { generateKeyPair, SUITE_NAME } from "./crypto.js";

export const sealingMigrations: MigrationSource = {
  name: "sealing",
  dir: fileURLToPath(new URL("../migrations", import.meta.url)),
};

/** How keys rotate (ADR 0022). Short in tests, days in production. */
export interface SealingKeyPolicy {
  /** How long one key is used. */
  rotationPeriodMs: number;
  /** How long before it becomes valid a successor is published, so every sender knows it in time. */
  leadTimeMs: number;
  /** Allowance for senders' clocks and late replicas before a retired key may be destroyed. */
  skewMs: number;
}

export const DEFAULT_KEY_POLICY: SealingKeyPolicy = {
  rotationPeriodMs: 30 * 86_400_000,
  leadTimeMs: 86_400_000,
  skewMs: 10 * 60_000,
};

export type PrivateKeyLookup =
  | { state: "live"; privateKey: Uint8Array }
  | { state: "destroyed" }
  | { state: "unknown" };

export interface OwnSealingKey {
  keyId: string;
  organisationId: string;
  validFrom: Date;
  validUntil: Date;
  destroyedAt: Date | undefined;
}

interface KeyRow {
  key_id: string;
  organisation_id: string;
  suite: string;
  public_key: Uint8Array;
  private_key: Uint8Array | null;
  valid_from: Date;
  valid_until: Date;
  version: number;
  destroyed_at: Date | null;
}

/** How long a private key read from the database is kept in memory for opening. */
const CACHE_MS = 30_000;

/**
 * The private keys of the hosted organisations, in this service's own database. Writing a key and
 * publishing its public half (the outbox row) happen in one transaction.
 */
export class SealingKeyStore {
  private readonly cache = new Map<string, { lookup: PrivateKeyLookup; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly service: string,
  ) {}

  async privateKey(keyId: string, organisationId: string): Promise<PrivateKeyLookup> {
    const cacheKey = `${organisationId}\u0000${keyId}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.lookup;
    const rows = await this.db.query<Pick<KeyRow, "private_key" | "destroyed_at">>(
      "SELECT private_key, destroyed_at FROM kopru_sealing_keys WHERE key_id = $1 AND organisation_id = $2",
      [UUID.test(keyId) ? keyId : "00000000-0000-0000-0000-000000000000", organisationId],
    );
    const row = rows.rows[0];
    const lookup: PrivateKeyLookup = !row
      ? { state: "unknown" }
      : row.private_key && !row.destroyed_at
        ? { state: "live", privateKey: new Uint8Array(row.private_key) }
        : { state: "destroyed" };
    // A key not known yet may be written by another instance at any moment: only hits are kept.
    if (lookup.state !== "unknown") this.cache.set(cacheKey, { lookup, until: Date.now() + CACHE_MS });
    return lookup;
  }

  async keys(organisationId: string): Promise<OwnSealingKey[]> {
    const rows = await this.db.query<KeyRow>(
      "SELECT * FROM kopru_sealing_keys WHERE organisation_id = $1 ORDER BY valid_from",
      [organisationId],
    );
    return rows.rows.map(ownKey);
  }

  /**
   * Makes sure the organisation has a key valid now and, once the current one is within the lead
   * time of its end, a successor published ahead of it. Returns the keys it created.
   */
  async ensure(organisationId: string, now: Date, policy: SealingKeyPolicy): Promise<OwnSealingKey[]> {
    return this.db.transaction(async (tx) => {
      await lockOrganisation(tx, organisationId);
      const live = await liveKeys(tx, organisationId);
      const created: OwnSealingKey[] = [];
      const newest = live.at(-1);
      if (!newest || newest.valid_until.getTime() <= now.getTime()) {
        created.push(await this.create(tx, organisationId, now, policy.rotationPeriodMs));
      } else if (newest.valid_until.getTime() - policy.leadTimeMs <= now.getTime()) {
        // Valid from the moment the current one ends, published (at least) the lead time before.
        created.push(await this.create(tx, organisationId, newest.valid_until, policy.rotationPeriodMs));
      }
      return created;
    });
  }

  /**
   * A new key valid from now; every earlier key of the organisation ends now (re-published), so
   * senders move to the new one and the old ones become destroyable as soon as their messages
   * are consumed. Erasure uses it so the stream copies of an erased person become unrecoverable.
   */
  async rotateNow(organisationId: string, now: Date, policy: SealingKeyPolicy): Promise<OwnSealingKey> {
    return this.db.transaction((tx) => this.rotateWithin(tx, organisationId, now, policy));
  }

  /**
   * `rotateNow` inside the caller's transaction: an erasure commits together with the rotation that
   * makes the stream copies unrecoverable, so a crash between the two cannot keep the old key alive.
   */
  async rotateWithin(
    tx: Sql,
    organisationId: string,
    now: Date,
    policy: SealingKeyPolicy,
  ): Promise<OwnSealingKey> {
    await lockOrganisation(tx, organisationId);
    const ended = await tx.query<KeyRow>(
      `UPDATE kopru_sealing_keys
          SET valid_until = GREATEST(valid_from + interval '1 millisecond', $2::timestamptz), version = version + 1
        WHERE organisation_id = $1 AND destroyed_at IS NULL AND valid_until > $2
        RETURNING *`,
      [organisationId, now],
    );
    for (const row of ended.rows) await this.publish(tx, row);
    return this.create(tx, organisationId, now, policy.rotationPeriodMs);
  }

  /** Keys past their end plus the skew and not yet destroyed: candidates for destruction. */
  async retired(organisationId: string, now: Date, policy: SealingKeyPolicy): Promise<OwnSealingKey[]> {
    const rows = await this.db.query<KeyRow>(
      `SELECT * FROM kopru_sealing_keys
        WHERE organisation_id = $1 AND destroyed_at IS NULL
          AND valid_until + ($2::bigint * interval '1 millisecond') <= $3`,
      [organisationId, policy.skewMs, now],
    );
    return rows.rows.map(ownKey);
  }

  /** Overwrites the private key and marks it destroyed; nothing held here opens its messages again. */
  async destroy(keyId: string, now: Date): Promise<void> {
    await this.db.query(
      "UPDATE kopru_sealing_keys SET private_key = NULL, destroyed_at = $2 WHERE key_id = $1 AND destroyed_at IS NULL",
      [keyId, now],
    );
    for (const cacheKey of this.cache.keys())
      if (cacheKey.endsWith(`\u0000${keyId}`)) this.cache.delete(cacheKey);
  }

  private async create(
    tx: Sql,
    organisationId: string,
    validFrom: Date,
    periodMs: number,
  ): Promise<OwnSealingKey> {
    const pair = await generateKeyPair();
    const rows = await tx.query<KeyRow>(
      `INSERT INTO kopru_sealing_keys (key_id, organisation_id, suite, public_key, private_key, valid_from, valid_until)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        uuidv7(),
        organisationId,
        SUITE_NAME,
        Buffer.from(pair.publicKey),
        Buffer.from(pair.privateKey),
        validFrom,
        new Date(validFrom.getTime() + periodMs),
      ],
    );
    const row = rows.rows[0] as KeyRow;
    await this.publish(tx, row);
    return ownKey(row);
  }

  private async publish(tx: Sql, row: KeyRow): Promise<void> {
    await appendToOutbox(
      tx,
      { organisationId: row.organisation_id, service: this.service },
      {
        definition: EVENTS.sealingKeyPublished,
        payload: {
          organisationId: row.organisation_id,
          keyId: row.key_id,
          publicKey: Buffer.from(row.public_key),
          suite: row.suite,
          validFrom: new Date(row.valid_from),
          validUntil: new Date(row.valid_until),
          publishedAt: new Date(),
        },
        aggregate: { type: "sealing_key", id: row.key_id, sequence: row.version },
      },
    );
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One writer of an organisation's keys at a time, across this service's instances. */
async function lockOrganisation(tx: Sql, organisationId: string): Promise<void> {
  await holdNamedLock(tx, `kopru_sealing_keys:${organisationId}`);
}

async function liveKeys(tx: Sql, organisationId: string): Promise<KeyRow[]> {
  const rows = await tx.query<KeyRow>(
    `SELECT * FROM kopru_sealing_keys WHERE organisation_id = $1 AND destroyed_at IS NULL ORDER BY valid_until`,
    [organisationId],
  );
  return rows.rows.map((r) => ({
    ...r,
    valid_from: new Date(r.valid_from),
    valid_until: new Date(r.valid_until),
  }));
}

function ownKey(row: KeyRow): OwnSealingKey {
  return {
    keyId: row.key_id,
    organisationId: row.organisation_id,
    validFrom: new Date(row.valid_from),
    validUntil: new Date(row.valid_until),
    destroyedAt: row.destroyed_at ? new Date(row.destroyed_at) : undefined,
  };
}
