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
import { protectionServiceBinding } from "./adapters/grpc/protection-grpc.js";
import { withholdRestrictedSections } from "./adapters/grpc/restricted-package.js";
import { caseEvents } from "./adapters/messaging/case-events.js";
import { eraseProtectionPerson } from "./adapters/persistence/erasure.js";
import { protectionStore } from "./adapters/persistence/protection-store.js";
import { PROTECTION_RETENTION_CLASSES } from "./adapters/persistence/retention.js";
import { endCaseForReferral } from "./application/end-case-for-referral.js";
import { openCaseForAcceptedReferral } from "./application/open-case-for-referral.js";
import type { ProtectionDeps, Tx } from "./application/ports.js";
import { protectionEnv } from "./config.js";
import { PROTECTION_ERRORS } from "./domain/index.js";

/** The protection service's own tables (after the libraries'). */
export const protectionMigrations: MigrationSource = {
  name: "protection",
  dir: packageMigrationsDir(import.meta.url),
};

/** The ports of one transaction (also used inside the referral library's accepting transaction). */
function portsFor(sql: Sql, service: string, onEvent: () => void = () => {}): Tx {
  return {
    sql,
    store: protectionStore(sql),
    referrals: referralLookup(sql),
    events: caseEvents(sql, service, onEvent),
  };
}

export const spec = receivingServiceSpec({
  name: "protection",
  envSchema: protectionEnv,
  migrations: protectionMigrations,
  errors: PROTECTION_ERRORS,
  async build(context) {
    const { config, db, clock, relay, name } = context;
    const organisations = config.HOSTED_ORGANISATIONS;
    const deps: ProtectionDeps = {
      uow: sqlUnitOfWork(
        db,
        (sql, onEvent) => portsFor(sql, name, onEvent),
        () => relay.wake(),
      ),
      clock,
      policy: { restrictedRoles: config.RESTRICTED_CASE_ROLES },
    };
    return {
      // Destroys what each hosted organisation holds past its retention period (ADR 0026).
      workers: [
        retentionWorker(context, {
          classes: PROTECTION_RETENTION_CLASSES,
          organisations: context.config.HOSTED_ORGANISATIONS,
        }),
      ],
      grpc: [protectionServiceBinding({ deps, hostedOrganisations: organisations })],
      inbox: (bindings) => withholdRestrictedSections(bindings, deps, organisations),
      // Accepting a referral opens (or extends) a case in the same transaction.
      // A (re)assigned referral takes its open case to the same caseworker.
      onAssigned: async (tx, record, assignment, acting) => {
        await reassignCasesServing(
          tx,
          { cases: "protection_cases", referrals: "protection_case_referrals" },
          { organisationId: record.targetOrganisationId, assignment, acting, at: clock.now() },
        );
      },
      onAccepted: (tx, record, acting) =>
        openCaseForAcceptedReferral(
          portsFor(tx, name),
          clock,
          referralForCase(record),
          callerOfActing(record.targetOrganisationId, acting),
        ),
      // A referral it accepted ended late: its case closes with the reason, or records the end.
      onReferralEnded: (tx, ended) => endCaseForReferral(portsFor(tx, name), ended),
      // A network-wide erasure reached one of its organisations: its own tables for the person (ADR 0023).
      erasePerson: eraseProtectionPerson,
    };
  },
});
