import { busMigrations } from "@kopru/bus";
import { directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import { receivingServiceParts, referralMigrations } from "@kopru/referral";
import type { ServiceSpec } from "@kopru/service-kit";
import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";
import { timerMigrations } from "@kopru/timers";
import { v5 as uuidv5, v7 as uuidv7 } from "uuid";
import { communityCentreBinding } from "./adapters/grpc/community-centre-service.js";
import { centreEvents } from "./adapters/messaging/centre-events.js";
import { activityRepository } from "./adapters/persistence/activities.js";
import { attendanceRepository } from "./adapters/persistence/attendance.js";
import { auditLog } from "./adapters/persistence/audit.js";
import { centreRepository } from "./adapters/persistence/centres.js";
import { enrolmentRepository } from "./adapters/persistence/enrolments.js";
import { receivedReferrals, referralProgress } from "./adapters/persistence/referrals.js";
import { requestLog } from "./adapters/persistence/requests.js";
import type { CentreDeps } from "./application/ports.js";
import { syncCentres } from "./application/sync-centres.js";
import { communityCentreEnv } from "./config.js";

export const SERVICE_NAME = "community-centre";
/** Namespace of the stable (UUID v5) ids of seeded centres and demo activities. */
const SEED_NAMESPACE = "0b5f7f0e-5c1d-4e8a-9f3e-6d2a41c7b9e4";

/** Library tables first (bus, timers, directory replica, referrals), then the community centre's own. */
export const MIGRATIONS: readonly MigrationSource[] = [
  busMigrations,
  timerMigrations,
  directoryMigrations,
  referralMigrations,
  { name: SERVICE_NAME, dir: packageMigrationsDir(import.meta.url) },
];

/**
 * The community-centre service: community centres as tenants. The shared referral library brings the
 * inbox, its consumers and deadline timers; this service adds centres, activities with capacity,
 * enrolments of referred people (which move their referral to in progress, and complete it when the
 * enrolment ends) and attendance.
 */
export const spec: ServiceSpec<typeof communityCentreEnv> = {
  name: SERVICE_NAME,
  envSchema: communityCentreEnv,
  migrations: MIGRATIONS,
  layout: NETWORK_LAYOUT,
  async build(context) {
    const organisations = context.config.HOSTED_ORGANISATIONS;
    const parts = receivingServiceParts(context, { organisations });
    const deps: CentreDeps = {
      db: context.db,
      clock: context.clock,
      centres: centreRepository,
      activities: activityRepository,
      enrolments: enrolmentRepository,
      attendance: attendanceRepository,
      requests: requestLog,
      audit: auditLog,
      referrals: receivedReferrals,
      progress: referralProgress(parts.lifecycle),
      events: centreEvents(context.name),
      afterCommit: () => context.relay.wake(),
      newId: uuidv7,
      stableId: (name) => uuidv5(name, SEED_NAMESPACE),
    };
    await syncCentres(deps, organisations);
    const centres = communityCentreBinding(deps, {
      hostedOrganisations: organisations,
      onInternalError: (error) =>
        context.logger.error(
          {
            errorName: (error as Error | undefined)?.name,
            errorCode: (error as { code?: unknown } | undefined)?.code,
          },
          "community-centre call failed",
        ),
    });
    return { grpc: [...parts.grpc, centres], consumers: parts.consumers, workers: parts.workers };
  },
};
