import { setTimeout as sleep } from "node:timers/promises";
import { type ChannelCredentials, type Client, status } from "@grpc/grpc-js";
import {
  type Api,
  GrpcApi,
  GrpcCallError,
  isReceivingService,
  type ReceivingService,
  type ServiceName,
  serviceForOrganisation,
} from "@kopru/cli";
import { OnHoldReason, Purpose, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { CommunityCentreServiceClient } from "@kopru/contracts/communitycentre/v1/communitycentre_service";
import { CoordinationServiceClient } from "@kopru/contracts/coordination/v1/coordination_service";
import { IntakeServiceClient } from "@kopru/contracts/intake/v1/intake_service";
import {
  ContactAttemptMethod,
  ContactAttemptResult,
  ReferralInboxServiceClient,
} from "@kopru/contracts/referral/v1/inbox_service";
import type { Referral } from "@kopru/contracts/referral/v1/referral";
import type { TokenSource } from "@kopru/service-kit";
import { v5 as uuidv5 } from "uuid";
import { demoStaffId, demoUsername } from "./identities.js";
import {
  DEMO_NAMESPACE,
  OFFERINGS,
  ORGANISATIONS,
  offeringMessage,
  organisationKind,
  organisationMessage,
  province,
} from "./network.js";
import {
  courseFor,
  ENDED_AS,
  isCommunityCentre,
  KeyedMutex,
  SMALL_COURSES,
  shrinkCourses,
} from "./seed-courses.js";
import { type PlannedReferral, type Step, statusAfter } from "./seed-plan.js";
import {
  nextDay,
  offsetOfDay,
  SEED_DAYS,
  SeedTimeline,
  setNetworkClock,
  startDayOf,
} from "./seed-timeline.js";

// Replays the seed plan through the services' public gRPC APIs, as the partners themselves would:
// the directory through coordination, registrations, consents, screenings and referrals through
// intake (as the referring NGO), answers through each target's ReferralInboxService. Every write
// carries an idempotency key derived from the plan, and steps already applied are skipped, so an
// interrupted seed can simply run again.

export class SeedError extends Error {
  override readonly name = "SeedError";
}

export interface SeedOptions {
  addresses: Readonly<Record<ServiceName, string>>;
  /** Mutual TLS as an operator tool, and the demo logins' tokens. */
  connection: { credentials: ChannelCredentials; tokens: TokenSource };
  plan: readonly PlannedReferral[];
  concurrency?: number;
  log?: (line: string) => void;
  /** Progress: called after each referral (done, total). */
  progress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** How long to wait for an event to travel (directory replica, a referral reaching its target). */
  propagationTimeoutMs?: number;
  /**
   * The services' business clock offset file (KOPRU_CLOCK_OFFSET_FILE). The seed moves it through
   * the last SEED_DAYS days and leaves it at real time.
   */
  clockFile: string;
}

export interface SeedReport {
  organisations: number;
  offerings: number;
  referrals: number;
  /** Final status of every referral made (including redirect children and onward referrals). */
  statuses: Record<string, number>;
  /** Referrals the targets' deadline timers expired while the seed's days went by. */
  expired: number;
  /** Assignments, calls (recorded and refused) and contact updates the seed's staff made. */
  casework: ReferralDriver["casework"];
  directoryMs: number;
  referralsMs: number;
}

const SEED_ACTOR = "demo-seed";
const COORDINATOR = { organisationId: "coordination", actorId: SEED_ACTOR, role: "coordinator" };

interface Clients {
  coordination: GrpcApi<CoordinationServiceClient>;
  centre: GrpcApi<CommunityCentreServiceClient>;
  intake: GrpcApi<IntakeServiceClient>;
  inbox: Record<ReceivingService, GrpcApi<ReferralInboxServiceClient>>;
  close(): void;
}

function connect(
  addresses: Readonly<Record<ServiceName, string>>,
  connection: SeedOptions["connection"],
): Clients {
  const open: Client[] = [];
  const make = <C extends Client>(
    service: ServiceName,
    ctor: new (a: string, c: ChannelCredentials) => C,
  ) => {
    const client = new ctor(addresses[service], connection.credentials);
    open.push(client);
    return new GrpcApi(client, service, addresses[service], {}, connection.tokens, 30_000);
  };
  return {
    coordination: make("coordination", CoordinationServiceClient),
    centre: make("community-centre", CommunityCentreServiceClient),
    intake: make("intake", IntakeServiceClient),
    inbox: {
      protection: make("protection", ReferralInboxServiceClient),
      ecm: make("ecm", ReferralInboxServiceClient),
      "community-centre": make("community-centre", ReferralInboxServiceClient),
      municipality: make("municipality", ReferralInboxServiceClient),
    },
    close() {
      for (const client of open) client.close();
    },
  };
}

function code(error: unknown): number | undefined {
  return error instanceof GrpcCallError ? error.code : undefined;
}

/** Retries while `retryable(error)`, with a growing pause, until `timeoutMs`. */
async function retrying<T>(
  what: string,
  action: () => Promise<T>,
  retryable: (error: unknown) => boolean,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 25; ; pause = Math.min(pause * 2, 500)) {
    signal?.throwIfAborted();
    try {
      return await action();
    } catch (error) {
      if (!retryable(error) || Date.now() + pause > deadline) {
        if (retryable(error)) {
          throw new SeedError(`${what}: still failing after ${timeoutMs} ms (${(error as Error).message})`, {
            cause: error,
          });
        }
        throw error;
      }
      await sleep(pause, undefined, { signal });
    }
  }
}

const transient = (error: unknown) => code(error) === status.UNAVAILABLE || code(error) === status.ABORTED;
const notYetThere = (error: unknown) => code(error) === status.NOT_FOUND || transient(error);

/** Runs `work` over `items` with at most `limit` in flight; the first failure stops new work. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const index = next++;
      try {
        await work(items[index] as T, index);
      } catch (error) {
        failed ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
}

async function seedDirectory(c: Clients): Promise<void> {
  const coordination = c.coordination.as(COORDINATOR);
  await pool(ORGANISATIONS, 4, async (o) => {
    await retrying(
      `organisation ${o.id}`,
      () => coordination.call("upsertOrganisation", { organisation: organisationMessage(o) }),
      transient,
      20_000,
    );
  });
  await pool(OFFERINGS, 4, async (o) => {
    await retrying(
      `offering ${o.organisationId}/${ServiceType[o.serviceType]}`,
      () => coordination.call("upsertServiceOffering", { serviceOffering: offeringMessage(o) }),
      transient,
      20_000,
    );
  });
}

/** Waits until intake's directory replica routes to every receiving organisation of the demo network. */
async function awaitIntakeDirectory(c: Clients, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const probes = new Map<string, (typeof OFFERINGS)[number]>();
  for (const offering of OFFERINGS)
    if (!probes.has(offering.organisationId)) probes.set(offering.organisationId, offering);
  const missing = new Set(probes.keys());
  const deadline = Date.now() + timeoutMs;
  const intake = c.intake.as({ organisationId: "ngo-hayat", actorId: SEED_ACTOR, role: "caseworker" });
  while (missing.size > 0) {
    signal?.throwIfAborted();
    for (const organisationId of [...missing]) {
      const offering = probes.get(organisationId);
      if (!offering) continue;
      const found = await intake
        .call("suggestTargets", {
          serviceType: offering.serviceType,
          criteria: {
            location: province(offering.provinces[0] as string),
            partnerKinds: [organisationKind(organisationId)],
            allowWaitlist: true,
            excludedOrganisationIds: [],
          },
          limit: 50,
        })
        .catch((error: unknown) => {
          if (transient(error)) return { candidates: [] };
          throw error;
        });
      if (found.candidates.some((m) => m.organisation?.organisationId === organisationId)) {
        missing.delete(organisationId);
      }
    }
    if (missing.size === 0) break;
    if (Date.now() > deadline) {
      throw new SeedError(
        `intake's directory replica did not learn of ${[...missing].join(", ")} within ${timeoutMs} ms`,
      );
    }
    await sleep(200, undefined, { signal });
  }
}

function idempotencyKey(key: string, what: string): string {
  return uuidv5(`${key}/${what}`, DEMO_NAMESPACE);
}

/** At most `limit` calls at once; the rest wait their turn in order. */
class CallLimit {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(action: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active += 1;
    try {
      return await action();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

class ReferralDriver {
  readonly statuses = new Map<string, ReferralStatus>();

  /** Intake's id of each planned referral's person, by plan key. */
  private readonly beneficiaries = new Map<string, string>();
  /** What staff did around accepted referrals (for the launcher's summary). */
  readonly casework = {
    assigned: 0,
    reassigned: 0,
    callsRecorded: 0,
    callsRefused: 0,
    contactUpdates: 0,
    enrolled: 0,
    waitlisted: 0,
  };
  /** The enrolment of each referral enrolled in a course, by referral id. */
  private readonly enrolments = new Map<string, string>();
  private readonly seats = new KeyedMutex();

  /** Referrals left unanswered (planned so, or a redirect's child), with their answer deadline. */
  readonly unanswered: { referralId: string; target: string; respondBy: Date | undefined }[] = [];

  constructor(
    private readonly c: Clients,
    private readonly timeline: SeedTimeline,
    private readonly timeoutMs: number,
    private readonly signal?: AbortSignal,
    private readonly calls = new CallLimit(8),
  ) {}

  /** `retrying`, with at most the seed's concurrency of calls in flight across every referral. */
  private retry<T>(
    what: string,
    action: () => Promise<T>,
    retryable: (error: unknown) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<T> {
    return retrying(what, () => this.calls.run(action), retryable, timeoutMs, signal);
  }

  private inboxFor(organisationId: string): Api<ReferralInboxServiceClient> {
    const service = serviceForOrganisation(organisationId);
    if (!service || !isReceivingService(service)) {
      throw new SeedError(`${organisationId} is not hosted by a receiving service`);
    }
    return this.c.inbox[service].as({ organisationId, actorId: `${SEED_ACTOR}-staff`, role: "caseworker" });
  }

  /** Waits until the target has consumed the referral and returns the target's view of it. */
  private arrived(organisationId: string, referralId: string): Promise<Referral> {
    return this.retry(
      `referral ${referralId} reaching ${organisationId}`,
      async () => {
        const found = await this.inboxFor(organisationId).call("getReferral", { referralId });
        if (!found.referral) throw new SeedError(`inbox returned no referral ${referralId}`);
        return found.referral;
      },
      notYetThere,
      this.timeoutMs,
      this.signal,
    );
  }

  async run(p: PlannedReferral): Promise<void> {
    const day = startDayOf(p);
    await this.timeline.reach(day);
    const caller = { organisationId: p.referrer, actorId: `${SEED_ACTOR}-${p.referrer}`, role: "caseworker" };
    const intake = this.c.intake.as(caller);
    const call = <T>(what: string, action: () => Promise<T>) =>
      this.retry(`${p.key} ${what}`, action, transient, this.timeoutMs, this.signal);

    const registered = await call("register", () =>
      intake.call("registerBeneficiary", {
        requestId: idempotencyKey(p.key, "register"),
        organisationId: p.referrer,
        givenName: p.person.givenName,
        familyName: p.person.familyName,
        preferredName: p.person.preferredName,
        sex: p.person.sex,
        birthYear: p.person.birthYear,
        nationality: p.person.nationality,
        legalStatus: p.person.legalStatus,
        residence: province(p.person.provinceCode),
        phoneNumber: p.person.phoneNumber,
        preferredLanguage: p.person.language,
        interpreterNeeded: p.person.interpreterNeeded,
        interpreterLanguage: p.person.interpreterNeeded ? p.person.language : undefined,
        safeToContact: p.person.safeToContact,
        safeTimes: undefined,
        preferredContactMethod: p.person.contactMethod,
        safeContactWindows: p.person.safeWindows,
      }),
    );
    const beneficiaryId = registered.beneficiary?.beneficiaryId;
    if (!beneficiaryId) throw new SeedError(`${p.key}: registration returned no beneficiary id`);
    this.beneficiaries.set(p.key, beneficiaryId);

    const recorded = await call("consent", () =>
      intake.call("recordConsent", {
        requestId: idempotencyKey(p.key, "consent"),
        beneficiaryId,
        givenBy: p.consent.givenBy,
        caregiverRelationship: undefined,
        method: p.consent.method,
        explainedInLanguage: p.person.language,
        interpreterUsed: p.person.interpreterNeeded,
        recordedAt: undefined,
        scope: {
          organisationIds: [],
          partnerKinds: p.consent.partnerKinds,
          purposes: p.consent.purposes,
          dataCategories: p.consent.dataCategories,
        },
        expiresAt: new Date(Date.now() + 365 * 24 * 3_600_000),
      }),
    );
    const consentId = recorded.consent?.consentId;
    if (!consentId) throw new SeedError(`${p.key}: consent returned no consent id`);

    await call("screening", () =>
      intake.call("screenNeeds", {
        requestId: idempotencyKey(p.key, "screening"),
        beneficiaryId,
        servicesNeeded: p.screening.services,
        vulnerabilities: p.screening.vulnerabilities,
        washingtonGroupAnswers: p.screening.washingtonGroup,
        needsSummary: p.screening.summary,
        household: p.screening.household,
      }),
    );

    const created = await call("referral", () =>
      intake.call("createReferral", {
        requestId: idempotencyKey(p.key, "referral"),
        beneficiaryId,
        serviceType: p.serviceType,
        priority: p.priority,
        purpose: p.purpose,
        reasonForReferral: p.reason,
        consentId,
        routing:
          p.routing.kind === "explicit"
            ? {
                $case: "explicitTarget",
                value: {
                  organisationId: p.routing.organisationId,
                  serviceOfferingId: p.routing.serviceOfferingId,
                },
              }
            : {
                $case: "routingCriteria",
                value: {
                  location: province(p.routing.provinceCode),
                  language: undefined,
                  partnerKinds: p.routing.partnerKinds,
                  allowWaitlist: false,
                  excludedOrganisationIds: [],
                },
              },
        dataCategories: [],
      }),
    );
    const referral = created.referral;
    const target = referral?.target?.organisationId;
    if (!referral || !target) throw new SeedError(`${p.key}: createReferral returned no referral or target`);
    await this.drive(p, referral.referralId, target, p.steps, consentId, p.key, day);
  }

  /**
   * Waits until every referral left unanswered past its deadline has been expired by its target's
   * deadline timer; returns how many.
   */
  async expiredByTimers(now: Date): Promise<number> {
    const due = this.unanswered.filter((u) => u.respondBy && u.respondBy.getTime() <= now.getTime());
    for (const { referralId, target } of due) {
      const inbox = this.inboxFor(target);
      const found = await this.retry(
        `referral ${referralId} expiring at ${target}`,
        async () => {
          const { referral } = await inbox.call("getReferral", { referralId });
          if (referral?.status !== ReferralStatus.REFERRAL_STATUS_EXPIRED) {
            throw new SeedError(`still ${ReferralStatus[referral?.status ?? 0]}`);
          }
          return referral;
        },
        (error) => error instanceof SeedError || transient(error),
        this.timeoutMs,
        this.signal,
      );
      this.statuses.set(referralId, found.status);
    }
    return due.length;
  }

  /** Applies `steps` to a referral at its target, skipping those already applied (a resumed seed). */
  private async drive(
    p: PlannedReferral,
    referralId: string,
    target: string,
    steps: readonly Step[],
    consentId: string,
    key: string,
    startDay: number,
  ): Promise<void> {
    const inbox = this.inboxFor(target);
    let day = startDay;
    let current = await this.arrived(target, referralId);
    const reached = steps.map(statusAfter);
    const position = reached.lastIndexOf(current.status);
    const call = <T>(what: string, action: () => Promise<T>) =>
      this.retry(`${key} ${what}`, action, transient, this.timeoutMs, this.signal);

    plan: for (const [i, step] of steps.entries()) {
      if (i <= position) {
        // Already applied; a redirect or onward child may still need its own steps.
        if (step.do === "redirect" && current.childReferralIds.length > 0) {
          const child = current.childReferralIds[current.childReferralIds.length - 1] as string;
          await this.drive(p, child, step.to, step.childSteps, consentId, `${key}/redirect`, day);
        }
        continue;
      }
      const at = `${key} step ${i + 1} (${step.do})`;
      day = nextDay(day, step, at, i === 0);
      await this.timeline.reach(day);
      const atCentre = isCommunityCentre(target);
      switch (step.do) {
        case "accept":
          if (atCentre) {
            current = await this.acceptIntoCourse(at, p, target, current, inbox);
            // A full course: the person waits on the waitlist, and nothing more happens here.
            if (current.status === ReferralStatus.REFERRAL_STATUS_ON_HOLD) break plan;
            break;
          }
          current = await this.answer(at, () => inbox.call("acceptReferral", { referralId }));
          break;
        case "start":
          // Enrolling in the course started the work already.
          if (current.status === ReferralStatus.REFERRAL_STATUS_IN_PROGRESS) break;
          current = await this.answer(at, () => inbox.call("startReferral", { referralId }));
          break;
        case "decline":
          current = await this.answer(at, () =>
            inbox.call("declineReferral", { referralId, reason: step.reason, internalNote: "demo seed" }),
          );
          break;
        case "hold":
          current = await this.answer(at, () =>
            inbox.call("putReferralOnHold", {
              referralId,
              reason: step.reason,
              reviewBy: new Date(Date.now() + 14 * 24 * 3_600_000),
              internalNote: "demo seed",
            }),
          );
          break;
        case "complete":
          if (this.enrolments.has(referralId)) {
            current = await this.endEnrolment(at, inbox, referralId, "complete");
            break;
          }
          current = await this.answer(at, () =>
            inbox.call("completeReferral", {
              referralId,
              outcomeCodes: step.outcomes,
              completedAt: undefined,
            }),
          );
          break;
        case "assign": {
          const supervisor = this.supervisorFor(target);
          current = await this.answer(at, () =>
            supervisor.call("assignReferral", {
              referralId,
              assigneeActorId: demoStaffId(demoUsername(step.to, target)),
            }),
          );
          if (step.to === "caseworker2") this.casework.reassigned += 1;
          else this.casework.assigned += 1;
          break;
        }
        case "contactAttempt":
          await this.contactAttempt(at, inbox, referralId, step.expect, idempotencyKey(key, `contact-${i}`));
          break;
        case "updateContact": {
          const beneficiaryId = this.beneficiaries.get(p.key);
          if (!beneficiaryId) throw new SeedError(`${at}: the person was not registered in this run`);
          const intake = this.c.intake.as({
            organisationId: p.referrer,
            actorId: `${SEED_ACTOR}-${p.referrer}`,
            role: "caseworker",
          });
          await call("update contact", () =>
            intake.call("updateContactDetails", {
              requestId: idempotencyKey(key, `update-contact-${i}`),
              beneficiaryId,
              safeToContact: p.person.safeToContact,
              safeTimes: "DEMO: weekdays 10:00-16:00, ask for the person by name",
              safeContactWindows: step.windows,
              preferredContactMethod: p.person.contactMethod,
              phoneNumber: undefined,
            }),
          );
          this.casework.contactUpdates += 1;
          break;
        }
        case "outcome":
          current = await this.answer(at, () =>
            inbox.call("reportOutcome", { referralId, outcomeCodes: step.outcomes, completedAt: undefined }),
          );
          break;
        case "notComplete":
          if (this.enrolments.has(referralId)) {
            current = await this.endEnrolment(at, inbox, referralId, "notComplete");
            break;
          }
          current = await this.answer(at, () =>
            inbox.call("reportNotCompleted", { referralId, reason: step.reason, internalNote: "demo seed" }),
          );
          break;
        case "cancel": {
          const intake = this.c.intake.as({
            organisationId: p.referrer,
            actorId: `${SEED_ACTOR}-${p.referrer}`,
            role: "caseworker",
          });
          const response = await call("cancel", () =>
            intake.call("cancelReferral", { referralId, reason: step.reason, internalNote: "demo seed" }),
          );
          if (!response.referral) throw new SeedError(`${at}: no referral in the answer`);
          // The target applies the cancellation when intake's event reaches it: wait for that.
          current = await this.retry(
            `${at}: cancellation reaching ${target}`,
            async () => {
              const found = await inbox.call("getReferral", { referralId });
              if (found.referral?.status !== ReferralStatus.REFERRAL_STATUS_CANCELLED) {
                throw new SeedError(`still ${ReferralStatus[found.referral?.status ?? 0]}`);
              }
              return found.referral;
            },
            (error) => error instanceof SeedError || transient(error),
            this.timeoutMs,
            this.signal,
          );
          break;
        }
        case "redirect": {
          const response = await this.retry(
            at,
            () =>
              inbox.call("redirectReferral", {
                requestId: idempotencyKey(key, `redirect-${i}`),
                referralId,
                targetOrganisationId: step.to,
                serviceType: step.serviceType,
                reason: step.reason,
                consentId,
                dataCategories: [],
              }),
            // The target's own directory replica may still be catching up with the new target.
            notYetThere,
            this.timeoutMs,
            this.signal,
          );
          if (response.referral) current = response.referral;
          const child = response.childReferral?.referralId;
          if (!child) throw new SeedError(`${at}: no child referral`);
          await this.drive(p, child, step.to, step.childSteps, consentId, `${key}/redirect`, day);
          break;
        }
        case "onward": {
          const response = await this.retry(
            at,
            () =>
              inbox.call("makeOnwardReferral", {
                requestId: idempotencyKey(key, `onward-${i}`),
                parentReferralId: referralId,
                targetOrganisationId: step.to,
                serviceType: step.serviceType,
                priority: step.priority,
                purpose: Purpose.PURPOSE_SERVICE_PROVISION,
                consentId,
                reasonForReferral: step.reason,
                dataCategories: [],
              }),
            notYetThere,
            this.timeoutMs,
            this.signal,
          );
          const child = response.referral?.referralId;
          if (!child) throw new SeedError(`${at}: no onward referral`);
          await this.drive(p, child, step.to, step.childSteps, consentId, `${key}/onward`, day);
          break;
        }
      }
    }
    this.statuses.set(referralId, current.status);
    if (
      current.status === ReferralStatus.REFERRAL_STATUS_RECEIVED ||
      current.status === ReferralStatus.REFERRAL_STATUS_REQUESTED
    )
      this.unanswered.push({ referralId, target, respondBy: current.respondBy });
  }

  /**
   * At a community centre, acceptance is a seat in a course: with a seat free (one referral at a
   * time per centre and service), accept and enrol at once; with none, put the referral on the
   * waitlist (ON_HOLD, capacity full).
   */
  private async acceptIntoCourse(
    what: string,
    p: PlannedReferral,
    target: string,
    referral: Referral,
    inbox: Api<ReferralInboxServiceClient>,
  ): Promise<Referral> {
    const { referralId, serviceType } = referral;
    const centre = this.c.centre.as({
      organisationId: target,
      actorId: `${SEED_ACTOR}-staff`,
      role: "caseworker",
    });
    return this.seats.run(`${target}/${serviceType}`, async () => {
      // Ages as the centre counts them: by birth year.
      const age = new Date().getUTCFullYear() - p.person.birthYear;
      const course = await this.retry(
        `${what}: a course with a free seat`,
        () => courseFor(centre, target, serviceType, { sex: p.person.sex, age }),
        transient,
        this.timeoutMs,
        this.signal,
      );
      if (course.kind === "none") {
        // No activity admits the person: the centre serves them outside its courses.
        return this.answer(what, () => inbox.call("acceptReferral", { referralId }));
      }
      const activity = course.kind === "seat" ? course.activity : undefined;
      if (!activity) {
        this.casework.waitlisted += 1;
        if (referral.status === ReferralStatus.REFERRAL_STATUS_ON_HOLD) return referral;
        return this.answer(what, () =>
          inbox.call("putReferralOnHold", {
            referralId,
            reason: OnHoldReason.ON_HOLD_REASON_CAPACITY_FULL,
            reviewBy: new Date(Date.now() + 14 * 24 * 3_600_000),
            internalNote: "DEMO: the course is full; on the waitlist",
          }),
        );
      }
      await this.answer(what, () => inbox.call("acceptReferral", { referralId }));
      const enrolled = await this.retry(
        `${what}: enrolment`,
        () =>
          centre.call("enrolParticipant", {
            requestId: idempotencyKey(referralId, "enrol"),
            activityId: activity.activityId,
            referralId,
          }),
        transient,
        this.timeoutMs,
        this.signal,
      );
      if (!enrolled.enrolment) throw new SeedError(`${what}: no enrolment in the answer`);
      this.enrolments.set(referralId, enrolled.enrolment.enrolmentId);
      this.casework.enrolled += 1;
      return this.answer(what, () => inbox.call("getReferral", { referralId }));
    });
  }

  /** The course ends for the person (completed, or dropped out); the centre closes the referral. */
  private async endEnrolment(
    what: string,
    inbox: Api<ReferralInboxServiceClient>,
    referralId: string,
    ending: keyof typeof ENDED_AS,
  ): Promise<Referral> {
    const enrolmentId = this.enrolments.get(referralId) as string;
    const target = (await this.answer(what, () => inbox.call("getReferral", { referralId }))).target
      ?.organisationId as string;
    const centre = this.c.centre.as({
      organisationId: target,
      actorId: `${SEED_ACTOR}-staff`,
      role: "caseworker",
    });
    await this.retry(
      what,
      () =>
        centre.call("completeEnrolment", {
          enrolmentId,
          status: ENDED_AS[ending],
          certificateIssued: ending === "complete",
        }),
      transient,
      this.timeoutMs,
      this.signal,
    );
    return this.answer(what, () => inbox.call("getReferral", { referralId }));
  }

  private supervisorFor(organisationId: string): Api<ReferralInboxServiceClient> {
    const service = serviceForOrganisation(organisationId);
    if (!service || !isReceivingService(service)) {
      throw new SeedError(`${organisationId} is not hosted by a receiving service`);
    }
    return this.c.inbox[service].as({
      organisationId,
      actorId: `${SEED_ACTOR}-supervisor`,
      role: "supervisor",
    });
  }

  /** A caseworker calls the person; a refusal is expected only when the plan says so. */
  private async contactAttempt(
    what: string,
    inbox: Api<ReferralInboxServiceClient>,
    referralId: string,
    expect: "recorded" | "refused",
    requestId: string,
  ): Promise<void> {
    try {
      await this.retry(
        what,
        () =>
          inbox.call("recordContactAttempt", {
            requestId,
            referralId,
            method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_CALL,
            attemptedAt: undefined,
            result: ContactAttemptResult.CONTACT_ATTEMPT_RESULT_REACHED,
            internalNote: "DEMO call (synthetic data)",
          }),
        transient,
        this.timeoutMs,
        this.signal,
      );
    } catch (error) {
      if (expect === "refused" && code(error) === status.FAILED_PRECONDITION) {
        this.casework.callsRefused += 1;
        return;
      }
      throw error;
    }
    if (expect === "refused")
      throw new SeedError(`${what}: a call to a person not safe to contact was recorded`);
    this.casework.callsRecorded += 1;
  }

  private async answer(
    what: string,
    action: () => Promise<{ referral?: Referral | undefined }>,
  ): Promise<Referral> {
    const response = await this.retry(what, action, transient, this.timeoutMs, this.signal);
    if (!response.referral) throw new SeedError(`${what}: no referral in the answer`);
    return response.referral;
  }
}

/** Seeds the directory and the planned referrals; returns what it did. */
export async function seedDemo(options: SeedOptions): Promise<SeedReport> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.propagationTimeoutMs ?? 60_000;
  const c = connect(options.addresses, options.connection);
  try {
    const started = Date.now();
    log(`directory: ${ORGANISATIONS.length} organisations, ${OFFERINGS.length} service offerings`);
    await seedDirectory(c);
    await awaitIntakeDirectory(c, timeoutMs, options.signal);
    const shrunk = await retrying(
      "small courses",
      () =>
        shrinkCourses(
          c.centre.as({
            organisationId: SMALL_COURSES.organisationId,
            actorId: SEED_ACTOR,
            role: "supervisor",
          }),
        ),
      transient,
      timeoutMs,
      options.signal,
    );
    if (shrunk > 0)
      log(
        `courses: ${shrunk} Turkish course(s) at ${SMALL_COURSES.organisationId} take ${SMALL_COURSES.capacity} learner(s) at a time`,
      );
    const directoryMs = Date.now() - started;

    // The referrals are made over the last SEED_DAYS days of the network's clock (seed-timeline.ts).
    const timeline = new SeedTimeline(SEED_DAYS, (day) =>
      setNetworkClock(options.clockFile, offsetOfDay(day)),
    );
    const driver = new ReferralDriver(
      c,
      timeline,
      timeoutMs,
      options.signal,
      new CallLimit(options.concurrency ?? 8),
    );
    const total = options.plan.length;
    let done = 0;
    const referralsStarted = Date.now();
    const tasks = options.plan.map((p) =>
      timeline.task(async () => {
        options.signal?.throwIfAborted();
        try {
          await driver.run(p);
        } catch (error) {
          if (error instanceof GrpcCallError) {
            throw new SeedError(`${p.key} (${p.finalState}): ${error.message}`, { cause: error });
          }
          throw error;
        }
        done += 1;
        options.progress?.(done, total);
      }),
    );
    try {
      await timeline.run(() => options.signal?.throwIfAborted());
    } finally {
      // Whatever happened, the network goes on at real time.
      setNetworkClock(options.clockFile, 0);
    }
    await Promise.all(tasks);
    const expired = await driver.expiredByTimers(new Date());
    const statuses: Record<string, number> = {};
    for (const s of driver.statuses.values()) {
      const name = ReferralStatus[s].replace("REFERRAL_STATUS_", "").toLowerCase();
      statuses[name] = (statuses[name] ?? 0) + 1;
    }
    return {
      organisations: ORGANISATIONS.length,
      offerings: OFFERINGS.length,
      referrals: driver.statuses.size,
      statuses,
      expired,
      casework: driver.casework,
      directoryMs,
      referralsMs: Date.now() - referralsStarted,
    };
  } finally {
    c.close();
  }
}
