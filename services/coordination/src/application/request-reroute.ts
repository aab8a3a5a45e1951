import { appendToOutbox } from "@kopru/bus";
import { ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";
import { CapacityStatus } from "@kopru/contracts/coordination/v1/directory";
import type { ReRouteReason } from "@kopru/contracts/coordination/v1/tracking";
import { EVENTS } from "@kopru/events";
import { NotFoundError, PermissionDeniedError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import { type Access, mayRequestReRoute } from "../domain/access.js";
import {
  AlreadyReroutedError,
  NotReroutableError,
  SuggestedOfferingExcludedError,
  SuggestedOfferingFullError,
  SuggestedOfferingTypeMismatchError,
} from "../domain/errors.js";
import { excludedOrganisations, reRouteRefusal } from "../domain/reroute.js";
import { type CoordinationDeps, producerFor } from "./deps.js";

export const REROUTE_AGGREGATE = "referral-reroute";

export interface ReRouteInput {
  referralId: string;
  reason: ReRouteReason;
  suggestedServiceOfferingId: string | undefined;
  excludedOrganisationIds: readonly string[];
}

const UNAVAILABLE: readonly number[] = [
  CapacityStatus.CAPACITY_STATUS_FULL,
  CapacityStatus.CAPACITY_STATUS_SUSPENDED,
];

async function offeringUnavailable(deps: CoordinationDeps, tx: Sql, offeringId: string | undefined) {
  if (!offeringId) return false;
  const stored = await deps.directory.offering(tx, offeringId);
  return (
    !stored ||
    !!stored.removedAt ||
    !stored.offering.active ||
    UNAVAILABLE.includes(stored.offering.capacityStatus)
  );
}

/**
 * Asks the referrer to re-route a referral that expired or could not be served: publishes
 * ReferralReRouteRequested on the referrer's subject, excluding every target already tried in the
 * chain, and records that it was asked, in one transaction. Coordinators only. Asking again for
 * the same referral answers the first request's time and publishes nothing.
 */
export async function requestReRoute(
  deps: CoordinationDeps,
  input: ReRouteInput,
  access: Access,
): Promise<Date> {
  if (!mayRequestReRoute(access)) throw new PermissionDeniedError("only coordinators may ask for a re-route");
  const outcome = await deps.db.transaction(async (tx) => {
    const referral = await deps.tracking.referral(tx, input.referralId, { forUpdate: true });
    if (!referral) throw new NotFoundError("referral", input.referralId);
    if (referral.rerouteRequestedAt) return { requestedAt: referral.rerouteRequestedAt, changed: false };
    if (referral.reroutedAs) {
      throw new AlreadyReroutedError(input.referralId, referral.reroutedAs);
    }
    const now = deps.clock.now();
    const refusal = reRouteRefusal(
      {
        status: referral.status,
        respondBy: referral.respondBy,
        offeringUnavailable: await offeringUnavailable(deps, tx, referral.serviceOfferingId),
      },
      input.reason,
      now,
    );
    if (refusal) throw new NotReroutableError(input.referralId, refusal);

    const chain = await deps.tracking.chain(tx, referral.rootReferralId);
    const excluded = excludedOrganisations(input.excludedOrganisationIds, [
      referral.targetOrganisationId,
      ...chain.map((r) => r.targetOrganisationId),
    ]);
    if (input.suggestedServiceOfferingId) {
      const suggested = await deps.directory.offering(tx, input.suggestedServiceOfferingId);
      if (!suggested) throw new NotFoundError("service offering", input.suggestedServiceOfferingId);
      const offering = suggested.offering;
      if (suggested.removedAt || !offering.active || UNAVAILABLE.includes(offering.capacityStatus)) {
        throw new SuggestedOfferingFullError(offering.serviceOfferingId);
      }
      if (offering.serviceType !== referral.serviceType) {
        throw new SuggestedOfferingTypeMismatchError(offering.serviceOfferingId);
      }
      if (excluded.includes(offering.organisationId)) {
        throw new SuggestedOfferingExcludedError(offering.serviceOfferingId, offering.organisationId);
      }
    }

    await appendToOutbox(tx, producerFor(access), {
      definition: EVENTS.referralReRouteRequested,
      payload: {
        referralId: referral.referralId,
        rootReferralId: referral.rootReferralId,
        referrerOrganisationId: referral.referrerOrganisationId,
        targetOrganisationId: referral.targetOrganisationId,
        serviceType: referral.serviceType,
        priority: referral.priority,
        reason: input.reason,
        excludedOrganisationIds: excluded,
        suggestedServiceOfferingId: input.suggestedServiceOfferingId,
        // The coordinator's organisation and role; a staff user id is personal data and stays out.
        requestedBy: {
          kind: ActorKind.ACTOR_KIND_STAFF,
          organisationId: access.organisationId,
          actorId: "",
          role: StaffRole.STAFF_ROLE_COORDINATOR,
        },
        requestedAt: now,
      },
      aggregate: { type: REROUTE_AGGREGATE, id: referral.referralId, sequence: 1 },
      correlationId: referral.rootReferralId,
      occurredAt: now,
    });
    await deps.tracking.markReRouteRequested(tx, referral.referralId, now, input.reason);
    return { requestedAt: now, changed: true };
  });
  if (outcome.changed) deps.afterCommit();
  return outcome.requestedAt;
}
