import { NETWORK_LAYOUT } from "@kopru/events";
import { ErrorCatalogue, type ServiceSpec } from "@kopru/service-kit";
import { coordinationBinding } from "./adapters/grpc/coordination-grpc.js";
import {
  activitySeatsConsumer,
  companionConsumerName,
  erasureTrackingConsumer,
  followUpConsumer,
  outcomeConsumer,
  TRACKING_CONSUMER,
  trackingConsumer,
} from "./adapters/messaging/status-consumer.js";
import { directoryStore } from "./adapters/persistence/directory-store.js";
import { erasureTrackingStore } from "./adapters/persistence/erasure-store.js";
import { FigureFolder } from "./adapters/persistence/figure-rollup.js";
import { placesStore } from "./adapters/persistence/places-store.js";
import { trackingStore } from "./adapters/persistence/tracking-store.js";
import { type CoordinationDeps, SERVICE_NAME } from "./application/deps.js";
import { coordinationEnv } from "./config.js";
import { COORDINATION_ERRORS } from "./domain/errors.js";
import { coordinationMigrations } from "./migrations.js";

export interface CoordinationOptions {
  /**
   * Durable name of the tracking consumer (default `coordination-status`). Only a test, or a
   * second network sharing one NATS server, needs another: instances sharing a name share the work.
   */
  trackingConsumerName?: string;
  /** Track only status events published from now on (tests on a shared server). */
  trackingStartsNow?: boolean;
}

/** The coordination service as service-kit hosts it: directory, tracking read model, gRPC API. */
export function coordinationSpec(options: CoordinationOptions = {}): ServiceSpec<typeof coordinationEnv> {
  return {
    name: SERVICE_NAME,
    envSchema: coordinationEnv,
    migrations: coordinationMigrations,
    layout: NETWORK_LAYOUT,
    errors: new ErrorCatalogue(COORDINATION_ERRORS),
    async build(context) {
      const deps: CoordinationDeps = {
        db: context.db,
        clock: context.clock,
        directory: directoryStore,
        tracking: trackingStore,
        places: placesStore,
        erasures: erasureTrackingStore,
        afterCommit: () => context.relay.wake(),
        minCellSize: context.config.FIGURES_MIN_CELL_SIZE,
      };
      return {
        grpc: [coordinationBinding(deps)],
        workers: [new FigureFolder(context.db, context.logger)],
        consumers: [
          trackingConsumer(
            trackingStore,
            { db: context.db, js: context.js, jsm: context.jsm, logger: context.logger },
            options.trackingConsumerName ?? TRACKING_CONSUMER,
            options.trackingStartsNow ? "now" : "beginning",
            deps,
          ),
          activitySeatsConsumer(
            deps,
            { db: context.db, js: context.js, jsm: context.jsm, logger: context.logger },
            companionConsumerName(options.trackingConsumerName ?? TRACKING_CONSUMER, "seats"),
            options.trackingStartsNow ? "now" : "beginning",
          ),
          outcomeConsumer(
            trackingStore,
            { db: context.db, js: context.js, jsm: context.jsm, logger: context.logger },
            companionConsumerName(options.trackingConsumerName ?? TRACKING_CONSUMER, "outcome"),
            options.trackingStartsNow ? "now" : "beginning",
          ),
          followUpConsumer(
            trackingStore,
            { db: context.db, js: context.js, jsm: context.jsm, logger: context.logger },
            companionConsumerName(options.trackingConsumerName ?? TRACKING_CONSUMER, "followup"),
            options.trackingStartsNow ? "now" : "beginning",
          ),
          erasureTrackingConsumer(
            erasureTrackingStore,
            { db: context.db, js: context.js, jsm: context.jsm, logger: context.logger },
            companionConsumerName(options.trackingConsumerName ?? TRACKING_CONSUMER, "erasure"),
            options.trackingStartsNow ? "now" : "beginning",
          ),
        ],
      };
    },
  };
}

export const coordinationService = coordinationSpec();
