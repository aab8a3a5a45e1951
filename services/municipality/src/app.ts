import { busMigrations } from "@kopru/bus";
import { directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import { receivingServiceParts, referralMigrations } from "@kopru/referral";
import type { ServiceSpec } from "@kopru/service-kit";
import { type MigrationSource, packageMigrationsDir } from "@kopru/storage";
import { timerMigrations } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { municipalityBinding } from "./adapters/grpc/municipality-service.js";
import { caseEvents } from "./adapters/messaging/case-events.js";
import { assistanceRepository } from "./adapters/persistence/assistance.js";
import { auditLog } from "./adapters/persistence/audit.js";
import { caseRepository } from "./adapters/persistence/cases.js";
import { centreRepository } from "./adapters/persistence/centres.js";
import { receivedReferrals } from "./adapters/persistence/referrals.js";
import { requestLog } from "./adapters/persistence/requests.js";
import { sessionRepository } from "./adapters/persistence/sessions.js";
import { caseForAcceptedReferralUseCase } from "./application/case-for-accepted-referral.js";
import type { MunicipalityDeps } from "./application/ports.js";
import { syncCentres } from "./application/sync-centres.js";
import { municipalityEnv } from "./config.js";

export const SERVICE_NAME = "municipality";

/** Library tables first (bus, timers, directory replica, referrals), then the municipality's own. */
export const MIGRATIONS: readonly MigrationSource[] = [
  busMigrations,
  timerMigrations,
  directoryMigrations,
  referralMigrations,
  { name: SERVICE_NAME, dir: packageMigrationsDir(import.meta.url) },
];

/**
 * The municipality service: the six MMCCs as tenants. The shared referral library brings the inbox,
 * its consumers and deadline timers; this service adds cases (opened when a referral is accepted, in
 * the same transaction), counselling sessions and direct assistance.
 */
export const spec: ServiceSpec<typeof municipalityEnv> = {
  name: SERVICE_NAME,
  envSchema: municipalityEnv,
  migrations: MIGRATIONS,
  layout: NETWORK_LAYOUT,
  async build(context) {
    const organisations = context.config.HOSTED_ORGANISATIONS;
    const deps: MunicipalityDeps = {
      db: context.db,
      clock: context.clock,
      cases: caseRepository,
      sessions: sessionRepository,
      assistance: assistanceRepository,
      centres: centreRepository,
      requests: requestLog,
      audit: auditLog,
      referrals: receivedReferrals,
      events: caseEvents(context.name),
      afterCommit: () => context.relay.wake(),
      newId: uuidv7,
    };
    await syncCentres(deps, organisations);
    const parts = receivingServiceParts(context, {
      organisations,
      async onAccepted(tx, record, acting) {
        await caseForAcceptedReferralUseCase(deps, tx, record, acting);
      },
    });
    const municipality = municipalityBinding(deps, {
      hostedOrganisations: organisations,
      onInternalError: (error) =>
        context.logger.error(
          {
            errorName: (error as Error | undefined)?.name,
            errorCode: (error as { code?: unknown } | undefined)?.code,
          },
          "municipality call failed",
        ),
    });
    return { grpc: [...parts.grpc, municipality], consumers: parts.consumers, workers: parts.workers };
  },
};
