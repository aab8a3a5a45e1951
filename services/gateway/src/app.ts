import { ConfigError } from "@kopru/config";
import { NETWORK_LAYOUT } from "@kopru/events";
import { StaffDirectory } from "@kopru/identity-client";
import {
  channelCredentials,
  ErrorCatalogue,
  type ServiceSpec,
  tokenVerifierOf,
  transportSecurityOf,
  type Worker,
} from "@kopru/service-kit";
import type { FastifyInstance } from "fastify";
import { ServiceClients } from "./adapters/grpc/service-clients.js";
import { purgeExpiredIdempotencyRecords } from "./adapters/http/idempotency.js";
import { ProtoSchemas } from "./adapters/http/proto-schema.js";
import { bulkRoutes } from "./adapters/http/routes/bulk.js";
import { coordinationRoutes } from "./adapters/http/routes/coordination.js";
import { inboxRoutes } from "./adapters/http/routes/inbox.js";
import { referralRoutes } from "./adapters/http/routes/referrals.js";
import { webhookRoutes } from "./adapters/http/routes/webhooks.js";
import { buildHttpServer, type RouteModule } from "./adapters/http/server.js";
import { webhookConsumers } from "./adapters/messaging/webhook-consumers.js";
import { WebhookDeliveryWorker } from "./adapters/webhooks/delivery-worker.js";
import { gatewayEnv } from "./config.js";
import { GATEWAY_ERRORS } from "./domain/errors.js";
import { gatewayMigrations } from "./migrations.js";

export const SERVICE_NAME = "gateway";

/** Every route group of the partner API. */
export const ROUTES: readonly RouteModule[] = [
  referralRoutes,
  bulkRoutes,
  inboxRoutes,
  coordinationRoutes,
  webhookRoutes,
];

/** The line the gateway prints once its API answers, for people and the tests that read it. */
export const HTTP_READY = /\[gateway\] HTTP listening on (\S+)/;

/**
 * The partner API gateway as service-kit hosts it: its own database (idempotency records, webhook
 * endpoints and deliveries), the HTTP API as a worker, gRPC for health only.
 */
export function gatewaySpec(): ServiceSpec<typeof gatewayEnv> {
  return {
    name: SERVICE_NAME,
    envSchema: gatewayEnv,
    migrations: gatewayMigrations,
    layout: NETWORK_LAYOUT,
    errors: new ErrorCatalogue(GATEWAY_ERRORS),
    async build(context) {
      const { config, logger, db, clock } = context;
      if (!context.serviceTokens) {
        throw new ConfigError([
          {
            variable: "AUTH_CLIENT_ID",
            message: "required: the gateway calls the services with its own token beside the partner's",
          },
        ]);
      }
      const clients = new ServiceClients(
        config,
        channelCredentials(transportSecurityOf(config)),
        context.serviceTokens,
      );
      const schemas = new ProtoSchemas();
      const serviceTokens = context.serviceTokens;
      const directory = new StaffDirectory({
        issuer: config.AUTH_ISSUER,
        tokens: { token: (audience) => serviceTokens(audience) },
      });
      const deliveries = new WebhookDeliveryWorker({
        db,
        clock,
        logger,
        relay: context.relay,
        concurrency: config.WEBHOOK_CONCURRENCY,
        timeoutMs: config.WEBHOOK_TIMEOUT,
        retryWindowMs: config.WEBHOOK_RETRY_WINDOW,
        allowedAddresses: config.WEBHOOK_ALLOWED_ADDRESSES,
      });
      let server: FastifyInstance | undefined;
      let purge: NodeJS.Timeout | undefined;
      const http: Worker = {
        async start() {
          server = await buildHttpServer({
            config,
            db,
            clock,
            logger,
            clients,
            schemas,
            verifier: tokenVerifierOf(SERVICE_NAME, config),
            routes: ROUTES,
            wakeWebhooks: () => deliveries.wake(),
            staff: {
              async find(organisationId, staffId) {
                const member = await directory.find(organisationId, staffId);
                return member && { username: member.username, displayName: member.displayName };
              },
              async colleagues(organisationId) {
                const staff = await directory.list(organisationId);
                return staff
                  .filter((member) => member.active)
                  .map((member) => ({
                    staffId: member.id,
                    displayName: member.displayName,
                    roles: member.roles,
                  }));
              },
            },
          });
          const address = await server.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
          console.log(`[gateway] HTTP listening on ${address}`);
          purge = setInterval(() => {
            purgeExpiredIdempotencyRecords(db, clock.now()).catch((error: unknown) =>
              logger.warn({ errorName: (error as Error).name }, "idempotency purge failed"),
            );
          }, 60_000);
          purge.unref();
        },
        async stop() {
          clearInterval(purge);
          await server?.close();
          clients.close();
        },
      };
      return {
        grpc: [],
        consumers: webhookConsumers(
          { clock, afterCommit: () => deliveries.wake() },
          { db, js: context.js, jsm: context.jsm, logger },
        ),
        workers: [http, deliveries],
      };
    },
  };
}

export const gatewayService = gatewaySpec();
