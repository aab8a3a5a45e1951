import type {
  SuggestTargetsRequest,
  SuggestTargetsResponse,
} from "@kopru/contracts/intake/v1/intake_service";
import { InvalidArgumentError } from "@kopru/service-kit";
import type { BeneficiaryRecord, ConsentRecordStored } from "../domain/records.js";
import {
  candidatesOrWaitlist,
  consentCoversCandidate,
  directoryAsOf,
  routingLocation,
  withConsentReason,
} from "../domain/routing.js";
import { ownBeneficiary, ownConsent } from "./load.js";
import type { Caller, IntakeDeps } from "./ports.js";

const DEFAULT_LIMIT = 10;

/**
 * Ranked candidates for a need from intake's replica of the directory, with the reasons (free places
 * counted; offerings with a waitlist offered when none has room); when a person
 * is named their place, language, age, sex, nationality and legal status are matched (and the read
 * is audited); when a consent is named each candidate says whether it covers it.
 */
export async function suggestTargets(
  deps: IntakeDeps,
  caller: Caller,
  request: SuggestTargetsRequest,
): Promise<SuggestTargetsResponse> {
  const now = deps.clock.now();
  let person: BeneficiaryRecord | undefined;
  let consent: ConsentRecordStored | undefined;
  await deps.db.transaction(async (tx) => {
    if (request.beneficiaryId) {
      person = await ownBeneficiary(deps, tx, request.beneficiaryId, caller.organisationId);
      await deps.repos.audit.record(tx, {
        organisationId: caller.organisationId,
        actor: caller.actor,
        token: caller.token,
        action: "read-for-routing",
        entityType: "beneficiary",
        entityId: person.beneficiaryId,
      });
    }
    if (request.consentId) {
      consent = await ownConsent(deps, tx, request.consentId, caller.organisationId, {
        ...(person ? { beneficiaryId: person.beneficiaryId } : {}),
      });
    }
  });
  if (!routingLocation({ criteria: request.criteria, person })?.provinceCode) {
    throw new InvalidArgumentError([
      {
        field: "criteria.location.province_code",
        description: "is required when beneficiary_id is not given",
      },
    ]);
  }
  const directory = deps.directory(deps.db);
  const offerings = await directory.offerings({ serviceType: request.serviceType });
  const organisations = new Map((await directory.organisations()).map((o) => [o.organisationId, o]));
  // Ranked by place, language, eligibility, capacity and free places; the waitlists when all are full.
  const ranked = candidatesOrWaitlist(offerings, organisations, {
    serviceType: request.serviceType,
    criteria: request.criteria,
    person,
    at: now,
    limit: request.limit || DEFAULT_LIMIT,
  });
  const given = consent;
  const candidates = given
    ? ranked.map((match) =>
        withConsentReason(
          match,
          match.organisation !== undefined &&
            consentCoversCandidate(
              {
                scope: given.scope ?? {
                  organisationIds: [],
                  partnerKinds: [],
                  purposes: [],
                  dataCategories: [],
                },
                expiresAt: given.expiresAt,
                withdrawnAt: given.withdrawnAt,
              },
              match.organisation,
              request.serviceType,
              now,
            ),
        ),
      )
    : ranked;
  return { candidates, directoryAsOf: directoryAsOf(offerings, organisations.values()) };
}
