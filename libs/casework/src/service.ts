import { fileURLToPath } from "node:url";
import { busMigrations, type EventConsumer } from "@kopru/bus";
import { exitOnConfigError, loadConfig } from "@kopru/config";
import type { ReferralAssignment } from "@kopru/contracts/referral/v1/referral";
import { directoryMigrations } from "@kopru/directory";
import { NETWORK_LAYOUT } from "@kopru/events";
import {
  type Acting,
  type ErasePersonHook,
  REFERRAL_ERRORS,
  type ReceivingParts,
  type ReferralRecord,
  receivingServiceParts,
  referralMigrations,
  StaffDirectoryMissingError,
  type StaffDirectoryPort,
} from "@kopru/referral";
import { retentionMigrations } from "@kopru/retention";
import { type SealingConfig, sealingMigrations, sealingPolicyOf } from "@kopru/sealing";
import {
  auditLogBinding,
  ErrorCatalogue,
  type ErrorDeclarations,
  type GrpcServiceBinding,
  type ServiceConfig,
  type ServiceContext,
  type ServiceSpec,
  type Worker,
} from "@kopru/service-kit";
import { type MigrationSource, migrate, openDatabase, type Sql } from "@kopru/storage";
import { timerMigrations } from "@kopru/timers";
import type { z } from "zod";
import { CASEWORK_ERRORS } from "./errors.js";
import { type FollowUpConfig, followUpPolicyOf } from "./follow-up-config.js";
import { publishReferralClosedNotices, type ReferralEndedHandler } from "./late-end.js";
import { identityStaffDirectory, type StaffDirectoryConfig } from "./staff-directory.js";

/** The casework tables (request ids, audit log). */
export const caseworkMigrations: MigrationSource = {
  name: "casework",
  dir: fileURLToPath(new URL("../migrations", import.meta.url)),
};

/** Library tables first (bus, timers, directory replica, referrals, casework), then the service's own. */
export function receivingMigrations(own: MigrationSource): MigrationSource[] {
  return [
    busMigrations,
    timerMigrations,
    directoryMigrations,
    sealingMigrations,
    referralMigrations,
    caseworkMigrations,
    own,
    retentionMigrations,
  ];
}

/** A receiving service's error catalogue: the referral library's, casework's and its own errors. */
export function receivingErrorCatalogue(own: ErrorDeclarations): ErrorCatalogue {
  return new ErrorCatalogue(REFERRAL_ERRORS, CASEWORK_ERRORS, own);
}

/** The service's own domain, built on what the referral library and casework bring. */
export interface ReceivingDomain {
  grpc: GrpcServiceBinding[];
  consumers?: EventConsumer[];
  workers?: Worker[];
  /** Runs inside the transaction that accepts a referral (typically `openOrJoinCase`). */
  onAccepted?: (tx: Sql, record: ReferralRecord, acting: Acting) => Promise<void>;
  /**
   * Runs inside the transaction that ends a referral the organisation had accepted, by a late
   * cancellation, consent withdrawal or consent expiry: close or suspend what `onAccepted` (or staff)
   * opened for it, with the reason, and say what was done. Casework then tells whoever holds it
   * (StaffNotice REFERRAL_CLOSED); the referrer learns it from the referral's status event.
   */
  onReferralEnded?: ReferralEndedHandler;
  /**
   * Erases one person's data from the service's own tables when a network-wide erasure request
   * reaches one of its organisations (ADR 0023), after the open referrals ended through
   * `onReferralEnded` and before the referral copies are anonymised, in the same transaction.
   */
  erasePerson?: ErasePersonHook;
  /** Replaces the referral inbox's bindings, e.g. to withhold restricted sections. */
  inbox?: (bindings: GrpcServiceBinding[]) => GrpcServiceBinding[];
  /** The colleague check of AssignReferral (identity's staff directory); without it, assignment is refused. */
  staffDirectory?: StaffDirectoryPort;
  /**
   * Runs inside the transaction that (re)assigns a referral, after it: typically `reassignCasesServing`,
   * so the case serving the referral follows it to the new assignee.
   */
  onAssigned?: (
    tx: Sql,
    record: ReferralRecord,
    assignment: ReferralAssignment,
    acting: Acting,
  ) => Promise<void>;
}

export interface ReceivingServiceDefinition<S extends z.ZodObject> {
  name: string;
  envSchema: S;
  /** The service's own migrations (after the libraries'). */
  migrations: MigrationSource;
  /** The service's own errors. */
  errors: ErrorDeclarations;
  /**
   * False for services whose organisations never hold GBV or child-protection data (municipalities,
   * community centres): those sections are dropped from received packages. Default true.
   */
  acceptsRestrictedData?: boolean;
  build(
    context: ServiceContext<z.output<S> & ReceivingConfig>,
    receiving: ReceivingParts,
  ): Promise<ReceivingDomain>;
}

export type ReceivingConfig = ServiceConfig & { HOSTED_ORGANISATIONS: string[] };

export interface ReceivingSpecOptions<S extends z.ZodObject> {
  /**
   * The colleague check of AssignReferral, when the service's own domain gives none; in a test, a
   * small in-memory port. Default: identity's staff directory (`identityStaffDirectory`: `StaffDirectory.find`
   * of `@kopru/identity-client` at STAFF_DIRECTORY_URL or AUTH_ISSUER, with the service's own client
   * credentials), or none when the service has no client of its own.
   */
  staffDirectory?: (context: ServiceContext<z.output<S> & ReceivingConfig>) => StaffDirectoryPort;
}

/** A receiving service's spec; `withStaffDirectory` gives the same service another colleague check. */
export type ReceivingServiceSpec<S extends z.ZodObject> = ServiceSpec<S, z.output<S> & ReceivingConfig> & {
  withStaffDirectory(staffDirectory: StaffDirectoryPort): ReceivingServiceSpec<S>;
};

/**
 * The spec of a service that receives referrals (protection, ECM, community centres, municipalities):
 * per hosted organisation the referral inbox, its consumers and deadline timers; the casework tables and
 * errors; then the service's own domain, whose `onAccepted` joins the accepting transaction.
 */
export function receivingServiceSpec<S extends z.ZodObject>(
  definition: ReceivingServiceDefinition<S>,
  options: ReceivingSpecOptions<S> = {},
): ReceivingServiceSpec<S> {
  return {
    withStaffDirectory: (staffDirectory) =>
      receivingServiceSpec(definition, { ...options, staffDirectory: () => staffDirectory }),
    name: definition.name,
    envSchema: definition.envSchema,
    migrations: receivingMigrations(definition.migrations),
    layout: NETWORK_LAYOUT,
    errors: receivingErrorCatalogue(definition.errors),
    async build(context) {
      let domain: ReceivingDomain | undefined;
      const fromOptions = options.staffDirectory
        ? options.staffDirectory(context)
        : identityStaffDirectory({
            ...context,
            config: context.config as ReceivingConfig & StaffDirectoryConfig,
          });
      const receiving = receivingServiceParts(context, {
        organisations: context.config.HOSTED_ORGANISATIONS,
        acceptsRestrictedData: definition.acceptsRestrictedData,
        onAccepted: async (tx, record, acting) => {
          await domain?.onAccepted?.(tx, record, acting);
        },
        followUp: followUpPolicyOf(context.config as FollowUpConfig),
        sealingPolicy: sealingPolicyOf(context.config as SealingConfig),
        staffDirectory: (organisationId, actorId) => {
          const directory = domain?.staffDirectory ?? fromOptions;
          if (!directory) throw new StaffDirectoryMissingError();
          return directory(organisationId, actorId);
        },
        onAssigned: async (tx, record, assignment, acting) => {
          await domain?.onAssigned?.(tx, record, assignment, acting);
        },
        erasePerson: async (tx, erasure) =>
          (await domain?.erasePerson?.(tx, erasure)) ?? { erasedRecords: 0, retainedUnderLegalHold: false },
        onEndedAfterAcceptance: async (tx, ended) => {
          const work = (await domain?.onReferralEnded?.(tx, ended)) ?? [];
          await publishReferralClosedNotices(tx, definition.name, ended, work);
        },
      });
      domain = await definition.build(context, receiving);
      const inbox = domain.inbox ? domain.inbox(receiving.grpc) : receiving.grpc;
      return {
        grpc: [
          ...inbox,
          ...domain.grpc,
          auditLogBinding({ db: context.db, hostedOrganisations: () => context.config.HOSTED_ORGANISATIONS }),
        ],
        consumers: [...receiving.consumers, ...(domain.consumers ?? [])],
        workers: [...receiving.workers, ...(domain.workers ?? [])],
        sealing: receiving.sealing,
      };
    },
  };
}

/** Entry point for `src/migrate.ts`: applies the service's migrations (libraries' first) and exits. */
export async function migrateService<S extends z.ZodObject>(
  spec: Pick<ServiceSpec<S>, "name" | "envSchema" | "migrations">,
): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(spec.envSchema)) as ServiceConfig;
  const db = await openDatabase({ service: spec.name, url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    const applied = await migrate(db, spec.migrations);
    console.log(`[${spec.name}] ${applied.length} migration(s) applied on ${db.location}`);
  } finally {
    await db.close();
  }
}
