import { randomUUID } from "node:crypto";
import {
  type WebhookDelivery,
  WebhookDeliveryState,
  type WebhookEndpoint,
  WebhookEndpointState,
  WebhookEvent,
  type WebhookEventType,
} from "@kopru/contracts/gateway/v1/partner_api";
import type { Sql } from "@kopru/storage";
import { type WebhookNotice, webhookEventOf } from "../../domain/webhooks.js";

// The webhook tables (migrations/0002_webhooks.sql): endpoints, and deliveries as the webhooks'
// outbox. Every time written here comes from the service's clock, so deadlines move with it.

export interface EndpointRow {
  endpoint_id: string;
  organisation_id: string;
  url: string;
  event_types: number[];
  state: "active" | "paused" | "disabled";
  disabled_reason: string | null;
  description: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  delivery_id: string;
  endpoint_id: string;
  source_key: string;
  event_type: number;
  referral_id: string | null;
  payload: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  window_attempts: number;
  created_at: Date;
  retry_from: Date;
  next_attempt_at: Date;
  delivered_at: Date | null;
  last_status_code: number;
  last_error: string | null;
}

const ENDPOINT_STATES: Record<EndpointRow["state"], WebhookEndpointState> = {
  active: WebhookEndpointState.WEBHOOK_ENDPOINT_STATE_ACTIVE,
  paused: WebhookEndpointState.WEBHOOK_ENDPOINT_STATE_PAUSED,
  disabled: WebhookEndpointState.WEBHOOK_ENDPOINT_STATE_DISABLED,
};

const DELIVERY_STATES: Record<DeliveryRow["state"], WebhookDeliveryState> = {
  pending: WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_PENDING,
  delivered: WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_DELIVERED,
  failed: WebhookDeliveryState.WEBHOOK_DELIVERY_STATE_FAILED,
};

const date = (value: Date | string | null): Date | undefined =>
  value === null ? undefined : value instanceof Date ? value : new Date(value);

/** An endpoint as the API shows it: never its secrets. */
export function endpointOf(row: EndpointRow, now: Date): WebhookEndpoint {
  const previousExpires = date(row.previous_secret_expires_at);
  return {
    endpointId: row.endpoint_id,
    url: row.url,
    eventTypes: row.event_types.map(Number) as WebhookEventType[],
    state: ENDPOINT_STATES[row.state],
    disabledReason: row.disabled_reason ?? undefined,
    description: row.description ?? undefined,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    previousSecretExpiresAt: previousExpires && previousExpires > now ? previousExpires : undefined,
  };
}

export function deliveryOf(row: DeliveryRow): WebhookDelivery {
  return {
    deliveryId: row.delivery_id,
    endpointId: row.endpoint_id,
    eventType: row.event_type as WebhookEventType,
    state: DELIVERY_STATES[row.state],
    attempts: row.attempts,
    createdAt: date(row.created_at),
    nextAttemptAt: row.state === "pending" ? date(row.next_attempt_at) : undefined,
    deliveredAt: date(row.delivered_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error ?? undefined,
    referralId: row.referral_id ?? undefined,
  };
}

/** The secrets that sign now: the current one, and the previous one during its overlap. */
export function signingSecrets(
  row: Pick<EndpointRow, "secret" | "previous_secret" | "previous_secret_expires_at">,
  now: Date,
): string[] {
  const previousExpires = date(row.previous_secret_expires_at);
  return row.previous_secret && previousExpires && previousExpires > now
    ? [row.secret, row.previous_secret]
    : [row.secret];
}

export const webhookStore = {
  async insertEndpoint(sql: Sql, row: EndpointRow): Promise<void> {
    await sql.query(
      `INSERT INTO webhook_endpoints (endpoint_id, organisation_id, url, event_types, state, disabled_reason,
         description, secret, previous_secret, previous_secret_expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4::int[], $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        row.endpoint_id,
        row.organisation_id,
        row.url,
        row.event_types,
        row.state,
        row.disabled_reason,
        row.description,
        row.secret,
        row.previous_secret,
        row.previous_secret_expires_at,
        row.created_at,
        row.updated_at,
      ],
    );
  },

  /** One endpoint of one organisation (another organisation's is not found). */
  async endpoint(
    sql: Sql,
    organisationId: string,
    endpointId: string,
    lock = false,
  ): Promise<EndpointRow | undefined> {
    const { rows } = await sql.query<EndpointRow>(
      `SELECT * FROM webhook_endpoints WHERE organisation_id = $1 AND endpoint_id::text = $2${lock ? " FOR UPDATE" : ""}`,
      [organisationId, endpointId],
    );
    return rows[0];
  },

  async endpoints(sql: Sql, organisationId: string): Promise<EndpointRow[]> {
    const { rows } = await sql.query<EndpointRow>(
      "SELECT * FROM webhook_endpoints WHERE organisation_id = $1 ORDER BY created_at, endpoint_id",
      [organisationId],
    );
    return rows;
  },

  async updateEndpoint(sql: Sql, row: EndpointRow): Promise<void> {
    await sql.query(
      `UPDATE webhook_endpoints SET url = $2, event_types = $3::int[], state = $4, disabled_reason = $5,
         description = $6, secret = $7, previous_secret = $8, previous_secret_expires_at = $9, updated_at = $10
       WHERE endpoint_id = $1`,
      [
        row.endpoint_id,
        row.url,
        row.event_types,
        row.state,
        row.disabled_reason,
        row.description,
        row.secret,
        row.previous_secret,
        row.previous_secret_expires_at,
        row.updated_at,
      ],
    );
  },

  async deleteEndpoint(sql: Sql, organisationId: string, endpointId: string): Promise<boolean> {
    const { rowCount } = await sql.query(
      "DELETE FROM webhook_endpoints WHERE organisation_id = $1 AND endpoint_id::text = $2",
      [organisationId, endpointId],
    );
    return rowCount > 0;
  },

  /**
   * Queues one delivery per subscribed endpoint of the notice's organisation, in the caller's
   * transaction. An endpoint registered after the event happened does not get it; a notice already
   * queued for an endpoint (a redelivered event) is skipped. Returns how many were queued.
   */
  async queue(sql: Sql, notice: WebhookNotice, now: Date): Promise<number> {
    const { rows } = await sql.query<{ endpoint_id: string }>(
      `SELECT endpoint_id FROM webhook_endpoints
        WHERE organisation_id = $1 AND $2 = ANY(event_types) AND created_at <= $3`,
      [notice.organisationId, notice.eventType, notice.occurredAt],
    );
    let queued = 0;
    for (const { endpoint_id } of rows) {
      if (await this.insertDelivery(sql, endpoint_id, notice, now)) queued += 1;
    }
    return queued;
  },

  async insertDelivery(
    sql: Sql,
    endpointId: string,
    notice: Pick<WebhookNotice, "sourceKey" | "eventType" | "referralId" | "occurredAt" | "data">,
    now: Date,
  ): Promise<DeliveryRow | undefined> {
    const deliveryId = randomUUID();
    const payload = JSON.stringify(
      WebhookEvent.toJSON(webhookEventOf(deliveryId, notice.eventType, notice.occurredAt, notice.data)),
    );
    const { rows } = await sql.query<DeliveryRow>(
      `INSERT INTO webhook_deliveries (delivery_id, endpoint_id, source_key, event_type, referral_id, payload,
         state, created_at, retry_from, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7, $7)
       ON CONFLICT (endpoint_id, source_key) DO NOTHING
       RETURNING *`,
      [deliveryId, endpointId, notice.sourceKey, notice.eventType, notice.referralId || null, payload, now],
    );
    return rows[0];
  },

  /** One page of an endpoint's log, newest first; the cursor is the last row's (created_at, id). */
  async deliveries(
    sql: Sql,
    endpointId: string,
    pageSize: number,
    after: { createdAt: Date; deliveryId: string } | undefined,
  ): Promise<DeliveryRow[]> {
    const { rows } = await sql.query<DeliveryRow>(
      `SELECT * FROM webhook_deliveries
        WHERE endpoint_id = $1
          AND ($2::timestamptz IS NULL OR (created_at, delivery_id) < ($2::timestamptz, $3::uuid))
        ORDER BY created_at DESC, delivery_id DESC
        LIMIT $4`,
      [endpointId, after?.createdAt ?? null, after?.deliveryId ?? null, pageSize],
    );
    return rows;
  },

  async delivery(sql: Sql, endpointId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
    const { rows } = await sql.query<DeliveryRow>(
      "SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND delivery_id::text = $2",
      [endpointId, deliveryId],
    );
    return rows[0];
  },

  /**
   * Queues deliveries again (a replay): due now, with a fresh retry window, under the same
   * `webhook-id`. `which` is one delivery or every one created at or after a time.
   */
  async requeue(
    sql: Sql,
    endpointId: string,
    which: { deliveryId: string } | { since: Date },
    now: Date,
  ): Promise<DeliveryRow[]> {
    const { rows } = await sql.query<DeliveryRow>(
      `UPDATE webhook_deliveries SET state = 'pending', retry_from = $2, next_attempt_at = $2, window_attempts = 0
        WHERE endpoint_id = $1 AND ${"deliveryId" in which ? "delivery_id::text = $3" : "created_at >= $3"}
        RETURNING *`,
      [endpointId, now, "deliveryId" in which ? which.deliveryId : which.since],
    );
    return rows;
  },

  /** After an endpoint is re-enabled: what waited for it is due now, with a fresh retry window. */
  async resumePending(sql: Sql, endpointId: string, now: Date): Promise<void> {
    await sql.query(
      `UPDATE webhook_deliveries SET retry_from = $2, next_attempt_at = $2, window_attempts = 0
        WHERE endpoint_id = $1 AND state = 'pending'`,
      [endpointId, now],
    );
  },
};
