import {
  callerOfActing,
  reassignCasesServing,
  receivingServiceSpec,
  referralForCase,
  referralLookup,
  sqlUnitOfWork,
} from "@kopru/casework";
import { retentionWorker } from "@kopru/retention";
import { type MigrationSource, packageMigrationsDir, type Sql } from "@kopru/storage";
import { ecmServiceBinding } from "./adapters/grpc/ecm-grpc.js";
import { caseEvents } from "./adapters/messaging/case-events.js";
import { ecmStore } from "./adapters/persistence/ecm-store.js";
import { eraseEcmPerson } from "./adapters/persistence/erasure.js";
import { ECM_RETENTION_CLASSES } from "./adapters/persistence/retention.js";
import { endCaseForReferral } from "./application/end-case-for-referral.js";
import { openCaseForAcceptedReferral } from "./application/open-case-for-referral.js";
import type { EcmDeps, Tx } from "./application/ports.js";
import { ecmEnv } from "./config.js";
import { ECM_ERRORS } from "./domain/index.js";

/** The ports of one transaction (also used inside the referral library's accepting transaction). */
function portsFor(sql: Sql, service: string, onEvent: () => void = () => {}): Tx {
  return {
    sql,
    store: ecmStore(sql),
    referrals: referralLookup(sql),
    events: caseEvents(sql, service, onEvent),
  };
}

/** The ECM service's own tables (after the libraries'). */
export const ecmMigrations: MigrationSource = {
  name: "ecm",
  dir: packageMigrationsDir(import.meta.url),
};

export const spec = receivingServiceSpec({
  name: "ecm",
  envSchema: ecmEnv,
  migrations: ecmMigrations,
  errors: ECM_ERRORS,
  async build(context) {
    const { config, db, clock, relay, name } = context;
    const deps: EcmDeps = {
      uow: sqlUnitOfWork(
        db,
        (sql, onEvent) => portsFor(sql, name, onEvent),
        () => relay.wake(),
      ),
      clock,
      approval: { approverRoles: config.ECM_APPROVER_ROLES },
    };
    return {
      // Destroys what each hosted organisation holds past its retention period (ADR 0026).
      workers: [
        retentionWorker(context, {
          classes: ECM_RETENTION_CLASSES,
          organisations: context.config.HOSTED_ORGANISATIONS,
        }),
      ],
      grpc: [ecmServiceBinding({ deps, hostedOrganisations: config.HOSTED_ORGANISATIONS })],
      // Accepting a referral opens (or extends) the person's case in the same transaction.
      // A (re)assigned referral takes its open case to the same caseworker.
      onAssigned: async (tx, record, assignment, acting) => {
        await reassignCasesServing(
          tx,
          { cases: "ecm_cases", referrals: "ecm_case_referrals" },
          { organisationId: record.targetOrganisationId, assignment, acting, at: clock.now() },
        );
      },
      onAccepted: (tx, record, acting) =>
        openCaseForAcceptedReferral(
          portsFor(tx, name),
          referralForCase(record),
          callerOfActing(record.targetOrganisationId, acting),
          clock.now(),
        ),
      // A referral it accepted ended late: its case closes (pending assistance cancelled) or records it.
      onReferralEnded: (tx, ended) => endCaseForReferral(portsFor(tx, name), ended),
      // A network-wide erasure reached one of its organisations: its own tables for the person (ADR 0023).
      erasePerson: eraseEcmPerson,
    };
  },
});
