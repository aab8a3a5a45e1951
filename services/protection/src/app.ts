import { busMigrations } from "@kopru/bus";
import { directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import { receivingServiceParts, referralMigrations } from "@kopru/referral";
import type { ServiceSpec } from "@kopru/service-kit";
import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";
import { timerMigrations } from "@kopru/timers";
import { registerProtectionErrorCodes } from "./adapters/grpc/errors.js";
import { protectionServiceBinding } from "./adapters/grpc/protection-grpc.js";
import { withholdRestrictedSections } from "./adapters/grpc/restricted-package.js";
import { referralForCase } from "./adapters/persistence/referrals.js";
import { portsFor, sqlUnitOfWork } from "./adapters/persistence/unit-of-work.js";
import { openCaseForAcceptedReferral } from "./application/open-case-for-referral.js";
import type { ProtectionDeps } from "./application/ports.js";
import { protectionEnv } from "./config.js";

/** The protection service's own tables (after the libraries'). */
export const protectionMigrations: MigrationSource = {
  name: "protection",
  dir: packageMigrationsDir(import.meta.url),
};

export const spec: ServiceSpec<typeof protectionEnv> = {
  name: "protection",
  envSchema: protectionEnv,
  migrations: [busMigrations, timerMigrations, directoryMigrations, referralMigrations, protectionMigrations],
  layout: NETWORK_LAYOUT,
  async build(context) {
    registerProtectionErrorCodes();
    const { config, db, clock, logger, relay, name } = context;
    const organisations = config.HOSTED_ORGANISATIONS;
    const deps: ProtectionDeps = {
      uow: sqlUnitOfWork(db, name, () => relay.wake()),
      clock,
      policy: { restrictedRoles: config.RESTRICTED_CASE_ROLES },
    };
    // The referral library stores, acknowledges and moves referrals; accepting one opens (or extends)
    // a case in the same transaction.
    const parts = receivingServiceParts(context, {
      organisations,
      onAccepted: (tx, record, acting) =>
        openCaseForAcceptedReferral(portsFor(tx, name), clock, referralForCase(record), {
          actorId: acting.actorId,
        }),
    });
    const cases = protectionServiceBinding({
      deps,
      hostedOrganisations: organisations,
      onInternalError: (error) =>
        logger.error(
          {
            errorName: (error as Error)?.name,
            errorCode: (error as { code?: unknown })?.code,
          },
          "protection call failed unexpectedly",
        ),
    });
    return {
      grpc: [...withholdRestrictedSections(parts.grpc, deps, organisations), cases],
      consumers: parts.consumers,
      workers: parts.workers,
    };
  },
};
