import { appendToOutbox, type Producer, type ReceivedEvent } from "@kopru/bus";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  CancelReason,
  type DataCategory,
  type OutcomeCode,
  PartnerKind,
  type Priority,
  type Purpose,
  type RedirectReason,
  ReferralOrigin,
  ReferralStatus,
  type ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  ConsentWithdrawalPolicy,
  ContinuingLawfulBasis,
  type FreshConsent,
} from "@kopru/contracts/referral/v1/consent";
import type {
  ConsentWithdrawn,
  ReferralCancelled,
  ReferralOutcomeReported,
  ReferralRequested,
  ReferralStatusChanged,
} from "@kopru/contracts/referral/v1/events";
import {
  DisclosureKind,
  ReferralStatusChanged as StatusChangedCodec,
} from "@kopru/contracts/referral/v1/events";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { EVENTS } from "@kopru/events";
import { InvalidArgumentError } from "@kopru/service-kit";
import { allInOrder, holdNamedLock, type Sql } from "@kopru/storage";
import { cancelTimer, scheduleTimer } from "@kopru/timers";
import { v7 as uuidv7 } from "uuid";
import { disclosureLedger, effectivePolicy, freshConsents, withdrawalRegister } from "./consent-ledger.js";
import {
  applyTransition,
  type ConsentForCheck,
  type ConsentProblem,
  consentCovers,
  dataContractFor,
  type FollowUpPolicy,
  isAwaitingAnswer,
  isRepeatedCommand,
  isTerminal,
  minimiseSections,
  newReferralState,
  presentDataCategories,
  type ReferralState,
  reportOutcome,
  restrictedDataProblems,
  type StatusChange,
  selectPackageCategories,
  type TransitionActor,
  type TransitionCommand,
} from "./domain/index.js";
import {
  ConsentRefusedError,
  DataContractUnmetError,
  ParentReferralClosedError,
  ReferralNotFoundError,
  RestrictedDataRefusedError,
} from "./errors.js";
import {
  ACCEPTED_STATUSES,
  CONSENT_EXPIRY_TIMER,
  type LateEndCause,
  type LifecycleHooks,
  openReferralsUnderConsent,
} from "./late-end.js";
import { type ReferralRecord, type ReferralRole, referralStore } from "./store.js";
import { ReferralWork } from "./work.js";

export const DEADLINE_TIMER = "referral-deadline";
const AGGREGATE = "referral";

export interface LifecycleClock {
  now(): Date;
}

/** Who acts, as the referral library needs to know it (staff ids stay in this service). */
/**
 * Who called, as the verified access token says: its subject and client, and the client of a
 * service that relayed the call. Audit rows record it; nothing the caller sends in a request does.
 */
export interface TokenCaller {
  subject: string;
  clientId: string;
  via?: string | undefined;
}

/** The token part of a call's context, as audit rows record it. */
export function tokenCallerOf(context: {
  subject: string;
  clientId: string;
  via?: string | undefined;
}): TokenCaller {
  return { subject: context.subject, clientId: context.clientId, via: context.via };
}

export interface Acting {
  actor: TransitionActor;
  actorId?: string | undefined;
  /** Absent when the service acts by itself (an event consumer, a timer). */
  token?: TokenCaller | undefined;
}

export interface TargetRef {
  organisationId: string;
  partnerKind: PartnerKind;
  displayName?: string | undefined;
  /**
   * Service types of the target's directory offerings this referral may be routed to (for intake:
   * the offering chosen; for a redirect or onward referral: every active offering of the target).
   * GBV and child-protection sections go only where their own service type is listed here.
   */
  offeredServiceTypes?: readonly ServiceType[] | undefined;
}

/**
 * Cuts a package down to what one target may receive: the data contract of the service type, the
 * categories the consent covers, and (optionally) what the sender chose. Refuses with a clear error,
 * and nothing is written, when the consent does not cover the target, purpose or data.
 */
export function preparePackage(input: {
  source: ReferralPackage;
  consent: ConsentForCheck & { consentId: string };
  target: TargetRef;
  serviceType: ServiceType;
  purpose: Purpose;
  onlyCategories?: readonly DataCategory[] | undefined;
  at: Date;
}): { pkg: ReferralPackage; categories: DataCategory[] } {
  let available = presentDataCategories(input.source);
  if (input.onlyCategories && input.onlyCategories.length > 0) {
    const chosen = new Set(input.onlyCategories);
    available = available.filter((c) => chosen.has(c));
  }
  const selection = selectPackageCategories(input.serviceType, input.consent.scope, available);
  if (!selection.ok) throw new DataContractUnmetError(selection.notConsented, selection.notAvailable);
  const coverage = consentCovers(input.consent, {
    targetOrganisationId: input.target.organisationId,
    targetPartnerKind: input.target.partnerKind,
    purpose: input.purpose,
    dataCategories: selection.categories,
    at: input.at,
  });
  if (!coverage.covered) throw new ConsentRefusedError(input.consent.consentId, coverage.problems);
  const restricted = restrictedDataProblems(selection.categories, {
    serviceType: input.serviceType,
    consentedCategories: input.consent.scope.dataCategories,
    targetPartnerKind: input.target.partnerKind,
    offeredServiceTypes: input.target.offeredServiceTypes,
  });
  if (restricted.length > 0) throw new RestrictedDataRefusedError(input.target.organisationId, restricted);
  const pkg = minimiseSections(input.source, selection.categories);
  // The consent travels with the package (ids and scope, no personal data) so the target can check
  // its own redirects and onward referrals, and re-check on arrival.
  return {
    pkg: {
      ...pkg,
      sharedDataCategories: selection.categories,
      consentId: input.consent.consentId,
      consentScope: input.consent.scope,
      consentExpiresAt: input.consent.expiresAt,
    },
    categories: selection.categories,
  };
}

export function statusChangedEvent(record: ReferralRecord, change: StatusChange): ReferralStatusChanged {
  return {
    referralId: record.referralId,
    rootReferralId: record.rootReferralId,
    parentReferralId: record.parentReferralId ?? "",
    childReferralId: change.childReferralId,
    origin: record.origin,
    referrerOrganisationId: record.referrerOrganisationId,
    targetOrganisationId: record.targetOrganisationId,
    serviceOfferingId: record.serviceOfferingId,
    serviceType: record.serviceType,
    priority: record.priority,
    fromStatus: change.from,
    toStatus: change.to,
    declineReason: change.declineReason,
    notCompletedReason: change.notCompletedReason,
    cancelReason: change.cancelReason,
    onHoldReason: change.onHoldReason,
    redirectReason: change.redirectReason,
    outcomeCodes: [...change.outcomes],
    actorKind: change.actor.kind,
    actorOrganisationId: change.actor.organisationId,
    occurredAt: change.at,
    requestedAt: record.requestedAt,
    respondBy: record.respondBy,
    sequence: change.sequence,
    disaggregation: record.disaggregation,
  };
}

/** Aggregate of the outcome reports of one referral: numbered 1, 2, … (report 1 is the closure). */
const OUTCOME_AGGREGATE = "referral-outcome";

export function outcomeReportedEvent(
  record: ReferralRecord,
  completedAt: Date | undefined,
): ReferralOutcomeReported {
  return {
    referralId: record.referralId,
    rootReferralId: record.rootReferralId,
    referrerOrganisationId: record.referrerOrganisationId,
    targetOrganisationId: record.targetOrganisationId,
    serviceType: record.serviceType,
    outcomeCodes: [...record.outcomes],
    completedAt: completedAt ?? record.closedAt,
    sequence: record.sequence,
  };
}

function sameOutcomes(a: readonly OutcomeCode[], b: readonly OutcomeCode[]): boolean {
  const x = [...new Set(a)].sort((p, q) => p - q);
  const y = [...new Set(b)].sort((p, q) => p - q);
  return x.length === y.length && x.every((code, i) => code === y[i]);
}

/**
 * The referral use cases every service shares. The referrer creates a referral (sequence 1) and may
 * ask to cancel it; from then on the target's copy is authoritative: it acknowledges, answers,
 * delivers, redirects, expires (deadline timer) and applies cancellations, and each transition is
 * published as a PII-free status event that the referrer and coordination apply in sequence.
 * Every method runs inside the caller's transaction together with its outbox rows.
 */
export class ReferralLifecycle {
  /** Assignment and the follow-up deadline after acceptance (target's copy), see `ReferralWork`. */
  readonly work: ReferralWork;

  constructor(
    private readonly producer: Producer,
    private readonly clock: LifecycleClock,
    private readonly hooks: LifecycleHooks & { followUp?: FollowUpPolicy | undefined } = {},
  ) {
    this.work = new ReferralWork(producer.service, clock, hooks.followUp);
  }

  /** The service this lifecycle runs in: the producer of its events and its staff notices. */
  get serviceName(): string {
    return this.producer.service;
  }

  private producerFor(organisationId: string): Producer {
    return { organisationId, service: this.producer.service };
  }

  // ------------------------------------------------------------------ referrer side

  /**
   * Records a new referral and publishes it to its target (package) and to everyone (status). The
   * package's consent is checked once more as it leaves (target, purpose, every section sent, expiry,
   * and withdrawal: the caller's knowledge or the withdrawals this organisation recorded as a holder),
   * and the disclosure is written to the ledger in the same transaction (ADR 0024).
   */
  async send(
    tx: Sql,
    pkg: ReferralPackage,
    acting: Acting,
    options: SendOptions = {},
  ): Promise<ReferralRecord> {
    const requestedAt = this.clock.now();
    const referrerId = pkg.referrer?.organisationId ?? "";
    const targetId = pkg.target?.organisationId ?? "";
    const withdrawnAt =
      options.consentWithdrawnAt ??
      (options.heldWithdrawal ?? (await withdrawalRegister.find(tx, referrerId, pkg.consentId)))?.withdrawnAt;
    const coverage = consentCovers(
      { scope: pkg.consentScope ?? EMPTY_SCOPE, expiresAt: pkg.consentExpiresAt, withdrawnAt },
      {
        targetOrganisationId: targetId,
        targetPartnerKind: options.targetPartnerKind ?? PartnerKind.PARTNER_KIND_UNSPECIFIED,
        purpose: pkg.purpose,
        dataCategories: presentDataCategories(pkg),
        at: requestedAt,
      },
    );
    // The organisation is checked here only when the caller gave the target's kind (callers that
    // build the package with preparePackage checked it there already, against the directory).
    const problems = coverage.covered
      ? []
      : coverage.problems.filter(
          (p) => p.kind !== "organisation_not_covered" || options.targetPartnerKind !== undefined,
        );
    if (problems.length > 0) throw new ConsentRefusedError(pkg.consentId, problems);
    const { state, change } = newReferralState({
      referralId: pkg.referralId,
      referrerOrganisationId: referrerId,
      targetOrganisationId: targetId,
      serviceType: pkg.serviceType,
      priority: pkg.priority,
      requestedAt,
      actor: acting.actor,
    });
    const sent: ReferralPackage = {
      ...pkg,
      requestedAt,
      respondBy: state.respondBy,
      rootReferrerOrganisationId: pkg.rootReferrerOrganisationId || referrerId,
    };
    const record: ReferralRecord = {
      ...state,
      role: "referrer",
      rootReferralId: pkg.rootReferralId || pkg.referralId,
      parentReferralId: pkg.parentReferralId || undefined,
      origin: pkg.origin || ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
      beneficiaryRef: pkg.beneficiaryRef,
      serviceOfferingId: pkg.serviceOfferingId,
      purpose: pkg.purpose,
      consentId: pkg.consentId,
      cancellationRequestedAt: undefined,
      disaggregation: pkg.disaggregation ?? emptyDisaggregation(),
      package: sent,
    };
    const producer = this.producerFor(referrerId);
    const common = {
      correlationId: record.rootReferralId,
      aggregate: { type: AGGREGATE, id: record.referralId, sequence: 1 },
    };
    // The referral, its transition, audit row, events and ledger entry go to the server together:
    // one round trip for all of them, in this order, in the caller's transaction.
    await allInOrder(tx, [
      () => referralStore.insert(tx, record),
      () => referralStore.insertTransition(tx, "referrer", change, { actorId: acting.actorId }),
      () =>
        referralStore.audit(tx, {
          referralId: record.referralId,
          action: "send",
          organisationId: referrerId,
          actorId: acting.actorId,
          token: acting.token,
        }),
      () =>
        appendToOutbox(tx, producer, {
          definition: EVENTS.referralRequested,
          payload: { referralPackage: sent },
          ...common,
        }),
      () =>
        appendToOutbox(tx, producer, {
          definition: EVENTS.referralStatusChanged,
          payload: statusChangedEvent(record, change),
          ...common,
        }),
      () => this.recordDisclosure(tx, sent, acting, options, requestedAt),
    ]);
    return record;
  }

  /**
   * The ledger row of a package that leaves (same transaction as its outbox row) and, when this
   * organisation did not start the chain, the PII-free DisclosureRecorded for the root referrer.
   */
  private async recordDisclosure(
    tx: Sql,
    sent: ReferralPackage,
    acting: Acting,
    options: SendOptions,
    at: Date,
  ): Promise<void> {
    const senderId = sent.referrer?.organisationId ?? "";
    const entry = {
      disclosureId: uuidv7(),
      kind: options.kind ?? DisclosureKind.DISCLOSURE_KIND_REFERRAL_PACKAGE,
      referralId: sent.referralId,
      rootReferralId: sent.rootReferralId || sent.referralId,
      parentReferralId: sent.parentReferralId || undefined,
      senderOrganisationId: senderId,
      recipientOrganisationId: sent.target?.organisationId ?? "",
      dataCategories: presentDataCategories(sent),
      purpose: sent.purpose,
      consentId: sent.consentId,
      freshConsent: options.freshConsent ?? false,
      disclosedAt: at,
    };
    const works: (() => Promise<unknown>)[] = [
      () =>
        disclosureLedger.record(tx, {
          ...entry,
          ledgerOrganisationId: senderId,
          beneficiaryRef: sent.beneficiaryRef,
          disclosedBy: { kind: acting.actor.kind, actorId: acting.actorId },
          reported: false,
        }),
    ];
    const root = sent.rootReferrerOrganisationId;
    if (root && root !== senderId) {
      works.push(() =>
        appendToOutbox(tx, this.producerFor(senderId), {
          definition: EVENTS.disclosureRecorded,
          payload: {
            ...entry,
            dataCategories: [...entry.dataCategories],
            parentReferralId: entry.parentReferralId ?? "",
            rootReferrerOrganisationId: root,
            disclosedAt: at,
          },
          correlationId: entry.rootReferralId,
          aggregate: { type: "disclosure", id: entry.disclosureId, sequence: 1 },
        }),
      );
    }
    await allInOrder(tx, works);
  }

  /**
   * Asks the target to cancel. The target applies it (it owns the lifecycle from REQUESTED on), so the
   * referrer's copy shows the cancellation once the target's status event arrives.
   */
  async requestCancellation(
    tx: Sql,
    input: { referralId: string; scope: readonly string[]; cancelReason: number; acting: Acting },
  ): Promise<ReferralRecord> {
    const record = await this.load(tx, input.referralId, "referrer", input.scope);
    const now = this.clock.now();
    // Validates the request against the current state (e.g. refuses to cancel a completed referral).
    applyTransition(record, { type: "cancel", cancelReason: input.cancelReason }, input.acting.actor, now);
    if (record.cancellationRequestedAt) return record;
    await referralStore.markCancellationRequested(tx, record.referralId, now);
    await referralStore.audit(tx, {
      referralId: record.referralId,
      action: "request-cancellation",
      organisationId: record.referrerOrganisationId,
      actorId: input.acting.actorId,
      token: input.acting.token,
    });
    await appendToOutbox(tx, this.producerFor(record.referrerOrganisationId), {
      definition: EVENTS.referralCancelled,
      payload: {
        referralId: record.referralId,
        rootReferralId: record.rootReferralId,
        referrerOrganisationId: record.referrerOrganisationId,
        targetOrganisationId: record.targetOrganisationId,
        reason: input.cancelReason,
        cancelledAt: now,
      },
      correlationId: record.rootReferralId,
      aggregate: { type: AGGREGATE, id: record.referralId, sequence: record.sequence },
    });
    return { ...record, cancellationRequestedAt: now };
  }

  /**
   * Applies a status event to the referrer's copy (the target moved it on) and keeps the chain's
   * PII-free history when the chain started here. Events arrive in sequence (ordered consumer).
   */
  async applyStatusEvent(tx: Sql, event: ReceivedEvent<ReferralStatusChanged>): Promise<void> {
    const status = event.payload;
    // Kept only when the chain started here (its root is one of this service's referrals); one
    // statement, so it does not depend on how an engine counts the rows of a SELECT.
    // With the copy locked and, when the event carries outcome codes, the version of the outcome
    // reports applied already (read under the lock): one round trip.
    const [, copy, outcomeVersion] = await allInOrder(tx, [
      () =>
        tx.query(
          `INSERT INTO referral_chain_events (root_referral_id, referral_id, sequence, event, occurred_at)
           SELECT $1::uuid, $2::uuid, $3::int, $4::bytea, $5::timestamptz
            WHERE EXISTS (SELECT 1 FROM referrals WHERE referral_id = $1::uuid)
           ON CONFLICT (referral_id, sequence) DO NOTHING`,
          [
            status.rootReferralId,
            status.referralId,
            status.sequence,
            Buffer.from(StatusChangedCodec.encode(status).finish()),
            status.occurredAt ?? event.occurredAt,
          ],
        ),
      () => referralStore.find(tx, status.referralId, "referrer", { forUpdate: true }),
      () =>
        status.outcomeCodes.length > 0
          ? referralStore.outcomeVersion(tx, status.referralId, "referrer")
          : Promise.resolve(undefined),
    ]);
    if (!copy || status.sequence !== copy.sequence + 1) return;
    const at = status.occurredAt ?? event.occurredAt;
    const next: ReferralState = {
      ...copy,
      status: status.toStatus,
      sequence: status.sequence,
      declineReason: status.declineReason,
      onHoldReason: status.onHoldReason,
      notCompletedReason: status.notCompletedReason,
      cancelReason: status.cancelReason,
      redirectReason: status.redirectReason,
      // A later outcome report (applied already) wins over the codes of the closing transition.
      outcomes: status.outcomeCodes.length > 0 && outcomeVersion === 0 ? status.outcomeCodes : copy.outcomes,
      childReferralIds: status.childReferralId
        ? [...copy.childReferralIds, status.childReferralId]
        : copy.childReferralIds,
      receivedAt: status.toStatus === ReferralStatus.REFERRAL_STATUS_RECEIVED ? at : copy.receivedAt,
      respondedAt:
        copy.respondedAt ??
        (isAwaitingAnswer(status.toStatus) || status.toStatus === ReferralStatus.REFERRAL_STATUS_EXPIRED
          ? undefined
          : at),
      startedAt: status.toStatus === ReferralStatus.REFERRAL_STATUS_IN_PROGRESS ? at : copy.startedAt,
      closedAt: isTerminal(status.toStatus) ? at : copy.closedAt,
      updatedAt: at,
    };
    await allInOrder(tx, [
      () => referralStore.saveState(tx, "referrer", copy.sequence, next),
      () =>
        referralStore.insertTransition(tx, "referrer", {
          referralId: status.referralId,
          referrerOrganisationId: status.referrerOrganisationId,
          targetOrganisationId: status.targetOrganisationId,
          sequence: status.sequence,
          from: status.fromStatus,
          to: status.toStatus,
          at,
          actor: { party: "target", kind: status.actorKind, organisationId: status.actorOrganisationId },
          declineReason: status.declineReason,
          onHoldReason: status.onHoldReason,
          notCompletedReason: status.notCompletedReason,
          cancelReason: status.cancelReason,
          redirectReason: status.redirectReason,
          outcomes: status.outcomeCodes,
          childReferralId: status.childReferralId,
          notifyOrganisationIds: [],
        }),
    ]);
  }

  // ------------------------------------------------------------------ target side

  /** Stores a received referral and acknowledges it automatically (or expires it if it came too late). */
  async receive(tx: Sql, event: ReceivedEvent<ReferralRequested>): Promise<ReferralRecord | undefined> {
    const received = event.payload.referralPackage;
    if (!received) throw new Error("ReferralRequested without a referral_package");
    const targetId = received.target?.organisationId ?? "";
    // One round trip: the consent's lock first, then, under it, what the arrival is checked against.
    const [, existing, partnerKind, withdrawal] = await allInOrder(tx, [
      () => lockConsentHeldBy(tx, targetId, received.consentId),
      () => referralStore.find(tx, received.referralId, "target"),
      () => (this.hooks.partnerKindOf ? this.hooks.partnerKindOf(tx, targetId) : Promise.resolve(undefined)),
      () => withdrawalRegister.find(tx, targetId, received.consentId),
    ]);
    if (existing) return existing;
    // The consent is checked again on arrival (this organisation or its kind, the purpose, every
    // section sent, expiry, and a withdrawal this organisation already recorded). A package outside
    // it is not stored: the referral is kept with ids and codes only and cancelled at once, with a
    // reason code the referrer sees.
    const refusal = this.refusalOnArrival(received, partnerKind, withdrawal?.withdrawnAt);
    // Minimum necessary is enforced again on arrival: whatever a sender put in, this database keeps
    // only the sections the service type's contract lists and the consent covers.
    const pkg = refusal ? withoutPersonalData(received) : keepOnlyContracted(received);
    const referrerId = pkg.referrer?.organisationId ?? "";
    const requestedAt = pkg.requestedAt ?? event.occurredAt;
    const { state, change } = newReferralState({
      referralId: pkg.referralId,
      referrerOrganisationId: referrerId,
      targetOrganisationId: pkg.target?.organisationId ?? "",
      serviceType: pkg.serviceType,
      priority: pkg.priority,
      requestedAt,
      actor: {
        party: "referrer",
        kind: pkg.requestedBy?.kind || ActorKind.ACTOR_KIND_SYSTEM,
        organisationId: referrerId,
      },
    });
    const record: ReferralRecord = {
      ...state,
      role: "target",
      rootReferralId: pkg.rootReferralId || pkg.referralId,
      parentReferralId: pkg.parentReferralId || undefined,
      origin: pkg.origin,
      beneficiaryRef: pkg.beneficiaryRef,
      serviceOfferingId: pkg.serviceOfferingId,
      purpose: pkg.purpose,
      consentId: pkg.consentId,
      cancellationRequestedAt: undefined,
      disaggregation: pkg.disaggregation ?? emptyDisaggregation(),
      package: pkg,
    };
    const now = this.clock.now();
    const system: TransitionActor = {
      party: "system",
      kind: ActorKind.ACTOR_KIND_SYSTEM,
      organisationId: record.targetOrganisationId,
    };
    const stored: Works = [
      () => referralStore.insert(tx, record),
      () => referralStore.insertTransition(tx, "target", change),
    ];
    if (refusal !== undefined) {
      const cancelled = this.targetTransition(
        tx,
        record,
        { type: "cancel", cancelReason: refusal },
        { actor: system },
      );
      await allInOrder(tx, [...stored, ...cancelled.works]);
      return cancelled.next;
    }
    const late = now.getTime() >= record.respondBy.getTime();
    const arrived = this.targetTransition(tx, record, late ? { type: "expire" } : { type: "receive" }, {
      actor: system,
    });
    const timers: Works = [];
    if (!late)
      timers.push(() =>
        scheduleTimer(tx, { kind: DEADLINE_TIMER, key: record.referralId, dueAt: record.respondBy }),
      );
    // The consent it was made under may expire while it is served: the referral ends then.
    const consentExpiresAt = pkg.consentExpiresAt;
    if (consentExpiresAt)
      timers.push(() =>
        scheduleTimer(tx, { kind: CONSENT_EXPIRY_TIMER, key: record.referralId, dueAt: consentExpiresAt }),
      );
    // The referral, its two transitions, audit row, status event and timers: one round trip.
    await allInOrder(tx, [...stored, ...arrived.works, ...timers]);
    return arrived.next;
  }

  /**
   * Why a package arriving here is outside its consent, as the cancel reason to answer with, or
   * undefined when the consent covers it. The organisation's partner kind comes from the hook
   * `partnerKindOf` (the directory, in receiving services).
   */
  private refusalOnArrival(
    pkg: ReferralPackage,
    partnerKind: PartnerKind | undefined,
    withdrawnAt: Date | undefined,
  ): CancelReason | undefined {
    const targetId = pkg.target?.organisationId ?? "";
    const scope = pkg.consentScope ?? EMPTY_SCOPE;
    const coverage = consentCovers(
      { scope, expiresAt: pkg.consentExpiresAt, withdrawnAt },
      {
        targetOrganisationId: targetId,
        targetPartnerKind: partnerKind ?? PartnerKind.PARTNER_KIND_UNSPECIFIED,
        purpose: pkg.purpose,
        dataCategories: presentDataCategories(pkg),
        at: this.clock.now(),
      },
    );
    if (coverage.covered) return undefined;
    // Without a way to learn its own kind (a lifecycle built without `partnerKindOf`), only the rest
    // of the consent is checked.
    const problems = coverage.problems.filter(
      (p) => p.kind !== "organisation_not_covered" || partnerKind !== undefined,
    );
    return problems.length > 0 ? cancelReasonFor(problems) : undefined;
  }

  /** A staff or system transition on a received referral, scoped to the caller's organisations. */
  async transition(
    tx: Sql,
    input: {
      referralId: string;
      scope: readonly string[];
      command: TransitionCommand;
      acting: Acting;
      internalNote?: string | undefined;
    },
  ): Promise<{ record: ReferralRecord; changed: boolean }> {
    const record = await this.load(tx, input.referralId, "target", input.scope);
    if (isRepeatedCommand(record, input.command)) return { record, changed: false };
    const next = await this.applyAsTarget(tx, record, input.command, input.acting, input.internalNote);
    return { record: next, changed: true };
  }

  /**
   * Replaces the outcome codes of a COMPLETED or NOT_COMPLETED referral without a status change, and
   * publishes the full new set (ReferralOutcomeReported) to the referrer and coordination. Reporting
   * the codes it already has changes nothing and publishes nothing.
   */
  async reportOutcome(
    tx: Sql,
    input: {
      referralId: string;
      scope: readonly string[];
      outcomes: readonly OutcomeCode[];
      completedAt?: Date | undefined;
      acting: Acting;
    },
  ): Promise<{ record: ReferralRecord; changed: boolean }> {
    const record = await this.load(tx, input.referralId, "target", input.scope);
    const state = reportOutcome(record, input.outcomes, input.acting.actor);
    if (sameOutcomes(state.outcomes, record.outcomes)) return { record, changed: false };
    const now = this.clock.now();
    const version = (await referralStore.outcomeVersion(tx, record.referralId, "target")) + 1;
    const next: ReferralRecord = { ...record, outcomes: [...state.outcomes], updatedAt: now };
    await referralStore.saveOutcome(tx, "target", {
      referralId: record.referralId,
      outcomes: next.outcomes,
      version,
      at: now,
    });
    await referralStore.audit(tx, {
      referralId: record.referralId,
      action: "reportOutcome",
      organisationId: input.acting.actor.organisationId,
      actorId: input.acting.actorId,
      token: input.acting.token,
    });
    await this.publishOutcome(tx, next, version, input.completedAt);
    return { record: next, changed: true };
  }

  /** The referrer's copy takes the target's latest outcome report (applied in report order). */
  async applyOutcomeEvent(tx: Sql, event: ReceivedEvent<ReferralOutcomeReported>): Promise<void> {
    const report = event.payload;
    const copy = await referralStore.find(tx, report.referralId, "referrer", { forUpdate: true });
    if (!copy || copy.targetOrganisationId !== report.targetOrganisationId) return;
    await referralStore.saveOutcome(tx, "referrer", {
      referralId: report.referralId,
      outcomes: report.outcomeCodes,
      version: event.aggregate.sequence,
      at: event.occurredAt,
    });
  }

  /** Timer handler: the answer deadline passed; expire the referral if it is still unanswered. */
  async expireIfUnanswered(tx: Sql, referralId: string): Promise<void> {
    const record = await referralStore.find(tx, referralId, "target", { forUpdate: true });
    if (!record || !isAwaitingAnswer(record.status)) return;
    const system: TransitionActor = {
      party: "system",
      kind: ActorKind.ACTOR_KIND_SYSTEM,
      organisationId: record.targetOrganisationId,
    };
    await this.applyAsTarget(tx, record, { type: "expire" }, { actor: system });
  }

  /** The referrer asked to cancel: apply it unless the referral already closed. */
  async applyCancellation(tx: Sql, event: ReceivedEvent<ReferralCancelled>): Promise<void> {
    const request = event.payload;
    const record = await referralStore.find(tx, request.referralId, "target", { forUpdate: true });
    if (
      !record ||
      isTerminal(record.status) ||
      record.referrerOrganisationId !== request.referrerOrganisationId
    )
      return;
    const actor: TransitionActor = {
      party: "referrer",
      kind: ActorKind.ACTOR_KIND_PARTNER_CLIENT,
      organisationId: request.referrerOrganisationId,
    };
    const next = await this.applyAsTarget(
      tx,
      record,
      { type: "cancel", cancelReason: request.reason },
      { actor },
    );
    // A referrer cancelling because the person withdrew consent ends the work for that reason.
    const cause =
      request.reason === CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN ? "consent-withdrawn" : "cancelled";
    await this.endedAfterAcceptance(tx, record, next, cause);
  }

  /**
   * The person withdrew a consent. `organisationId` records it (once: a redelivery changes nothing),
   * marks every referral it received under it restricted (no redirect or onward referral from then
   * on), applies the policy chosen at withdrawal — every open referral cancelled by Köprü at the
   * target (CONSENT_WITHDRAWN), or only those not yet accepted while accepted work goes on under the
   * stated lawful basis — and acknowledges to the consent's owner with a PII-free
   * ConsentWithdrawalRecorded. Work already accepted and then cancelled is closed through the
   * late-end hook.
   */
  async applyConsentWithdrawal(
    tx: Sql,
    organisationId: string,
    event: ReceivedEvent<ConsentWithdrawn>,
  ): Promise<void> {
    const withdrawal = event.payload;
    const now = this.clock.now();
    const finishAccepted =
      effectivePolicy(withdrawal.policy) ===
        ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_FINISH_ACCEPTED_WORK &&
      withdrawal.continuingBasis !== ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_UNSPECIFIED;
    const policy = finishAccepted
      ? ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_FINISH_ACCEPTED_WORK
      : ConsentWithdrawalPolicy.CONSENT_WITHDRAWAL_POLICY_CANCEL_ALL_OPEN;
    const continuingBasis = finishAccepted
      ? withdrawal.continuingBasis
      : ContinuingLawfulBasis.CONTINUING_LAWFUL_BASIS_UNSPECIFIED;
    const referrerId = withdrawal.referrerOrganisationId || event.producer.organisationId;
    await lockConsentHeldBy(tx, organisationId, withdrawal.consentId);
    const first = await withdrawalRegister.record(tx, {
      organisationId,
      consentId: withdrawal.consentId,
      referrerOrganisationId: referrerId,
      policy,
      continuingBasis,
      reason: withdrawal.reason,
      withdrawnAt: withdrawal.withdrawnAt ?? event.occurredAt,
      recordedAt: now,
    });
    if (!first) return;
    const open = await openReferralsUnderConsent(
      tx,
      organisationId,
      withdrawal.consentId,
      withdrawal.referralIds,
    );
    const restricted = await withdrawalRegister.restrict(
      tx,
      organisationId,
      withdrawal.consentId,
      withdrawal.referralIds,
      now,
    );
    const cancelled: string[] = [];
    const continuing: string[] = [];
    for (const referralId of open) {
      const record = await referralStore.find(tx, referralId, "target");
      if (finishAccepted && record && ACCEPTED_STATUSES.includes(record.status)) {
        continuing.push(referralId);
        continue;
      }
      await this.cancelByKopru(
        tx,
        referralId,
        CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN,
        "consent-withdrawn",
      );
      // Never accepted, so never worked on: nothing here needs the person's data any more, and
      // keeping it would depend on which of the package and the withdrawal arrived first (a
      // package arriving after the withdrawal is never stored).
      if (record && !ACCEPTED_STATUSES.includes(record.status)) {
        await tx.query("UPDATE referrals SET package = $3 WHERE referral_id = $1 AND role = $2", [
          referralId,
          "target",
          Buffer.from(ReferralPackage.encode(withoutPersonalData(record.package)).finish()),
        ]);
      }
      cancelled.push(referralId);
    }
    await appendToOutbox(tx, this.producerFor(organisationId), {
      definition: EVENTS.consentWithdrawalRecorded,
      payload: {
        consentId: withdrawal.consentId,
        referrerOrganisationId: referrerId,
        organisationId,
        restrictedReferralIds: restricted,
        cancelledReferralIds: cancelled,
        continuingReferralIds: continuing,
        policy,
        continuingBasis,
        recordedAt: now,
      },
      correlationId: withdrawal.consentId,
      aggregate: {
        type: "consent-withdrawal-recorded",
        id: `${withdrawal.consentId}/${organisationId}`,
        sequence: 1,
      },
    });
  }

  /**
   * Network-wide erasure reached a holder (ADR 0023): each open referral it received for the person
   * ends as CANCELLED (consent withdrawn), running the late-end hook, before the data is erased.
   */
  async endForErasure(tx: Sql, referralIds: readonly string[]): Promise<void> {
    for (const referralId of referralIds)
      await this.cancelByKopru(
        tx,
        referralId,
        CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN,
        "erasure-requested",
      );
  }

  /** Timer handler: the consent a received referral was made under expired; end it if still open. */
  async expireConsent(tx: Sql, referralId: string): Promise<void> {
    await this.cancelByKopru(tx, referralId, CancelReason.CANCEL_REASON_CONSENT_EXPIRED, "consent-expired");
  }

  /**
   * Forwards a received referral to a better-placed partner: this one becomes REDIRECTED and a child
   * referral (same chain) goes to the new target with a package re-checked against the consent.
   */
  async redirect(
    tx: Sql,
    input: {
      referralId: string;
      scope: readonly string[];
      newTarget: TargetRef;
      /** Unspecified: the original referral's, as the contract says. */
      serviceType: ServiceType;
      redirectReason: RedirectReason;
      onlyCategories?: readonly DataCategory[] | undefined;
      expectedSequence?: number | undefined;
      acting: Acting;
      childReferralId?: string | undefined;
      /** A consent the person gave this organisation for the redirect (recorded here). */
      freshConsent?: FreshConsent | undefined;
    },
  ): Promise<{ record: ReferralRecord; child: ReferralRecord }> {
    const record = await this.load(tx, input.referralId, "target", input.scope);
    const childId = input.childReferralId ?? uuidv7();
    const { pkg: childPackage, fresh } = await this.childPackage(tx, record, {
      childId,
      origin: ReferralOrigin.REFERRAL_ORIGIN_REDIRECT,
      newTarget: input.newTarget,
      serviceType: input.serviceType || record.serviceType,
      priority: record.priority,
      purpose: record.purpose,
      reason: record.package.reasonForReferral,
      onlyCategories: input.onlyCategories,
      acting: input.acting,
      freshConsent: input.freshConsent,
    });
    const next = await this.applyAsTarget(
      tx,
      record,
      {
        type: "redirect",
        redirectReason: input.redirectReason,
        childReferralId: childId,
        expectedSequence: input.expectedSequence,
      },
      input.acting,
    );
    const child = await this.send(
      tx,
      childPackage,
      { ...input.acting, actor: { ...input.acting.actor, party: "referrer" } },
      {
        kind: DisclosureKind.DISCLOSURE_KIND_REDIRECT,
        targetPartnerKind: input.newTarget.partnerKind,
        freshConsent: fresh,
      },
    );
    return { record: next, child };
  }

  /** A further referral for the same person while this one stays open (e.g. MMCC → ECM for cash). */
  async referOnward(
    tx: Sql,
    input: {
      parentReferralId: string;
      scope: readonly string[];
      newTarget: TargetRef;
      serviceType: ServiceType;
      priority: Priority;
      purpose: Purpose;
      reasonForReferral: string;
      onlyCategories?: readonly DataCategory[] | undefined;
      acting: Acting;
      childReferralId?: string | undefined;
      /** A consent the person gave this organisation for the onward referral (recorded here). */
      freshConsent?: FreshConsent | undefined;
    },
  ): Promise<ReferralRecord> {
    const parent = await this.load(tx, input.parentReferralId, "target", input.scope);
    if (isTerminal(parent.status) && parent.status !== ReferralStatus.REFERRAL_STATUS_COMPLETED) {
      throw new ParentReferralClosedError(parent.referralId);
    }
    const childId = input.childReferralId ?? uuidv7();
    const { pkg: childPackage, fresh } = await this.childPackage(tx, parent, {
      childId,
      origin: ReferralOrigin.REFERRAL_ORIGIN_ONWARD,
      newTarget: input.newTarget,
      serviceType: input.serviceType,
      priority: input.priority,
      purpose: input.purpose,
      reason: input.reasonForReferral,
      onlyCategories: input.onlyCategories,
      acting: input.acting,
      freshConsent: input.freshConsent,
    });
    await referralStore.addChild(tx, parent.referralId, "target", childId);
    return this.send(
      tx,
      childPackage,
      { ...input.acting, actor: { ...input.acting.actor, party: "referrer" } },
      {
        kind: DisclosureKind.DISCLOSURE_KIND_ONWARD,
        targetPartnerKind: input.newTarget.partnerKind,
        freshConsent: fresh,
      },
    );
  }

  // ------------------------------------------------------------------ internals

  /** Cancels an open received referral as Köprü itself (a consent rule, not a person's decision). */
  private async cancelByKopru(
    tx: Sql,
    referralId: string,
    cancelReason: CancelReason,
    cause: LateEndCause,
  ): Promise<void> {
    const record = await referralStore.find(tx, referralId, "target", { forUpdate: true });
    if (!record || isTerminal(record.status)) return;
    const actor: TransitionActor = {
      party: "system",
      kind: ActorKind.ACTOR_KIND_SYSTEM,
      organisationId: record.targetOrganisationId,
    };
    const next = await this.applyAsTarget(tx, record, { type: "cancel", cancelReason }, { actor });
    await this.endedAfterAcceptance(tx, record, next, cause);
  }

  /** Runs the late-end hook when the referral had been accepted (or started) before it ended. */
  private async endedAfterAcceptance(
    tx: Sql,
    before: ReferralRecord,
    after: ReferralRecord,
    cause: LateEndCause,
  ): Promise<void> {
    await cancelTimer(tx, CONSENT_EXPIRY_TIMER, before.referralId);
    if (!ACCEPTED_STATUSES.includes(before.status) || !this.hooks.onEndedAfterAcceptance) return;
    await this.hooks.onEndedAfterAcceptance(tx, {
      cause,
      referralId: after.referralId,
      organisationId: after.targetOrganisationId,
      previousStatus: before.status,
      at: after.updatedAt,
    });
  }

  /**
   * The package of a redirect or onward referral, cut from what this organisation received and
   * checked against the consent as this organisation knows it now: its scope and expiry, and a
   * withdrawal it recorded (or the referral's restriction). With a fresh consent, that consent is
   * recorded here and checked instead, and the child package carries it.
   */
  private async childPackage(
    tx: Sql,
    source: ReferralRecord,
    input: {
      childId: string;
      origin: ReferralOrigin;
      newTarget: TargetRef;
      serviceType: ServiceType;
      priority: Priority;
      purpose: Purpose;
      reason: string;
      onlyCategories?: readonly DataCategory[] | undefined;
      acting: Acting;
      freshConsent?: FreshConsent | undefined;
    },
  ): Promise<{ pkg: ReferralPackage; fresh: boolean }> {
    const pkg = source.package;
    const now = this.clock.now();
    let consent: ConsentForCheck & { consentId: string };
    if (input.freshConsent) {
      consent = await this.recordFreshConsent(tx, source, input.freshConsent, input.acting, now);
    } else {
      const withdrawal = await withdrawalRegister.find(tx, source.targetOrganisationId, pkg.consentId);
      const restrictedAt = await withdrawalRegister.restrictedAt(tx, source.referralId);
      consent = {
        consentId: pkg.consentId,
        scope: pkg.consentScope ?? EMPTY_SCOPE,
        expiresAt: pkg.consentExpiresAt,
        withdrawnAt: withdrawal?.withdrawnAt ?? restrictedAt,
      };
    }
    const { pkg: minimised } = preparePackage({
      source: pkg,
      consent,
      target: input.newTarget,
      serviceType: input.serviceType,
      purpose: input.purpose,
      onlyCategories: input.onlyCategories,
      at: now,
    });
    return {
      fresh: input.freshConsent !== undefined,
      pkg: {
        ...minimised,
        referralId: input.childId,
        rootReferralId: source.rootReferralId,
        parentReferralId: source.referralId,
        rootReferrerOrganisationId: pkg.rootReferrerOrganisationId || source.referrerOrganisationId,
        origin: input.origin,
        referrer: { organisationId: source.targetOrganisationId },
        target: { organisationId: input.newTarget.organisationId, displayName: input.newTarget.displayName },
        serviceOfferingId: undefined,
        serviceType: input.serviceType,
        priority: input.priority,
        purpose: input.purpose,
        requestedBy: {
          kind: input.acting.actor.kind,
          organisationId: source.targetOrganisationId,
          actorId: input.acting.actorId ?? "",
          role: 0,
        },
        reasonForReferral: input.reason,
      },
    };
  }

  /** Checks and records a consent the person gave this organisation (FreshConsent). */
  private async recordFreshConsent(
    tx: Sql,
    source: ReferralRecord,
    fresh: FreshConsent,
    acting: Acting,
    now: Date,
  ): Promise<ConsentForCheck & { consentId: string }> {
    const problems = freshConsentProblems(fresh, now);
    if (problems.length > 0) throw new InvalidArgumentError(problems);
    const consentId = uuidv7();
    await freshConsents.record(tx, {
      consentId,
      organisationId: source.targetOrganisationId,
      beneficiaryRef: source.beneficiaryRef,
      referralId: source.referralId,
      consent: fresh,
      recordedAt: now,
      recordedBy: { kind: acting.actor.kind, actorId: acting.actorId },
    });
    return { consentId, scope: fresh.scope ?? EMPTY_SCOPE, expiresAt: fresh.expiresAt };
  }

  private async load(
    tx: Sql,
    referralId: string,
    role: ReferralRole,
    scope: readonly string[],
  ): Promise<ReferralRecord> {
    const record = await referralStore.find(tx, referralId, role, { forUpdate: true });
    const owner = record && (role === "target" ? record.targetOrganisationId : record.referrerOrganisationId);
    if (!record || !owner || !scope.includes(owner)) throw new ReferralNotFoundError(referralId);
    return record;
  }

  private async publishOutcome(
    tx: Sql,
    record: ReferralRecord,
    version: number,
    completedAt: Date | undefined,
  ): Promise<void> {
    await appendToOutbox(tx, this.producerFor(record.targetOrganisationId), {
      definition: EVENTS.referralOutcomeReported,
      payload: outcomeReportedEvent(record, completedAt),
      correlationId: record.rootReferralId,
      aggregate: { type: OUTCOME_AGGREGATE, id: record.referralId, sequence: version },
    });
  }

  private async applyAsTarget(
    tx: Sql,
    record: ReferralRecord,
    command: TransitionCommand,
    acting: Acting,
    internalNote?: string,
  ): Promise<ReferralRecord> {
    const { next, works } = this.targetTransition(tx, record, command, acting, internalNote);
    await allInOrder(tx, works);
    return next;
  }

  /**
   * The writes of a staff or system transition on a received referral, to be sent together (one
   * round trip) by `allInOrder`, alone or behind other writes of the same transaction.
   */
  private targetTransition(
    tx: Sql,
    record: ReferralRecord,
    command: TransitionCommand,
    acting: Acting,
    internalNote?: string,
  ): { next: ReferralRecord; works: Works } {
    const { state, change } = applyTransition(record, command, acting.actor, this.clock.now());
    const next: ReferralRecord = { ...record, ...state };
    const works: Works = [
      () => referralStore.saveState(tx, "target", record.sequence, state),
      () => referralStore.insertTransition(tx, "target", change, { actorId: acting.actorId, internalNote }),
      () =>
        referralStore.audit(tx, {
          referralId: record.referralId,
          action: command.type,
          organisationId: acting.actor.organisationId,
          actorId: acting.actorId,
          token: acting.token,
        }),
      () =>
        appendToOutbox(tx, this.producerFor(record.targetOrganisationId), {
          definition: EVENTS.referralStatusChanged,
          payload: statusChangedEvent(next, change),
          correlationId: record.rootReferralId,
          aggregate: { type: AGGREGATE, id: record.referralId, sequence: change.sequence },
        }),
    ];
    if (command.type === "complete" || command.type === "notComplete") {
      works.push(
        () =>
          referralStore.saveOutcome(tx, "target", {
            referralId: record.referralId,
            outcomes: next.outcomes,
            version: 1,
            at: change.at,
          }),
        () => this.publishOutcome(tx, next, 1, undefined),
      );
    }
    if (!isAwaitingAnswer(state.status)) works.push(() => cancelTimer(tx, DEADLINE_TIMER, record.referralId));
    // A closed referral has nothing left for its consent's expiry to end.
    if (isTerminal(state.status)) works.push(() => cancelTimer(tx, CONSENT_EXPIRY_TIMER, record.referralId));
    // Acceptance starts the follow-up deadline; closing stops it. Last: it may run several statements.
    works.push(() => this.work.afterTransition(tx, next, change));
    return { next, works };
  }
}

type Works = (() => Promise<unknown>)[];

/** What a package must say about the send beyond the package itself. */
export interface SendOptions {
  /** What kind of disclosure it is, for the ledger. Default: a referral package. */
  kind?: DisclosureKind | undefined;
  /** The target's partner kind (a consent may cover it by kind). Unknown: only by its id. */
  targetPartnerKind?: PartnerKind | undefined;
  /** When the caller knows the consent was withdrawn (the consent's owner). */
  consentWithdrawnAt?: Date | undefined;
  /**
   * The withdrawal register's entry for (referrer, consent), read by the caller earlier in this
   * transaction together with its other reads (`withdrawalRegister.find`), so `send` need not read it
   * again; `{}` when there is none.
   */
  heldWithdrawal?: { withdrawnAt?: Date | undefined } | undefined;
  /** Made under a consent given to this organisation (FreshConsent). */
  freshConsent?: boolean | undefined;
}

const EMPTY_SCOPE = { organisationIds: [], partnerKinds: [], purposes: [], dataCategories: [] };

/** The reason a package refused on arrival is cancelled with: withdrawn, expired, or not covering. */
function cancelReasonFor(problems: readonly ConsentProblem[]): CancelReason {
  if (problems.some((p) => p.kind === "withdrawn")) return CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN;
  if (problems.some((p) => p.kind === "expired")) return CancelReason.CANCEL_REASON_CONSENT_EXPIRED;
  return CancelReason.CANCEL_REASON_CONSENT_NOT_COVERING;
}

/** A package reduced to ids and codes: what a refused arrival keeps (no section, no free text). */
function withoutPersonalData(pkg: ReferralPackage): ReferralPackage {
  return { ...minimiseSections(pkg, []), reasonForReferral: "" };
}

/** What is missing from a fresh consent, by field (INVALID_ARGUMENT names each). */
export function freshConsentProblems(
  fresh: FreshConsent,
  now: Date,
): { field: string; description: string }[] {
  const problems: { field: string; description: string }[] = [];
  const field = (name: string, description: string) =>
    problems.push({ field: `fresh_consent.${name}`, description });
  if (!fresh.givenBy) field("given_by", "is required");
  if ((fresh.givenBy === 2 || fresh.givenBy === 3) && (fresh.caregiverRelationship ?? "").trim() === "")
    field("caregiver_relationship", "is required when a caregiver or guardian gives consent");
  if (!fresh.method) field("method", "is required");
  if (fresh.explainedInLanguage.trim() === "") field("explained_in_language", "is required");
  const scope = fresh.scope;
  if (!scope || (scope.organisationIds.length === 0 && scope.partnerKinds.length === 0))
    field("scope", "must name an organisation or a partner kind");
  if (!scope || scope.purposes.length === 0) field("scope.purposes", "must name a purpose");
  if (!scope || scope.dataCategories.length === 0)
    field("scope.data_categories", "must name a data category");
  if (!fresh.expiresAt) field("expires_at", "is required (there is no open-ended consent)");
  else if (fresh.expiresAt.getTime() <= now.getTime()) field("expires_at", "must be in the future");
  return problems;
}

function keepOnlyContracted(pkg: ReferralPackage): ReferralPackage {
  let contracted: readonly DataCategory[];
  try {
    const contract = dataContractFor(pkg.serviceType);
    contracted = [...contract.required, ...contract.optional];
  } catch {
    contracted = [];
  }
  const consented = new Set(pkg.consentScope?.dataCategories ?? []);
  const keep = presentDataCategories(pkg).filter((c) => contracted.includes(c) && consented.has(c));
  return minimiseSections(pkg, keep);
}

function emptyDisaggregation() {
  return {
    sex: 0,
    ageBand: 0,
    disabilityStatus: 0,
    nationality: "",
    legalStatus: 0,
    provinceCode: "",
    districtCode: "",
  };
}

/**
 * Serialises, per holder and consent, a package arriving with the consent's withdrawal arriving:
 * each is handled by its own consumer, and without a common lock each transaction could miss the
 * other's uncommitted row — the package stored as received although the withdrawal was recorded,
 * or the withdrawal restricting nothing although the package was stored.
 */
async function lockConsentHeldBy(tx: Sql, organisationId: string, consentId: string): Promise<void> {
  await holdNamedLock(tx, `kopru_consent_held:${organisationId}:${consentId}`);
}
