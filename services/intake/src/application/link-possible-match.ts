import type {
  LinkPossibleMatchRequest,
  LinkPossibleMatchResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { NotFoundError } from "@kopru/service-kit";
import {
  ConsentNotInForceError,
  MatchingOffError,
  MatchingUnavailableError,
} from "../domain/matching-errors.js";
import { ownBeneficiary, ownConsent } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";

/**
 * Links a possible match told for this person, under a consent of the person that is in force. The
 * match must be one the matching service told for this person's record (another person's, or one
 * never told, is NOT_FOUND); the matching service records the link and shows it to both organisations.
 */
export async function linkPossibleMatch(
  deps: IntakeDeps,
  caller: Caller,
  request: LinkPossibleMatchRequest,
): Promise<LinkPossibleMatchResponse> {
  // Whose person and consent first: another organisation's ids are NOT_FOUND whatever the configuration.
  const person = await ownBeneficiary(deps, deps.db, request.beneficiaryId, caller.organisationId);
  const consent = await ownConsent(deps, deps.db, request.consentId, caller.organisationId, {
    beneficiaryId: person.beneficiaryId,
  });
  const matching = deps.matching;
  if (!matching) throw new MatchingOffError();
  const now = deps.clock.now();
  if (consent.withdrawnAt || (consent.expiresAt && consent.expiresAt <= now))
    throw new ConsentNotInForceError(consent.consentId);
  const registration = await matching.registrations.find(deps.db, person.beneficiaryId);
  if (!registration?.possibleMatches.some((m) => m.matchId === request.matchId))
    throw new NotFoundError("match", request.matchId);
  let link: LinkPossibleMatchResponse["link"];
  try {
    link = await matching.client.link(caller.organisationId, request.matchId, consent.consentId);
  } catch (error) {
    throw new MatchingUnavailableError({ cause: error });
  }
  await deps.repos.audit.record(deps.db, {
    organisationId: caller.organisationId,
    actor: caller.actor,
    token: caller.token,
    action: "link-match",
    entityType: "beneficiary",
    entityId: person.beneficiaryId,
  });
  return { link };
}
