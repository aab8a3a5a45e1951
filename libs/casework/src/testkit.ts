import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  CancelReason,
  type DataCategory,
  type PartnerKind,
  type Priority,
  type Purpose,
  ReferralOrigin,
  ReferralStatus,
  type ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { StaffNotice } from "@kopru/contracts/notification/v1/events";
import {
  type GetReferralResponse,
  ReferralInboxServiceClient,
} from "@kopru/contracts/referral/v1/inbox_service";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import { presentDataCategories } from "@kopru/referral";
import {
  Api as CallerApi,
  call,
  deleteConsumersOf,
  eventsOn,
  publishAs,
  publishReferral,
  type Referrer,
  startReferrer,
  startTestService,
  type TestAuth,
  type TestService,
  tempDataDir,
} from "@kopru/referral/testkit";
import {
  type ClientCaller,
  channelCredentials,
  type RunningService,
  type ServiceConfig,
  type ServiceSpec,
  serviceAudience,
  startService,
} from "@kopru/service-kit";
import {
  connectNats,
  createTestDatabase,
  type NatsTestConnection,
  startTestIssuer,
  type TestDatabase,
  type TestIssuer,
  waitFor,
} from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
import type { z } from "zod";

// Test support for the receiving services (`@kopru/casework/testkit`; never imported by service code).

type ApiClient = Parameters<typeof call>[0];

/**
 * One receiving service under test (`startTestService` of `@kopru/referral/testkit`: its own database,
 * the real NATS), with two clients: the shared referral inbox's and the service's own API (`Api`).
 * A test file calls `start` in its beforeAll and `stop` in its afterAll; `service`, `inbox`
 * and `api` exist once started. `inboxCall` / `apiCall` call a method of either as `caller`, `receive`
 * delivers a package (see `deliverReferral`).
 */
export function receivingTestService<S extends z.ZodObject, C extends ServiceConfig, Api extends ApiClient>(
  spec: ServiceSpec<S, C>,
  Api: new (address: string, credentials: ReturnType<typeof channelCredentials>) => Api,
  options: { runName: string; hostedOrganisations: readonly string[]; embedded?: boolean },
) {
  type Run = TestService<C>;
  let running: { service: Run; inbox: ReferralInboxServiceClient; api: Api } | undefined;
  const started = () => {
    if (!running) throw new Error("the service under test is not started (call start in beforeAll)");
    return running;
  };
  return {
    get service(): Run {
      return started().service;
    },
    get inbox(): ReferralInboxServiceClient {
      return started().inbox;
    },
    get api(): Api {
      return started().api;
    },
    /** The issuer the service trusts, to mint a token for any caller a test plays. */
    get issuer(): TestIssuer {
      return started().service.issuer;
    },
    start: async (): Promise<void> => {
      const service = await startTestService(
        spec,
        options.runName,
        { HOSTED_ORGANISATIONS: options.hostedOrganisations.join(",") },
        { embedded: options.embedded },
      );
      running = {
        service,
        inbox: new ReferralInboxServiceClient(service.address, channelCredentials("plaintext")),
        api: new Api(service.address, channelCredentials("plaintext")),
      };
    },
    stop: async (): Promise<void> => {
      running?.inbox.close();
      running?.api.close();
      await running?.service.stop();
      running = undefined;
    },
    inboxCall: <Res>(method: keyof ReferralInboxServiceClient, request: unknown, caller: ClientCaller) => {
      const { inbox, service } = started();
      return call<unknown, Res>(inbox, inbox[method] as never, request, caller, service.auth);
    },
    apiCall: <Res>(method: keyof Api, request: unknown, caller: ClientCaller) => {
      const { api, service } = started();
      return call<unknown, Res>(api, api[method] as never, request, caller, service.auth);
    },
    receive: (pkg: ReferralPackage, caller: ClientCaller, timeoutMs?: number): Promise<string> => {
      const { service, inbox } = started();
      return deliverReferral(service, inbox, pkg, caller, timeoutMs);
    },
  };
}

/**
 * A receiving service as the network drives it, for one test file: the real NATS, a fresh PostgreSQL
 * database of its own, a referring partner sending over the real bus (`startReferrer`) and the
 * service hosting `hostedOrganisations`. `inbox` and `api` call as `caller` (`.as(other)` for anyone
 * else). `start` in beforeAll, `stop` in afterAll (the run's consumers, named with `runId`, are
 * deleted); `restart` starts the service again on the same database and data directory.
 */
export function networkTestRun<S extends z.ZodObject, C extends ServiceConfig, Client extends ApiClient>(
  spec: ServiceSpec<S, C>,
  ApiClient: new (address: string, credentials: ReturnType<typeof channelCredentials>) => Client,
  options: {
    databasePrefix: string;
    hostedOrganisations: readonly string[];
    referrer: string;
    runId: string;
    caller: ClientCaller;
  },
) {
  const dataDir = tempDataDir();
  let nats: NatsTestConnection | undefined;
  let database: TestDatabase | undefined;
  let referrer: Referrer | undefined;
  let issuer: TestIssuer | undefined;
  const audience = serviceAudience(spec.name);
  let running:
    | { service: RunningService<C>; inbox: CallerApi<ReferralInboxServiceClient>; api: CallerApi<Client> }
    | undefined;
  const must = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the test run is not started (call start in beforeAll)");
    return value;
  };
  async function startServing(): Promise<void> {
    const service = await startService(spec, {
      DATABASE_URL: must(database).url,
      NATS_URL: must(nats).url,
      GRPC_HOST: "127.0.0.1",
      GRPC_PORT: "0",
      DATA_DIR: dataDir.dir,
      LOG_LEVEL: "warn",
      HOSTED_ORGANISATIONS: options.hostedOrganisations.join(","),
      ...must(issuer).serviceEnv(),
      AUTH_AUDIENCE: audience,
    });
    const address = service.grpc.address;
    const plaintext = channelCredentials("plaintext");
    const auth = { audience, tokens: must(issuer).tokens };
    running = {
      service,
      inbox: new CallerApi(new ReferralInboxServiceClient(address, plaintext), options.caller, auth),
      api: new CallerApi(new ApiClient(address, plaintext), options.caller, auth),
    };
  }
  async function stopServing(): Promise<void> {
    running?.inbox.client.close();
    running?.api.client.close();
    await running?.service.stop();
    running = undefined;
  }
  return {
    get nats(): NatsTestConnection {
      return must(nats);
    },
    get database(): TestDatabase {
      return must(database);
    },
    get referrer(): Referrer {
      return must(referrer);
    },
    /** The issuer the service trusts, to mint a token for any caller a test plays. */
    get issuer(): TestIssuer {
      return must(issuer);
    },
    get service(): RunningService<C> {
      return must(running).service;
    },
    get inbox(): CallerApi<ReferralInboxServiceClient> {
      return must(running).inbox;
    },
    get api(): CallerApi<Client> {
      return must(running).api;
    },
    start: async (): Promise<void> => {
      issuer = await startTestIssuer();
      nats = await connectNats();
      database = await createTestDatabase({ prefix: options.databasePrefix });
      await startServing();
      referrer = await startReferrer(nats, options.referrer);
    },
    restart: async (): Promise<void> => {
      await stopServing();
      await startServing();
    },
    stop: async (): Promise<void> => {
      await stopServing();
      await referrer?.close();
      if (nats) {
        await deleteConsumersOf(nats, options.runId);
        await nats.close();
      }
      await database?.drop();
      await issuer?.close();
      dataDir.remove();
    },
  };
}

/**
 * Sends the package to the service over JetStream, as a referrer's outbox would, and waits until the
 * service's inbox shows it RECEIVED to `caller`. Returns the referral id.
 */
export async function deliverReferral(
  service: { nats: NatsTestConnection; auth: TestAuth },
  inbox: ReferralInboxServiceClient,
  pkg: ReferralPackage,
  caller: ClientCaller,
  timeoutMs = 15_000,
): Promise<string> {
  await publishReferral(service.nats, pkg);
  await waitFor(
    async () =>
      (
        await call<unknown, GetReferralResponse>(
          inbox,
          inbox.getReferral,
          { referralId: pkg.referralId },
          caller,
          service.auth,
        )
      ).referral?.status === ReferralStatus.REFERRAL_STATUS_RECEIVED,
    { timeoutMs, message: "the referral never reached RECEIVED" },
  );
  return pkg.referralId;
}

const YEAR = 365 * 86_400_000;

type PackageFields = Parameters<typeof ReferralPackage.fromPartial>[0];

/**
 * A consented, direct referral package from `from` to `to` (synthetic person), requested now by a staff
 * member of the referrer, with a consent for a year covering what `consent` says; the shared categories
 * are the sections present. `person` holds the person's sections, `extra` overrides anything.
 */
export function consentedTestPackage(
  input: {
    from: string;
    to: string;
    serviceType: ServiceType;
    referrerName: string;
    requestedBy: string;
    priority: Priority;
    purpose: Purpose;
    consent: { organisationIds: string[]; partnerKinds: PartnerKind[]; dataCategories: DataCategory[] };
    reasonForReferral: string;
    person: PackageFields;
  },
  extra: PackageFields = {},
): ReferralPackage {
  const referralId = uuidv7();
  const pkg = ReferralPackage.fromPartial({
    referralId,
    rootReferralId: referralId,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: `ben-${uuidv7()}`,
    referrer: { organisationId: input.from, displayName: input.referrerName },
    target: { organisationId: input.to },
    serviceType: input.serviceType,
    priority: input.priority,
    purpose: input.purpose,
    consentId: uuidv7(),
    consentExpiresAt: new Date(Date.now() + YEAR),
    consentScope: { ...input.consent, purposes: [input.purpose] },
    requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: input.from, actorId: input.requestedBy },
    requestedAt: new Date(),
    reasonForReferral: input.reasonForReferral,
    ...input.person,
    ...extra,
  });
  return { ...pkg, sharedDataCategories: presentDataCategories(pkg) };
}

type PackageDefaults = Omit<Parameters<typeof consentedTestPackage>[0], "from" | "to" | "serviceType">;

/**
 * A service's maker of test packages: `consentedTestPackage` with the service's usual referrer,
 * consent and person (`defaults`, or the defaults for a route when they name its ends), for a referral
 * from `from` to `to`; anything else given replaces the defaults' part.
 */
export function testPackages(
  defaults: PackageDefaults | ((route: { from: string; to: string }) => PackageDefaults),
) {
  return (input: { from: string; to: string; serviceType: ServiceType } & PackageFields): ReferralPackage => {
    const { from, to, serviceType, ...extra } = input;
    const usual = typeof defaults === "function" ? defaults({ from, to }) : defaults;
    return consentedTestPackage({ from, to, serviceType, ...usual }, extra);
  };
}

/**
 * What a referring partner holds before it sends (its `source`, cut by the referral library on the
 * way): a direct referral from `from` to `to` under the given consent, with every section of the
 * person in `person`, restricted ones included.
 */
export function sourceTestPackage(
  input: {
    from: string;
    to: string;
    serviceType: ServiceType;
    priority: Priority;
    purpose: Purpose;
    consent: { consentId: string; scope: PackageFields["consentScope"]; expiresAt: Date };
    beneficiaryRef?: string;
  },
  person: PackageFields,
): ReferralPackage {
  const referralId = uuidv7();
  return ReferralPackage.fromPartial({
    referralId,
    rootReferralId: referralId,
    origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
    beneficiaryRef: input.beneficiaryRef ?? uuidv7(),
    referrer: { organisationId: input.from },
    target: { organisationId: input.to },
    serviceType: input.serviceType,
    priority: input.priority,
    purpose: input.purpose,
    consentId: input.consent.consentId,
    consentScope: input.consent.scope,
    consentExpiresAt: input.consent.expiresAt,
    ...person,
  });
}

/** The referrer asks the target to cancel an accepted referral (as intake's outbox would). */
export function publishCancellation(
  nats: NatsTestConnection,
  input: { referralId: string; referrer: string; target: string; reason?: CancelReason },
): Promise<void> {
  return publishAs(
    nats,
    EVENTS.referralCancelled,
    {
      referralId: input.referralId,
      rootReferralId: input.referralId,
      referrerOrganisationId: input.referrer,
      targetOrganisationId: input.target,
      reason: input.reason ?? CancelReason.CANCEL_REASON_NEED_RESOLVED,
      cancelledAt: new Date(),
    },
    { organisationId: input.referrer, service: "intake" },
    { type: "referral", id: input.referralId, sequence: 3 },
  );
}

/** Intake tells a holder that the person withdrew the consent a package was shared under. */
export function publishConsentWithdrawal(
  nats: NatsTestConnection,
  input: { consentId: string; beneficiaryRef: string; holder: string; referralIds: string[]; from: string },
): Promise<void> {
  return publishAs(
    nats,
    EVENTS.consentWithdrawn,
    {
      consentId: input.consentId,
      beneficiaryRef: input.beneficiaryRef,
      organisationIds: [input.holder],
      referralIds: input.referralIds,
      reason: 1,
      policy: 0,
      continuingBasis: 0,
      referrerOrganisationId: input.from,
      withdrawnAt: new Date(),
    },
    { organisationId: input.from, service: "intake" },
    { type: "consent", id: input.consentId, sequence: 2 },
  );
}

/** The staff notices published for an organisation so far, once `until` holds for them. */
export async function noticesFor(
  nats: NatsTestConnection,
  organisationId: string,
  until: (notices: StaffNotice[]) => boolean,
): Promise<StaffNotice[]> {
  const events = await eventsOn(
    nats,
    STREAMS.notice.name,
    SUBJECTS.noticeFor(organisationId),
    StaffNotice,
    (found) => until(found.map((e) => e.payload)),
  );
  return events.map((e) => e.payload);
}
