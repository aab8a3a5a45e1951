import { NETWORK_LAYOUT } from "@kopru/events";
import { ErrorCatalogue, type ServiceSpec } from "@kopru/service-kit";
import { matchingBinding } from "./adapters/grpc/matching-grpc.js";
import { sqlMatchStore } from "./adapters/persistence/match-store.js";
import type { MatchingDeps } from "./application/ports.js";
import { matchingEnv } from "./config.js";
import { MATCHING_ERRORS } from "./domain/errors.js";
import { matchingMigrations } from "./migrations.js";

export const SERVICE_NAME = "matching";

/**
 * The matching service as service-kit hosts it: the MatchingService gRPC API over its own database.
 * It reads and publishes no event; it connects to NATS only because every hosted service does (its
 * NATS user may do nothing but that).
 */
export const matchingService: ServiceSpec<typeof matchingEnv> = {
  name: SERVICE_NAME,
  envSchema: matchingEnv,
  migrations: matchingMigrations,
  layout: NETWORK_LAYOUT,
  errors: new ErrorCatalogue(MATCHING_ERRORS),
  async build(context) {
    const deps: MatchingDeps = { db: context.db, store: sqlMatchStore, clock: context.clock };
    context.logger.info(
      { registrarClients: context.config.MATCHING_REGISTRAR_CLIENTS },
      "these services may register records for the organisations they name",
    );
    return { grpc: [matchingBinding(deps, context.config.MATCHING_REGISTRAR_CLIENTS)] };
  },
};
