import type { Logger } from "@kopru/observability";
import type { Clock, Worker } from "@kopru/service-kit";
import type { Database } from "@kopru/storage";
import { giveUpOnEndpoint } from "../../application/webhooks.js";
import { nextAttemptAfterFailure } from "../../domain/webhooks.js";
import { type DeliveryRow, type EndpointRow, signingSecrets } from "../persistence/webhooks.js";
import { type AttemptResult, sendWebhook } from "./sender.js";
import {
  type PinnedTarget,
  type Resolver,
  resolveWebhookUrl,
  systemResolver,
  WebhookUrlRefusedError,
} from "./url-guard.js";

export interface DeliveryWorkerOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Deliveries in flight at once (WEBHOOK_CONCURRENCY). */
  concurrency: number;
  /** One attempt's timeout (WEBHOOK_TIMEOUT). */
  timeoutMs: number;
  /** How long a delivery is retried before its endpoint is disabled (WEBHOOK_RETRY_WINDOW). */
  retryWindowMs: number;
  allowedAddresses: readonly string[];
  /** Publishes the notices written when an endpoint is disabled. */
  relay: { wake(): void };
  resolve?: Resolver;
  /** How often due deliveries are looked for when nobody said something is due. */
  pollIntervalMs?: number;
  random?: () => number;
  send?: typeof sendWebhook;
}

/** How long delivered and failed deliveries stay in the log (and can be replayed). */
export const DELIVERY_LOG_RETENTION_MS = 30 * 24 * 3600_000;
const PURGE_EVERY_MS = 3600_000;

type Claimed = DeliveryRow &
  Pick<EndpointRow, "organisation_id" | "url" | "secret" | "previous_secret" | "previous_secret_expires_at">;

/**
 * Sends the queued deliveries (the `webhook_deliveries` outbox). A delivery is claimed with
 * `FOR UPDATE SKIP LOCKED` and its next attempt time pushed past the attempt's timeout, so two
 * gateways never send it at once and one that dies mid-attempt leaves it due again shortly after:
 * delivery is at least once, and the unchanged `webhook-id` lets receivers drop the repeat. A failed
 * attempt is retried with exponential backoff and jitter until the retry window ends; then the
 * delivery fails and the endpoint is disabled.
 */
export class WebhookDeliveryWorker implements Worker {
  readonly #options: DeliveryWorkerOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #running = false;
  #loop: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  #woken = false;
  #purgedAt = 0;

  constructor(options: DeliveryWorkerOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Something may be due now (a delivery queued, an endpoint re-enabled). */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  async #run(): Promise<void> {
    const { logger, concurrency } = this.#options;
    const pollMs = this.#options.pollIntervalMs ?? 1_000;
    while (this.#running) {
      this.#woken = false;
      await this.#purge();
      let claimed: Claimed[] = [];
      const free = concurrency - this.#inFlight.size;
      if (free > 0) {
        try {
          claimed = await this.#claim(free);
        } catch (error) {
          logger.warn({ errorName: (error as Error).name }, "claiming webhook deliveries failed");
        }
      }
      for (const delivery of claimed) {
        const attempt: Promise<void> = this.#attempt(delivery)
          .catch((error: unknown) =>
            logger.warn(
              { errorName: (error as Error).name, deliveryId: delivery.delivery_id },
              "recording a webhook attempt failed",
            ),
          )
          .finally(() => {
            this.#inFlight.delete(attempt);
            this.wake();
          });
        this.#inFlight.add(attempt);
      }
      // A full batch may mean more is due: look again at once while there is room.
      if (claimed.length > 0 && claimed.length === free) continue;
      if (this.#woken || !this.#running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.#wakeUp = done;
      });
      this.#wakeUp = undefined;
    }
  }

  /** Drops finished deliveries past the log's retention, at most once an hour. */
  async #purge(): Promise<void> {
    const now = this.#options.clock.now().getTime();
    if (now - this.#purgedAt < PURGE_EVERY_MS) return;
    this.#purgedAt = now;
    try {
      await this.#options.db.query(
        "DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < $1",
        [new Date(now - DELIVERY_LOG_RETENTION_MS)],
      );
    } catch (error) {
      this.#options.logger.warn({ errorName: (error as Error).name }, "purging the webhook log failed");
    }
  }

  /** Claims up to `limit` due deliveries of active endpoints, oldest due first. */
  async #claim(limit: number): Promise<Claimed[]> {
    const { db, clock, timeoutMs } = this.#options;
    const now = clock.now();
    // Past this the attempt is taken to have died with its process; a few seconds of margin.
    const leaseUntil = new Date(now.getTime() + timeoutMs + 5_000);
    const { rows } = await db.query<Claimed>(
      `WITH due AS (
         SELECT d.delivery_id FROM webhook_deliveries d
           JOIN webhook_endpoints e ON e.endpoint_id = d.endpoint_id
          WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND e.state = 'active'
          ORDER BY d.next_attempt_at
          LIMIT $2
          FOR UPDATE OF d SKIP LOCKED
       ), claimed AS (
         UPDATE webhook_deliveries d SET next_attempt_at = $3, attempts = d.attempts + 1,
             window_attempts = d.window_attempts + 1
           FROM due WHERE d.delivery_id = due.delivery_id
         RETURNING d.*
       )
       SELECT claimed.*, e.organisation_id, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at
         FROM claimed JOIN webhook_endpoints e ON e.endpoint_id = claimed.endpoint_id`,
      [now, limit, leaseUntil],
    );
    return rows;
  }

  async #attempt(delivery: Claimed): Promise<void> {
    const { clock, timeoutMs, allowedAddresses } = this.#options;
    const send = this.#options.send ?? sendWebhook;
    let target: PinnedTarget;
    try {
      // Resolved and checked again now: the name may point elsewhere than at registration.
      target = await resolveWebhookUrl(
        delivery.url,
        allowedAddresses,
        this.#options.resolve ?? systemResolver,
      );
    } catch (error) {
      await this.#record(delivery, {
        ok: false,
        status: 0,
        error:
          error instanceof WebhookUrlRefusedError
            ? `refused: ${error.message}`
            : "the URL could not be resolved",
      });
      return;
    }
    const now = clock.now();
    const result = await send(
      target,
      {
        id: delivery.delivery_id,
        timestamp: now,
        body: delivery.payload,
        secrets: signingSecrets(delivery, now),
      },
      timeoutMs,
    );
    await this.#record(delivery, result);
  }

  async #record(delivery: Claimed, result: AttemptResult): Promise<void> {
    const { db, clock, logger, retryWindowMs } = this.#options;
    const now = clock.now();
    // Only while the claim is this attempt's: a later claim (after this one was taken for dead)
    // owns the row.
    const guard = "delivery_id = $1 AND attempts = $2 AND state = 'pending'";
    if (result.ok) {
      await db.query(
        `UPDATE webhook_deliveries SET state = 'delivered', delivered_at = $3, last_status_code = $4, last_error = NULL
          WHERE ${guard}`,
        [delivery.delivery_id, delivery.attempts, now, result.status],
      );
      return;
    }
    const next = nextAttemptAfterFailure(
      now,
      new Date(delivery.retry_from),
      delivery.window_attempts,
      retryWindowMs,
      (this.#options.random ?? Math.random)(),
    );
    if (next) {
      await db.query(
        `UPDATE webhook_deliveries SET next_attempt_at = $3, last_status_code = $4, last_error = $5 WHERE ${guard}`,
        [delivery.delivery_id, delivery.attempts, next, result.status, result.error ?? null],
      );
      return;
    }
    const noticed = await db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE webhook_deliveries SET state = 'failed', last_status_code = $3, last_error = $4 WHERE ${guard}`,
        [delivery.delivery_id, delivery.attempts, result.status, result.error ?? null],
      );
      if (rowCount === 0) return false;
      return giveUpOnEndpoint(
        tx,
        delivery,
        `deliveries failed for ${Math.round(retryWindowMs / 3600_000)} h (last: ${result.error ?? `HTTP ${result.status}`})`,
        now,
      );
    });
    if (noticed) {
      logger.warn(
        { endpointId: delivery.endpoint_id, event: "webhook_endpoint_disabled" },
        "webhook endpoint disabled",
      );
      this.#options.relay.wake();
    }
  }
}
