import { busMigrations } from "@kopru/bus";
import { directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import { receivingServiceParts, referralMigrations } from "@kopru/referral";
import type { ServiceSpec } from "@kopru/service-kit";
import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";
import { timerMigrations } from "@kopru/timers";
import { ecmServiceBinding } from "./adapters/grpc/ecm-grpc.js";
import { registerEcmErrorCodes } from "./adapters/grpc/errors.js";
import { referralForCase } from "./adapters/persistence/referrals.js";
import { portsFor, sqlUnitOfWork } from "./adapters/persistence/unit-of-work.js";
import { openCaseForAcceptedReferral } from "./application/open-case-for-referral.js";
import type { EcmDeps } from "./application/ports.js";
import { ecmEnv } from "./config.js";
import { DEFAULT_CURRENCY } from "./domain/index.js";

/** The ECM service's own tables (after the libraries'). */
export const ecmMigrations: MigrationSource = {
  name: "ecm",
  dir: packageMigrationsDir(import.meta.url),
};

export const spec: ServiceSpec<typeof ecmEnv> = {
  name: "ecm",
  envSchema: ecmEnv,
  migrations: [busMigrations, timerMigrations, directoryMigrations, referralMigrations, ecmMigrations],
  layout: NETWORK_LAYOUT,
  async build(context) {
    registerEcmErrorCodes();
    const { config, db, clock, logger, relay, name } = context;
    const organisations = config.HOSTED_ORGANISATIONS;
    const deps: EcmDeps = {
      uow: sqlUnitOfWork(db, name, () => relay.wake()),
      clock,
      approval: {
        thresholdMinor: config.ECM_APPROVAL_THRESHOLD_MINOR,
        currency: DEFAULT_CURRENCY,
        supervisorRoles: config.ECM_SUPERVISOR_ROLES,
      },
    };
    // The referral library stores, acknowledges and moves referrals; accepting one opens (or extends)
    // the person's case in the same transaction.
    const parts = receivingServiceParts(context, {
      organisations,
      onAccepted: (tx, record, acting) =>
        openCaseForAcceptedReferral(portsFor(tx, name), clock, referralForCase(record), {
          actorId: acting.actorId,
        }),
    });
    const cases = ecmServiceBinding({
      deps,
      hostedOrganisations: organisations,
      onInternalError: (error) =>
        logger.error(
          { errorName: (error as Error)?.name, errorCode: (error as { code?: unknown })?.code },
          "ecm call failed unexpectedly",
        ),
    });
    return { grpc: [...parts.grpc, cases], consumers: parts.consumers, workers: parts.workers };
  },
};
