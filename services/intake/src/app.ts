import { busMigrations } from "@kopru/bus";
import { DirectoryReplica, directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import { REFERRAL_ERRORS, ReferralLifecycle, referralMigrations } from "@kopru/referral";
import { retentionMigrations, retentionWorker } from "@kopru/retention";
import { type SealingConfig, sealingMigrations, sealingPolicyOf, serviceSealing } from "@kopru/sealing";
import {
  auditLogBinding,
  channelCredentials,
  ErrorCatalogue,
  type ServiceSpec,
  transportSecurityOf,
  type Worker,
} from "@kopru/service-kit";
import { TimerWorker, timerMigrations } from "@kopru/timers";
import { grpcMatchingClient } from "./adapters/clients/matching-client.js";
import { intakeBinding } from "./adapters/grpc/intake-service.js";
import { intakeConsumers } from "./adapters/messaging/consumers.js";
import { sqlRepositories } from "./adapters/persistence/index.js";
import { matchingRegistrations } from "./adapters/persistence/matching-registrations.js";
import { INTAKE_RETENTION_CLASSES } from "./adapters/persistence/retention.js";
import { ERASURE_HOLDER_DEADLINE_TIMER, holderDeadlinePassed } from "./application/erasure.js";
import type { MatchingDeps } from "./application/matching.js";
import { MatchingSyncWorker } from "./application/matching-sync.js";
import type { IntakeDeps } from "./application/ports.js";
import { intakeEnv, matchingSettingsOf } from "./config.js";
import { INTAKE_ERRORS } from "./domain/errors.js";
import { INTAKE_MATCHING_ERRORS } from "./domain/matching-errors.js";
import { intakeMigrations } from "./migrate-sources.js";

/**
 * The intake service: what `main.ts` runs and what tests start with `startService(intakeService, env)`.
 * Library migrations first (bus, timers, directory replica, referrals), then intake's own.
 */
export const intakeService: ServiceSpec<typeof intakeEnv> = {
  name: "intake",
  envSchema: intakeEnv,
  migrations: [
    busMigrations,
    timerMigrations,
    directoryMigrations,
    sealingMigrations,
    referralMigrations,
    intakeMigrations,
    retentionMigrations,
  ],
  layout: NETWORK_LAYOUT,
  errors: new ErrorCatalogue(REFERRAL_ERRORS, INTAKE_ERRORS, INTAKE_MATCHING_ERRORS),
  async build(context) {
    const { db, js, jsm, logger, clock, relay, config } = context;
    const organisations = [...new Set(config.INTAKE_ORGANISATIONS)];
    await sqlRepositories.partners.seed(db, organisations);
    const workers: Worker[] = [];
    let matching: MatchingDeps | undefined;
    const matchingSettings = matchingSettingsOf(config);
    if (matchingSettings && context.serviceTokens) {
      const client = grpcMatchingClient({
        address: matchingSettings.address,
        credentials: channelCredentials(transportSecurityOf(config)),
        tokens: context.serviceTokens,
      });
      let worker: MatchingSyncWorker | undefined;
      matching = {
        secret: matchingSettings.secret,
        client,
        registrations: matchingRegistrations,
        wake: () => worker?.wake(),
      };
      worker = new MatchingSyncWorker({ db, matching, clock, logger });
      const sync = worker;
      workers.push({
        start: () => sync.start(),
        stop: async () => {
          await sync.stop();
          client.close();
        },
      });
      logger.info(
        { matching: matchingSettings.address },
        "possible duplicates are also asked of the matching service",
      );
    } else {
      logger.info(
        { event: "matching_off" },
        "MATCHING_ADDRESS is not set: duplicates are checked inside each organisation only",
      );
    }
    const deps: IntakeDeps = {
      db,
      repos: sqlRepositories,
      directory: (sql) => new DirectoryReplica(sql),
      // The producer organisation is set per event (the referrer); the service name is intake's.
      lifecycle: new ReferralLifecycle({ organisationId: "", service: "intake" }, clock),
      clock,
      logger,
      afterCommit: () => relay.wake(),
      erasure: { confirmWithinMs: config.ERASURE_CONFIRM_WITHIN },
      matching,
    };
    logger.info({ organisations }, "intake serves these partner organisations");
    const consumers = intakeConsumers(config.INTAKE_DURABLE_PREFIX, organisations, deps, {
      db,
      js,
      jsm,
      logger,
    });
    // Intake seals the packages, withdrawals and contact updates it sends to each addressee's key, and
    // keeps keys of its own organisations for the personal events addressed to them (ADR 0022).
    const sealing = serviceSealing({
      service: "intake",
      db,
      jsm,
      events: NETWORK_LAYOUT.events,
      organisations,
      policy: sealingPolicyOf(config as SealingConfig),
      // Keys live by real time, as access tokens do: the business clock moves deadlines, never a key's
      // validity (a network whose clock is wound back, as the demo seed does, would find no key valid).
      now: () => new Date(),
      recipientKey: (organisationId, at, sql) => new DirectoryReplica(sql).sealingKey(organisationId, at),
      consumers,
      wake: () => relay.wake(),
      logger,
    });
    // Destroys what each organisation holds past its retention period (ADR 0026); a bad
    // RETENTION_PERIODS stops the start here.
    const retention = retentionWorker(context, { classes: INTAKE_RETENTION_CLASSES, organisations });
    return {
      grpc: [intakeBinding(deps), auditLogBinding({ db, hostedOrganisations: () => organisations })],
      consumers,
      // Durable deadlines of network-wide erasure: a holder that has not confirmed shows overdue.
      workers: [
        ...workers,
        sealing.keys,
        retention,
        new TimerWorker({
          db,
          clock,
          logger,
          handlers: { [ERASURE_HOLDER_DEADLINE_TIMER]: (tx, timer) => holderDeadlinePassed(deps, tx, timer) },
          afterFire: () => relay.wake(),
        }),
      ],
      sealing,
    };
  },
};
