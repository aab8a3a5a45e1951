import { randomBytes, randomUUID } from "node:crypto";
import { appendToOutbox, type ReceivedEvent } from "@kopru/bus";
import {
  type CreateWebhookEndpointRequest,
  type CreateWebhookEndpointResponse,
  type ListWebhookDeliveriesResponse,
  type RotateWebhookSecretResponse,
  type UpdateWebhookEndpointRequest,
  type WebhookDelivery,
  type WebhookEndpoint,
  WebhookEndpointState,
  WebhookEventType,
} from "@kopru/contracts/gateway/v1/partner_api";
import { NoticeKind, NoticeUrgency, StaffNotice } from "@kopru/contracts/notification/v1/events";
import type { ReferralOutcomeReported, ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import { EVENTS } from "@kopru/events";
import { type Clock, checkText } from "@kopru/service-kit";
import type { Database, Sql } from "@kopru/storage";
import { deliveryOf, type EndpointRow, endpointOf, webhookStore } from "../adapters/persistence/webhooks.js";
import { type Resolver, resolveWebhookUrl } from "../adapters/webhooks/url-guard.js";
import { noticesOfOutcome, noticesOfStatus, type WebhookNotice } from "../domain/webhooks.js";

// The use cases of webhooks: queueing deliveries from referral events, the endpoints partners
// manage, their delivery logs and replays, and giving up on an endpoint.

export interface WebhookDeps {
  db: Database;
  clock: Clock;
  /** Addresses endpoints may resolve to although private (WEBHOOK_ALLOWED_ADDRESSES). */
  allowedAddresses: readonly string[];
  resolve?: Resolver;
  /** Tells the delivery worker that something is due now. */
  wake(): void;
}

/** Not found for the caller's organisation (another organisation's endpoint looks absent). */
export class WebhookNotFoundError extends Error {
  override readonly name = "WebhookNotFoundError";
}

/** A request the rules refuse; `field` is the JSON name of what is wrong. */
export class WebhookInvalidError extends Error {
  override readonly name = "WebhookInvalidError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** How long the previous secret keeps signing after a rotation, unless the partner says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_S = 24 * 3600;
const MAX_ROTATION_OVERLAP_S = 7 * 24 * 3600;
const MAX_ENDPOINTS_PER_ORGANISATION = 20;
const REPLAY_EPOCH = new Date("2000-01-01T00:00:00Z");

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

// --- Queueing, from the referral event consumers ------------------------------------------------

async function queueAll(tx: Sql, notices: readonly WebhookNotice[], now: Date): Promise<number> {
  let queued = 0;
  for (const notice of notices) queued += await webhookStore.queue(tx, notice, now);
  return queued;
}

/** A referral's status changed: queue its webhook event for the endpoints of each party told. */
export function queueStatusChange(
  tx: Sql,
  clock: Clock,
  event: ReceivedEvent<ReferralStatusChanged>,
): Promise<number> {
  return queueAll(tx, noticesOfStatus(event.payload, event.occurredAt), clock.now());
}

/** An outcome was reported: queue it for the referrer's endpoints. */
export function queueOutcome(
  tx: Sql,
  clock: Clock,
  event: ReceivedEvent<ReferralOutcomeReported>,
): Promise<number> {
  return queueAll(tx, noticesOfOutcome(event.payload, event.eventId, event.occurredAt), clock.now());
}

// --- Endpoints ----------------------------------------------------------------------------------

function checkEventTypes(types: readonly WebhookEventType[]): WebhookEventType[] {
  const unique = [...new Set(types)];
  if (unique.length === 0)
    throw new WebhookInvalidError("eventTypes", "subscribe the endpoint to at least one event type");
  if (unique.some((type) => type <= 0 || !(type in WebhookEventType)))
    throw new WebhookInvalidError("eventTypes", "an unknown event type");
  return unique.sort((a, b) => a - b);
}

/** A one-line label under the network's text rules (ADR 0011): no control or invisible characters. */
function checkDescription(description: string | undefined): string | null {
  if (description === undefined) return null;
  const checked = checkText(description);
  if (!checked.ok) throw new WebhookInvalidError("description", checked.problem);
  if (checked.text.length > 200) throw new WebhookInvalidError("description", "at most 200 characters");
  return checked.text;
}

async function checkUrl(deps: WebhookDeps, url: string): Promise<string> {
  // Refusals are thrown as WebhookUrlRefusedError (422 webhook_url_refused).
  const target = await resolveWebhookUrl(url, deps.allowedAddresses, deps.resolve);
  return target.url.toString();
}

export async function createEndpoint(
  deps: WebhookDeps,
  organisationId: string,
  request: CreateWebhookEndpointRequest,
): Promise<CreateWebhookEndpointResponse> {
  const eventTypes = checkEventTypes(request.eventTypes);
  const description = checkDescription(request.description);
  const url = await checkUrl(deps, request.url);
  const now = deps.clock.now();
  const row: EndpointRow = {
    endpoint_id: randomUUID(),
    organisation_id: organisationId,
    url,
    event_types: eventTypes,
    state: "active",
    disabled_reason: null,
    description,
    secret: newSecret(),
    previous_secret: null,
    previous_secret_expires_at: null,
    created_at: now,
    updated_at: now,
  };
  await deps.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM webhook_endpoints WHERE organisation_id = $1",
      [organisationId],
    );
    if ((rows[0]?.count ?? 0) >= MAX_ENDPOINTS_PER_ORGANISATION)
      throw new WebhookInvalidError(
        "url",
        `an organisation has at most ${MAX_ENDPOINTS_PER_ORGANISATION} endpoints`,
      );
    await webhookStore.insertEndpoint(tx, row);
    // A ping proves the endpoint and its signature check work before any referral moves.
    await webhookStore.insertDelivery(tx, row.endpoint_id, pingNotice(now), now);
  });
  deps.wake();
  return { endpoint: endpointOf(row, now), secret: row.secret };
}

function pingNotice(now: Date) {
  return {
    sourceKey: `ping/${randomUUID()}`,
    eventType: WebhookEventType.WEBHOOK_EVENT_TYPE_PING,
    referralId: "",
    occurredAt: now,
    data: undefined,
  };
}

async function found(
  sql: Sql,
  organisationId: string,
  endpointId: string,
  lock = false,
): Promise<EndpointRow> {
  const row = await webhookStore.endpoint(sql, organisationId, endpointId, lock);
  if (!row) throw new WebhookNotFoundError(`no webhook endpoint ${endpointId}`);
  return row;
}

export async function listEndpoints(deps: WebhookDeps, organisationId: string): Promise<WebhookEndpoint[]> {
  const now = deps.clock.now();
  return (await webhookStore.endpoints(deps.db, organisationId)).map((row) => endpointOf(row, now));
}

export async function getEndpoint(
  deps: WebhookDeps,
  organisationId: string,
  endpointId: string,
): Promise<WebhookEndpoint> {
  return endpointOf(await found(deps.db, organisationId, endpointId), deps.clock.now());
}

export async function updateEndpoint(
  deps: WebhookDeps,
  organisationId: string,
  endpointId: string,
  request: UpdateWebhookEndpointRequest,
): Promise<WebhookEndpoint> {
  const url = request.url === undefined ? undefined : await checkUrl(deps, request.url);
  const eventTypes = request.eventTypes.length > 0 ? checkEventTypes(request.eventTypes) : undefined;
  const description = request.description === undefined ? undefined : checkDescription(request.description);
  let state: EndpointRow["state"] | undefined;
  if (request.state === WebhookEndpointState.WEBHOOK_ENDPOINT_STATE_ACTIVE) state = "active";
  else if (request.state === WebhookEndpointState.WEBHOOK_ENDPOINT_STATE_PAUSED) state = "paused";
  else if (request.state !== WebhookEndpointState.WEBHOOK_ENDPOINT_STATE_UNSPECIFIED)
    throw new WebhookInvalidError(
      "state",
      "an endpoint can be set ACTIVE or PAUSED; the gateway disables it",
    );
  const now = deps.clock.now();
  const row = await deps.db.transaction(async (tx) => {
    const current = await found(tx, organisationId, endpointId, true);
    const next: EndpointRow = {
      ...current,
      url: url ?? current.url,
      event_types: eventTypes ?? current.event_types,
      description: description === undefined ? current.description : description,
      state: state ?? current.state,
      disabled_reason: (state ?? current.state) === "disabled" ? current.disabled_reason : null,
      updated_at: now,
    };
    await webhookStore.updateEndpoint(tx, next);
    // Re-enabled: what waited is due now, with a whole retry window again.
    if (current.state !== "active" && next.state === "active")
      await webhookStore.resumePending(tx, endpointId, now);
    return next;
  });
  deps.wake();
  return endpointOf(row, now);
}

export async function deleteEndpoint(
  deps: WebhookDeps,
  organisationId: string,
  endpointId: string,
): Promise<void> {
  if (!(await webhookStore.deleteEndpoint(deps.db, organisationId, endpointId)))
    throw new WebhookNotFoundError(`no webhook endpoint ${endpointId}`);
}

/**
 * A new signing secret; the current one becomes the previous one and keeps signing beside it for
 * the overlap, so the partner can switch its verification without losing a delivery. A secret
 * still in its overlap from an earlier rotation is dropped.
 */
export async function rotateSecret(
  deps: WebhookDeps,
  organisationId: string,
  endpointId: string,
  overlapSeconds: number,
): Promise<RotateWebhookSecretResponse> {
  if (overlapSeconds > MAX_ROTATION_OVERLAP_S)
    throw new WebhookInvalidError("overlapSeconds", `at most ${MAX_ROTATION_OVERLAP_S} (7 days)`);
  const overlap = overlapSeconds === 0 ? DEFAULT_ROTATION_OVERLAP_S : overlapSeconds;
  const now = deps.clock.now();
  const row = await deps.db.transaction(async (tx) => {
    const current = await found(tx, organisationId, endpointId, true);
    const next: EndpointRow = {
      ...current,
      secret: newSecret(),
      previous_secret: current.secret,
      previous_secret_expires_at: new Date(now.getTime() + overlap * 1000),
      updated_at: now,
    };
    await webhookStore.updateEndpoint(tx, next);
    return next;
  });
  return { endpoint: endpointOf(row, now), secret: row.secret };
}

/** Queues a ping now. */
export async function pingEndpoint(
  deps: WebhookDeps,
  organisationId: string,
  endpointId: string,
): Promise<WebhookDelivery> {
  const now = deps.clock.now();
  const row = await deps.db.transaction(async (tx) => {
    await found(tx, organisationId, endpointId);
    return webhookStore.insertDelivery(tx, endpointId, pingNotice(now), now);
  });
  deps.wake();
  return deliveryOf(row as NonNullable<typeof row>);
}

// --- Delivery log and replays -------------------------------------------------------------------

interface Cursor {
  createdAt: Date;
  deliveryId: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.deliveryId])).toString(
    "base64url",
  );
}

function decodeCursor(token: string): Cursor {
  try {
    const [createdAt, deliveryId] = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as [
      string,
      string,
    ];
    const at = new Date(createdAt);
    if (Number.isNaN(at.getTime()) || !/^[0-9a-f-]{36}$/.test(deliveryId)) throw new Error("bad cursor");
    return { createdAt: at, deliveryId };
  } catch {
    throw new WebhookInvalidError("pageToken", "not a page token this API gave");
  }
}

export async function listDeliveries(
  deps: WebhookDeps,
  organisationId: string,
  endpointId: string,
  page: { pageSize?: number | undefined; pageToken?: string | undefined },
): Promise<ListWebhookDeliveriesResponse> {
  await found(deps.db, organisationId, endpointId);
  const pageSize = page.pageSize ?? 50;
  const after = page.pageToken ? decodeCursor(page.pageToken) : undefined;
  const rows = await webhookStore.deliveries(deps.db, endpointId, pageSize + 1, after);
  const shown = rows.slice(0, pageSize);
  const last = shown[shown.length - 1];
  return {
    deliveries: shown.map(deliveryOf),
    nextPageToken:
      rows.length > pageSize && last
        ? encodeCursor({ createdAt: new Date(last.created_at), deliveryId: last.delivery_id })
        : "",
  };
}

/** Sends one delivery again, under the same `webhook-id` (the receiver may drop it as a repeat). */
export async function replayDelivery(
  deps: WebhookDeps,
  organisationId: string,
  endpointId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  const now = deps.clock.now();
  const rows = await deps.db.transaction(async (tx) => {
    await found(tx, organisationId, endpointId);
    return webhookStore.requeue(tx, endpointId, { deliveryId }, now);
  });
  const row = rows[0];
  if (!row) throw new WebhookNotFoundError(`no delivery ${deliveryId} of endpoint ${endpointId}`);
  deps.wake();
  return deliveryOf(row);
}

/** Sends again every delivery of an endpoint created at or after `since`. */
export async function replaySince(
  deps: WebhookDeps,
  organisationId: string,
  endpointId: string,
  since: Date | undefined,
): Promise<number> {
  if (!since) throw new WebhookInvalidError("since", "say from when to replay");
  const now = deps.clock.now();
  if (since > now) throw new WebhookInvalidError("since", "is in the future");
  // Nothing is older than the gateway; an earlier time means everything.
  if (since < REPLAY_EPOCH) since = REPLAY_EPOCH;
  const rows = await deps.db.transaction(async (tx) => {
    await found(tx, organisationId, endpointId);
    return webhookStore.requeue(tx, endpointId, { since }, now);
  });
  deps.wake();
  return rows.length;
}

// --- Giving up ----------------------------------------------------------------------------------

/**
 * A delivery failed for its whole retry window: it is FAILED, its endpoint DISABLED (unless the
 * partner changed it meanwhile), and the organisation's supervisors are told through the bus
 * outbox, all in the caller's transaction. Returns whether a notice was written.
 */
export async function giveUpOnEndpoint(
  tx: Sql,
  endpoint: Pick<EndpointRow, "endpoint_id" | "organisation_id">,
  reason: string,
  now: Date,
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE webhook_endpoints SET state = 'disabled', disabled_reason = $2, updated_at = $3
      WHERE endpoint_id = $1 AND state = 'active'`,
    [endpoint.endpoint_id, reason, now],
  );
  if (rowCount === 0) return false;
  const notice = StaffNotice.fromPartial({
    noticeId: randomUUID(),
    organisationId: endpoint.organisation_id,
    recipient: { $case: "role", value: "supervisor" },
    kind: NoticeKind.NOTICE_KIND_WEBHOOK_ENDPOINT_DISABLED,
    urgency: NoticeUrgency.NOTICE_URGENCY_NORMAL,
    occurredAt: now,
    sourceService: "gateway",
  });
  await appendToOutbox(
    tx,
    { organisationId: endpoint.organisation_id, service: "gateway" },
    {
      definition: EVENTS.staffNotice,
      payload: notice,
      aggregate: { type: "staff-notice", id: notice.noticeId, sequence: 1 },
      occurredAt: now,
    },
  );
  return true;
}
