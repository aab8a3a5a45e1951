import { auditLog, receivedReferrals, receivingServiceSpec, requestLog } from "@kopru/casework";
import { retentionWorker } from "@kopru/retention";
import { packageMigrationsDir } from "@kopru/storage";
import { v5 as uuidv5, v7 as uuidv7 } from "uuid";
import { communityCentreBinding } from "./adapters/grpc/community-centre-service.js";
import { centreEvents } from "./adapters/messaging/centre-events.js";
import { activityRepository } from "./adapters/persistence/activities.js";
import { attendanceRepository } from "./adapters/persistence/attendance.js";
import { centreRepository } from "./adapters/persistence/centres.js";
import { enrolmentRepository } from "./adapters/persistence/enrolments.js";
import { eraseCommunityCentrePerson } from "./adapters/persistence/erasure.js";
import { referralProgress } from "./adapters/persistence/referrals.js";
import { COMMUNITY_CENTRE_RETENTION_CLASSES } from "./adapters/persistence/retention.js";
import type { CentreDeps } from "./application/ports.js";
import { syncCentres } from "./application/sync-centres.js";
import { withdrawEnrolmentForReferral } from "./application/withdraw-enrolment.js";
import { communityCentreEnv } from "./config.js";
import { COMMUNITY_CENTRE_ERRORS } from "./domain/index.js";

/** Namespace of the stable (UUID v5) ids of seeded centres and demo activities. */
const SEED_NAMESPACE = "0b5f7f0e-5c1d-4e8a-9f3e-6d2a41c7b9e4";

/**
 * The community-centre service: community centres as tenants. The referral library and casework bring
 * the inbox, its consumers and deadline timers, request ids and the audit log; this service adds
 * centres, activities with capacity, enrolments of referred people (which move their referral to in
 * progress, and complete it when the enrolment ends) and attendance.
 */
export const spec = receivingServiceSpec({
  name: "community-centre",
  envSchema: communityCentreEnv,
  migrations: { name: "community-centre", dir: packageMigrationsDir(import.meta.url) },
  errors: COMMUNITY_CENTRE_ERRORS,
  // GBV and child-protection data never reach a municipality or community centre (ADR 0014).
  acceptsRestrictedData: false,
  async build(context, receiving) {
    const organisations = context.config.HOSTED_ORGANISATIONS;
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
      progress: referralProgress(receiving.lifecycle),
      events: centreEvents(context.name),
      afterCommit: () => context.relay.wake(),
      newId: uuidv7,
      stableId: (name) => uuidv5(name, SEED_NAMESPACE),
    };
    await syncCentres(deps, organisations);
    return {
      // Destroys what each hosted organisation holds past its retention period (ADR 0026).
      workers: [
        retentionWorker(context, {
          classes: COMMUNITY_CENTRE_RETENTION_CLASSES,
          organisations: context.config.HOSTED_ORGANISATIONS,
        }),
      ],
      grpc: [communityCentreBinding(deps, { hostedOrganisations: organisations })],
      // A referral it accepted ended late: the person's seat is withdrawn and freed.
      onReferralEnded: (tx, ended) => withdrawEnrolmentForReferral(deps, tx, ended),
      // A network-wide erasure reached one of its organisations: its own tables for the person (ADR 0023).
      erasePerson: eraseCommunityCentrePerson,
    };
  },
});
