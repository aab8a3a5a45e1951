import type { ReceivedEvent } from "@kopru/bus";
import type { ReferralReRouteRequested } from "@kopru/contracts/coordination/v1/events";
import { ConsentRefusedError, DataContractUnmetError, ReferralNotFoundError } from "@kopru/referral";
import { NotFoundError } from "@kopru/service-kit";
import type { Sql } from "@kopru/storage";
import {
  AlreadyReroutedError,
  CategoriesNotHeldError,
  NoCandidateError,
  NotReroutableError,
} from "../domain/errors.js";
import { systemCaller } from "./caller.js";
import type { IntakeDeps, RerouteLogEntry, RerouteOutcome } from "./ports.js";
import { reroute } from "./reroute-referral.js";

interface Refused {
  outcome: RerouteOutcome;
  problems: string[];
  candidateOrganisationId?: string | undefined;
  childReferralId?: string | undefined;
}

/** What a refusal means for the re-route log; undefined for an error that is not a refusal. */
function refusal(error: unknown): Refused | undefined {
  if (error instanceof ConsentRefusedError) {
    const organisation = error.problems.find((p) => p.kind === "organisation_not_covered");
    return {
      outcome: "needs_new_consent",
      problems: [...new Set(error.problems.map((p) => p.kind))],
      candidateOrganisationId:
        organisation?.kind === "organisation_not_covered" ? organisation.organisationId : undefined,
    };
  }
  if (error instanceof DataContractUnmetError) {
    return error.notConsented.length > 0
      ? { outcome: "needs_new_consent", problems: ["data_category_not_covered"] }
      : { outcome: "not_reroutable", problems: ["data_not_held"] };
  }
  if (error instanceof CategoriesNotHeldError)
    return { outcome: "not_reroutable", problems: ["data_not_held"] };
  if (error instanceof NoCandidateError) return { outcome: "no_candidate", problems: [] };
  if (error instanceof AlreadyReroutedError)
    return { outcome: "already_rerouted", problems: [], childReferralId: error.childReferralId };
  if (error instanceof NotReroutableError) return { outcome: "not_reroutable", problems: ["status"] };
  if (error instanceof ReferralNotFoundError || error instanceof NotFoundError)
    return { outcome: "not_reroutable", problems: ["not_found"] };
  return undefined;
}

/**
 * Coordination asked the referrer organisation to re-route a referral (it expired, was declined, or
 * its offering became unavailable). Intake re-routes it when it may and the consent covers a new
 * target; otherwise it records why — notably that a new consent is needed — in `reroute_requests`,
 * and logs ids and codes only. Runs in the consumer's transaction, with its inbox row.
 */
export async function handleReRouteRequested(
  tx: Sql,
  deps: IntakeDeps,
  organisationId: string,
  event: ReceivedEvent<ReferralReRouteRequested>,
): Promise<void> {
  const request = event.payload;
  const entry: Omit<RerouteLogEntry, "outcome" | "consentProblems"> = {
    referralId: request.referralId,
    rootReferralId: request.rootReferralId || request.referralId,
    organisationId,
    source: "coordination",
    reason: request.reason,
    eventId: event.eventId,
    excludedOrganisationIds: [...request.excludedOrganisationIds],
    requestedAt: request.requestedAt ?? event.occurredAt,
  };
  let logged: RerouteLogEntry;
  if (request.referrerOrganisationId !== organisationId) {
    logged = { ...entry, outcome: "not_reroutable", consentProblems: ["not_found"] };
  } else {
    try {
      const result = await reroute(tx, deps, {
        caller: systemCaller(organisationId),
        referralId: request.referralId,
        reason: request.reason,
        excluded: request.excludedOrganisationIds,
        preferredOfferingId: request.suggestedServiceOfferingId,
      });
      logged = {
        ...entry,
        outcome: "rerouted",
        childReferralId: result.child.referralId,
        consentId: result.child.consentId,
        consentProblems: [],
        excludedOrganisationIds: result.excluded,
      };
    } catch (error) {
      const refused = refusal(error);
      if (!refused) throw error;
      logged = {
        ...entry,
        outcome: refused.outcome,
        consentProblems: refused.problems,
        candidateOrganisationId: refused.candidateOrganisationId,
        childReferralId: refused.childReferralId,
      };
    }
  }
  await deps.repos.reroutes.record(tx, logged);
  // Ids and codes only: never the person, the package or a free-text reason.
  deps.logger.info(
    {
      referralId: logged.referralId,
      organisationId,
      outcome: logged.outcome,
      childReferralId: logged.childReferralId,
      consentProblems: logged.consentProblems,
    },
    logged.outcome === "needs_new_consent"
      ? "re-route needs a new consent; recorded in reroute_requests"
      : "re-route request handled",
  );
}
