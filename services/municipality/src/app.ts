import {
  auditLog,
  reassignCasesServing,
  receivedReferrals,
  receivingServiceSpec,
  requestLog,
} from "@kopru/casework";
import { retentionWorker } from "@kopru/retention";
import { packageMigrationsDir } from "@kopru/storage";
import { v7 as uuidv7 } from "uuid";
import { municipalityBinding } from "./adapters/grpc/municipality-service.js";
import { caseEvents } from "./adapters/messaging/case-events.js";
import { assistanceRepository } from "./adapters/persistence/assistance.js";
import { caseRepository } from "./adapters/persistence/cases.js";
import { centreRepository } from "./adapters/persistence/centres.js";
import { eraseMunicipalityPerson } from "./adapters/persistence/erasure.js";
import { MUNICIPALITY_RETENTION_CLASSES } from "./adapters/persistence/retention.js";
import { sessionRepository } from "./adapters/persistence/sessions.js";
import { caseForAcceptedReferralUseCase } from "./application/case-for-accepted-referral.js";
import { endCaseForReferral } from "./application/end-case-for-referral.js";
import type { MunicipalityDeps } from "./application/ports.js";
import { syncCentres } from "./application/sync-centres.js";
import { municipalityEnv } from "./config.js";
import { MUNICIPALITY_ERRORS } from "./domain/index.js";

/**
 * The municipality service: the six MMCCs as tenants. The referral library and casework bring the
 * inbox, its consumers and deadline timers, request ids and the audit log; this service adds cases
 * (opened or joined when a referral is accepted, in the same transaction), counselling sessions and
 * direct assistance.
 */
export const spec = receivingServiceSpec({
  name: "municipality",
  envSchema: municipalityEnv,
  migrations: { name: "municipality", dir: packageMigrationsDir(import.meta.url) },
  errors: MUNICIPALITY_ERRORS,
  // GBV and child-protection data never reach a municipality or community centre (ADR 0014).
  acceptsRestrictedData: false,
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
    return {
      // Destroys what each hosted organisation holds past its retention period (ADR 0026).
      workers: [
        retentionWorker(context, {
          classes: MUNICIPALITY_RETENTION_CLASSES,
          organisations: context.config.HOSTED_ORGANISATIONS,
        }),
      ],
      grpc: [municipalityBinding(deps, { hostedOrganisations: organisations })],
      // A (re)assigned referral takes its open case to the same caseworker.
      onAssigned: async (tx, record, assignment, acting) => {
        await reassignCasesServing(
          tx,
          { cases: "municipality_cases", referrals: "municipality_case_referrals" },
          { organisationId: record.targetOrganisationId, assignment, acting, at: context.clock.now() },
        );
      },
      async onAccepted(tx, record, acting) {
        await caseForAcceptedReferralUseCase(deps, tx, record, acting);
      },
      // A referral it accepted ended late: its case closes with the reason, or records the end.
      onReferralEnded: (tx, ended) => endCaseForReferral(deps, tx, ended),
      // A network-wide erasure reached one of its organisations: its own tables for the person (ADR 0023).
      erasePerson: eraseMunicipalityPerson,
    };
  },
});
