import { fileURLToPath } from "node:url";
import { EventConsumer, type EventConsumerOptions, on } from "@kopru/bus";
import type { SealingKeyPublished } from "@kopru/contracts/common/v1/sealing";
import {
  type Organisation,
  Organisation as OrganisationCodec,
  ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import type { MigrationSource, Sql } from "@kopru/storage";

export const directoryMigrations: MigrationSource = {
  name: "directory",
  dir: fileURLToPath(new URL("../migrations", import.meta.url)),
};

async function upsertOrganisation(tx: Sql, organisation: Organisation): Promise<void> {
  await tx.query(
    `INSERT INTO directory_organisations (organisation_id, partner_kind, active, organisation, updated_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (organisation_id) DO UPDATE
       SET partner_kind = EXCLUDED.partner_kind, active = EXCLUDED.active,
           organisation = EXCLUDED.organisation, updated_at = EXCLUDED.updated_at
     WHERE directory_organisations.updated_at <= EXCLUDED.updated_at`,
    [
      organisation.organisationId,
      organisation.partnerKind,
      organisation.active,
      Buffer.from(OrganisationCodec.encode(organisation).finish()),
      organisation.updatedAt ?? new Date(),
    ],
  );
}

async function upsertOffering(tx: Sql, offering: ServiceOffering): Promise<void> {
  await tx.query(
    `INSERT INTO directory_offerings
       (service_offering_id, organisation_id, service_type, capacity_status, active, offering, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (service_offering_id) DO UPDATE
       SET organisation_id = EXCLUDED.organisation_id, service_type = EXCLUDED.service_type,
           capacity_status = EXCLUDED.capacity_status, active = EXCLUDED.active,
           offering = EXCLUDED.offering, updated_at = EXCLUDED.updated_at
     WHERE directory_offerings.updated_at <= EXCLUDED.updated_at`,
    [
      offering.serviceOfferingId,
      offering.organisationId,
      offering.serviceType,
      offering.capacityStatus,
      offering.active,
      Buffer.from(ServiceOffering.encode(offering).finish()),
      offering.updatedAt ?? new Date(),
    ],
  );
}

/** A published key, or a later publication of it (a forced rotation ends it early); never its key bytes changed. */
async function upsertSealingKey(tx: Sql, key: SealingKeyPublished): Promise<void> {
  if (!key.validFrom || !key.validUntil) return;
  await tx.query(
    `INSERT INTO directory_sealing_keys
       (key_id, organisation_id, suite, public_key, valid_from, valid_until, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (key_id) DO UPDATE
       SET valid_until = EXCLUDED.valid_until, published_at = EXCLUDED.published_at
     WHERE directory_sealing_keys.published_at <= EXCLUDED.published_at
       AND directory_sealing_keys.organisation_id = EXCLUDED.organisation_id`,
    [
      key.keyId,
      key.organisationId,
      key.suite,
      Buffer.from(key.publicKey),
      key.validFrom,
      key.validUntil,
      key.publishedAt ?? new Date(),
    ],
  );
}

/** An organisation's public key for sealed events, as the replica knows it. */
export interface PublicSealingKey {
  keyId: string;
  organisationId: string;
  suite: string;
  publicKey: Uint8Array;
  validFrom: Date;
  validUntil: Date;
}

/**
 * The durable consumer that keeps this service's replica of the directory. Started from the
 * beginning of the directory stream, a new service builds the whole directory; afterwards it
 * applies each change once (inbox) and never lets an older version overwrite a newer one.
 */
export function directoryReplicaConsumer(
  service: string,
  options: Pick<EventConsumerOptions, "db" | "js" | "jsm" | "logger">,
): EventConsumer {
  return new EventConsumer({
    ...options,
    name: `${service}-directory`,
    stream: STREAMS.directory.name,
    filterSubject: SUBJECTS.directory,
    handlers: [
      on(EVENTS.organisationUpserted, async (tx, event) => {
        if (event.payload.organisation) await upsertOrganisation(tx, event.payload.organisation);
      }),
      on(EVENTS.serviceOfferingUpserted, async (tx, event) => {
        if (event.payload.serviceOffering) await upsertOffering(tx, event.payload.serviceOffering);
      }),
      on(EVENTS.serviceOfferingCapacityChanged, async (tx, event) => {
        const rows = await tx.query<{ offering: Uint8Array }>(
          "SELECT offering FROM directory_offerings WHERE service_offering_id = $1 FOR UPDATE",
          [event.payload.serviceOfferingId],
        );
        const row = rows.rows[0];
        if (!row) return;
        const offering = ServiceOffering.decode(row.offering);
        offering.capacityStatus = event.payload.toStatus;
        // Live capacity: the counts travel with the change (absent when places are not counted).
        offering.totalPlaces = event.payload.totalPlaces;
        offering.freePlaces = event.payload.freePlaces;
        offering.updatedAt = event.payload.changedAt ?? event.occurredAt;
        await upsertOffering(tx, offering);
      }),
      on(EVENTS.sealingKeyPublished, (tx, event) => upsertSealingKey(tx, event.payload)),
      on(EVENTS.serviceOfferingRemoved, async (tx, event) => {
        const rows = await tx.query<{ offering: Uint8Array }>(
          "SELECT offering FROM directory_offerings WHERE service_offering_id = $1 FOR UPDATE",
          [event.payload.serviceOfferingId],
        );
        const row = rows.rows[0];
        if (!row) return;
        // Kept for history, never routed to again: the stored proto says so too (routing reads it).
        const offering = ServiceOffering.decode(row.offering);
        offering.active = false;
        offering.updatedAt = event.occurredAt;
        await upsertOffering(tx, offering);
      }),
    ],
  });
}

/** Read side of the replica. */
export class DirectoryReplica {
  constructor(private readonly sql: Sql) {}

  async organisation(organisationId: string): Promise<Organisation | undefined> {
    const rows = await this.sql.query<{ organisation: Uint8Array }>(
      "SELECT organisation FROM directory_organisations WHERE organisation_id = $1",
      [organisationId],
    );
    const row = rows.rows[0];
    return row ? OrganisationCodec.decode(row.organisation) : undefined;
  }

  async offerings(
    filter: { serviceType?: number; organisationId?: string; activeOnly?: boolean } = {},
  ): Promise<ServiceOffering[]> {
    const rows = await this.sql.query<{ offering: Uint8Array }>(
      `SELECT offering FROM directory_offerings
        WHERE ($1::int IS NULL OR service_type = $1)
          AND ($2::text IS NULL OR organisation_id = $2)
          AND (NOT $3::boolean OR active)
        ORDER BY service_offering_id`,
      [filter.serviceType ?? null, filter.organisationId ?? null, filter.activeOnly ?? true],
    );
    return rows.rows.map((r) => ServiceOffering.decode(r.offering));
  }

  /**
   * The key to seal an organisation's personal events to at `at`: the newest one valid then
   * (`valid_from <= at < valid_until`); undefined while none is known (the event waits).
   */
  async sealingKey(organisationId: string, at: Date): Promise<PublicSealingKey | undefined> {
    const rows = await this.sql.query<{
      key_id: string;
      suite: string;
      public_key: Uint8Array;
      valid_from: Date;
      valid_until: Date;
    }>(
      `SELECT key_id, suite, public_key, valid_from, valid_until FROM directory_sealing_keys
        WHERE organisation_id = $1 AND valid_from <= $2 AND valid_until > $2
        ORDER BY valid_from DESC, key_id LIMIT 1`,
      [organisationId, at],
    );
    const row = rows.rows[0];
    if (!row) return undefined;
    return {
      keyId: row.key_id,
      organisationId,
      suite: row.suite,
      publicKey: new Uint8Array(row.public_key),
      validFrom: new Date(row.valid_from),
      validUntil: new Date(row.valid_until),
    };
  }

  async organisations(): Promise<Organisation[]> {
    const rows = await this.sql.query<{ organisation: Uint8Array }>(
      "SELECT organisation FROM directory_organisations ORDER BY organisation_id",
    );
    return rows.rows.map((r) => OrganisationCodec.decode(r.organisation));
  }
}
