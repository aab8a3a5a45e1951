import { busMigrations } from "@kopru/bus";
import { DirectoryReplica, directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import { REFERRAL_ERRORS, ReferralLifecycle, referralMigrations } from "@kopru/referral";
import { ErrorCatalogue, type ServiceSpec } from "@kopru/service-kit";
import { timerMigrations } from "@kopru/timers";
import { intakeBinding } from "./adapters/grpc/intake-service.js";
import { intakeConsumers } from "./adapters/messaging/consumers.js";
import { sqlRepositories } from "./adapters/persistence/index.js";
import type { IntakeDeps } from "./application/ports.js";
import { intakeEnv } from "./config.js";
import { INTAKE_ERRORS } from "./domain/errors.js";
import { intakeMigrations } from "./migrate-sources.js";

/**
 * The intake service: what `main.ts` runs and what tests start with `startService(intakeService, env)`.
 * Library migrations first (bus, timers, directory replica, referrals), then intake's own.
 */
export const intakeService: ServiceSpec<typeof intakeEnv> = {
  name: "intake",
  envSchema: intakeEnv,
  migrations: [busMigrations, timerMigrations, directoryMigrations, referralMigrations, intakeMigrations],
  layout: NETWORK_LAYOUT,
  errors: new ErrorCatalogue(REFERRAL_ERRORS, INTAKE_ERRORS),
  async build(context) {
    const { db, js, jsm, logger, clock, relay, config } = context;
    const organisations = [...new Set(config.INTAKE_ORGANISATIONS)];
    await sqlRepositories.partners.seed(db, organisations);
    const deps: IntakeDeps = {
      db,
      repos: sqlRepositories,
      directory: (sql) => new DirectoryReplica(sql),
      // The producer organisation is set per event (the referrer); the service name is intake's.
      lifecycle: new ReferralLifecycle({ organisationId: "", service: "intake" }, clock),
      clock,
      logger,
      afterCommit: () => relay.wake(),
    };
    logger.info({ organisations }, "intake serves these partner organisations");
    return {
      grpc: [intakeBinding(deps)],
      consumers: intakeConsumers(config.INTAKE_DURABLE_PREFIX, organisations, deps, { db, js, jsm, logger }),
    };
  },
};
