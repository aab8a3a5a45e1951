import { CancelReason, ReferralOrigin } from "@kopru/contracts/common/v1/vocabulary";
import { ReRouteReason } from "@kopru/contracts/coordination/v1/tracking";
import type { RouteReferralRequest, RouteReferralResponse } from "@kopru/contracts/intake/v1/intake_service";
import { ReferralNotFoundError, type ReferralRecord, referralStore, referralView } from "@kopru/referral";
import { NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { AlreadyReroutedError, NotReroutableError } from "../domain/errors.js";
import { rerouteExclusions, rerouteVerdict } from "../domain/reroute.js";
import { ownConsent } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";
import { claimReferralRequest, type Routing, routingOf, sendReferral } from "./send-referral.js";

export interface RerouteInput {
  caller: Caller;
  referralId: string;
  /** Why it is re-routed; OFFERING_UNAVAILABLE also allows re-routing a referral still open. */
  reason: ReRouteReason;
  /** A named target or criteria (staff); absent: the person's place and language (coordination). */
  routing?: Routing | undefined;
  /** Organisations not to route to, on top of every target already tried in the chain. */
  excluded: readonly string[];
  preferredOfferingId?: string | undefined;
  childReferralId?: string | undefined;
  /** A newer consent of the same person to re-route under; default the original's. */
  consentId?: string | undefined;
}

export interface Rerouted {
  parent: ReferralRecord;
  child: ReferralRecord;
  excluded: string[];
  cancelledOriginal: boolean;
}

/**
 * Re-routes a referral the caller's organisation made: a child referral (origin REROUTE, same chain,
 * the original as parent) to the next best target that has not been tried in the chain, for the same
 * service, priority and purpose, with the same data categories, re-cut from what intake holds now and
 * checked against the consent as it stands now (or a newer consent of the same person, when given). If the original is still open (overdue, or its offering
 * became unavailable), its cancellation is asked for in the same transaction. Refusals throw before
 * anything is written.
 */
export async function reroute(tx: Sql, deps: IntakeDeps, input: RerouteInput): Promise<Rerouted> {
  const organisationId = input.caller.organisationId;
  const seen = await referralStore.find(tx, input.referralId, "referrer");
  if (!seen || seen.referrerOrganisationId !== organisationId)
    throw new ReferralNotFoundError(input.referralId);
  const person = await deps.repos.beneficiaries.findByRef(tx, seen.beneficiaryRef, organisationId);
  if (!person) throw new NotFoundError("beneficiary of referral", seen.referralId);
  // The consent before the referral, in the order WithdrawConsent locks them: no deadlock between them.
  const consent = await ownConsent(deps, tx, input.consentId || seen.consentId, organisationId, {
    beneficiaryId: person.beneficiaryId,
    lock: "share",
  });
  const parent = (await referralStore.find(tx, seen.referralId, "referrer", { forUpdate: true })) ?? seen;
  const earlier = await deps.repos.referrals.rerouteChildOf(tx, parent.referralId);
  if (earlier) throw new AlreadyReroutedError(parent.referralId, earlier);
  const verdict = rerouteVerdict(parent, input.reason, deps.clock.now());
  if (verdict.kind === "refuse") throw new NotReroutableError(parent.referralId, parent.status);
  const excluded = rerouteExclusions(input.excluded, await triedTargets(deps, tx, parent));
  const routing: Routing =
    input.routing?.kind === "explicit"
      ? input.routing
      : {
          kind: "criteria",
          criteria: input.routing?.criteria,
          alsoExcluded: excluded,
          preferredOfferingId: input.preferredOfferingId,
        };
  const child = await sendReferral(tx, deps, {
    referralId: input.childReferralId,
    caller: input.caller,
    person,
    consent,
    screening: await deps.repos.screenings.latest(tx, person.beneficiaryId),
    serviceType: parent.serviceType,
    priority: parent.priority,
    purpose: parent.purpose,
    reasonForReferral: parent.package.reasonForReferral,
    askedCategories: parent.package.sharedDataCategories,
    routing,
    origin: ReferralOrigin.REFERRAL_ORIGIN_REROUTE,
    parent: { referralId: parent.referralId, rootReferralId: parent.rootReferralId },
  });
  if (verdict.cancelOriginal) {
    await deps.lifecycle.requestCancellation(tx, {
      referralId: parent.referralId,
      scope: [organisationId],
      cancelReason: CancelReason.CANCEL_REASON_OTHER,
      acting: input.caller.acting,
    });
  }
  return { parent, child, excluded, cancelledOriginal: verdict.cancelOriginal };
}

/** Every organisation a referral of this chain went to: intake's own, and those further down. */
async function triedTargets(deps: IntakeDeps, tx: Sql, referral: ReferralRecord): Promise<string[]> {
  const own = await deps.repos.referrals.ownInChain(
    tx,
    referral.rootReferralId,
    referral.referrerOrganisationId,
  );
  const records = await Promise.all(own.map((id) => referralStore.find(tx, id, "referrer")));
  const events = await deps.repos.referrals.chainEvents(tx, referral.rootReferralId);
  return [
    referral.targetOrganisationId,
    ...records.map((r) => r?.targetOrganisationId ?? ""),
    ...events.map((e) => e.targetOrganisationId),
  ];
}

/**
 * RouteReferral: staff re-route an expired, declined or not-completed (or overdue) referral, to a named
 * target or by criteria. Idempotent by request_id; the re-route is logged in `reroute_requests`.
 */
export async function routeReferral(
  deps: IntakeDeps,
  caller: Caller,
  request: RouteReferralRequest,
): Promise<RouteReferralResponse> {
  const { record, created } = await deps.db.transaction(async (tx) => {
    const claim = await claimReferralRequest(
      tx,
      caller.organisationId,
      request.requestId,
      (first) => first.parentReferralId === request.referralId,
    );
    if (claim.first) return { record: claim.first, created: false };
    const result = await reroute(tx, deps, {
      caller,
      referralId: request.referralId,
      reason: ReRouteReason.RE_ROUTE_REASON_UNSPECIFIED,
      routing: routingOf(request.routing),
      excluded: [],
      childReferralId: claim.referralId,
      consentId: request.consentId || undefined,
    });
    await deps.repos.reroutes.record(tx, {
      referralId: result.parent.referralId,
      rootReferralId: result.parent.rootReferralId,
      organisationId: caller.organisationId,
      source: "staff",
      reason: ReRouteReason.RE_ROUTE_REASON_UNSPECIFIED,
      outcome: "rerouted",
      childReferralId: result.child.referralId,
      consentId: result.child.consentId,
      consentProblems: [],
      excludedOrganisationIds: result.excluded,
      requestedAt: deps.clock.now(),
    });
    return { record: result.child, created: true };
  });
  if (created) deps.afterCommit();
  return { referral: referralView(record) };
}
