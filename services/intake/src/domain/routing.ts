import type { Location } from "@kopru/contracts/common/v1/disaggregation";
import { PartnerKind, Purpose, type ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  CapacityStatus,
  MatchReason,
  type Organisation,
  type ServiceMatch,
  type ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";
import { RoutingCriteria } from "@kopru/contracts/intake/v1/intake_service";
import { type MatchCriteria, rankOfferings } from "@kopru/directory";
import {
  type ConsentForCheck,
  consentCovers,
  dataContractFor,
  restrictedTargetProblems,
} from "@kopru/referral/domain";
import { ageAt } from "./disaggregation.js";
import type { NoCandidateError } from "./errors.js";
import type { BeneficiaryRecord } from "./records.js";

export interface RoutingRequest {
  serviceType: ServiceType;
  criteria: RoutingCriteria | undefined;
  /** The person, when known: default location and language, and eligibility (age, sex, …). */
  person?: BeneficiaryRecord | undefined;
  at: Date;
  /** Organisations never to route to, on top of the criteria's (e.g. targets already tried). */
  alsoExcluded?: readonly string[];
  /** An offering to try first when it is among the candidates (coordination's suggestion). */
  preferredOfferingId?: string | undefined;
  limit?: number;
}

/** Where the service is needed: the criteria's location, else the person's residence. */
export function routingLocation(request: Pick<RoutingRequest, "criteria" | "person">): Location | undefined {
  const given = request.criteria?.location;
  if (given?.provinceCode) return given;
  return request.person?.residence;
}

/** What rankOfferings matches on, from the criteria and what is known of the person. */
export function matchCriteria(request: RoutingRequest): MatchCriteria {
  const { criteria, person } = request;
  const location = routingLocation(request);
  return {
    serviceType: request.serviceType,
    provinceCode: location?.provinceCode ?? "",
    districtCode: location?.districtCode || undefined,
    language: criteria?.language || person?.preferredLanguage || undefined,
    age: ageAt(person?.birthYear, request.at),
    ...(person?.sex ? { sex: person.sex } : {}),
    ...(person?.nationality ? { nationality: person.nationality } : {}),
    ...(person?.legalStatus ? { legalStatus: person.legalStatus } : {}),
    excludeOrganisationIds: [...(criteria?.excludedOrganisationIds ?? []), ...(request.alsoExcluded ?? [])],
    // Enough to filter further below; the caller's limit is applied last.
    limit: 1_000,
  };
}

/**
 * The service types a referral routed to this candidate may count as offered there, for the restricted
 * rule of `preparePackage`: the candidate offering's own type when it is active, else none.
 */
export function offeredServiceTypesOf(candidate: ServiceMatch): ServiceType[] {
  return candidate.serviceOffering?.active ? [candidate.serviceOffering.serviceType] : [];
}

/**
 * Whether `preparePackage`'s restricted rule could let a referral of the service type go to this
 * candidate at all (ADR 0014): for GBV and child-protection case management, never a municipality or
 * a community centre (whatever its directory entry lists) and only through an active offering of
 * that service type. Always true for the other service types.
 */
export function restrictedRuleAllows(candidate: ServiceMatch, serviceType: ServiceType): boolean {
  return (
    restrictedTargetProblems(serviceType, {
      partnerKind: candidate.organisation?.partnerKind ?? PartnerKind.PARTNER_KIND_UNSPECIFIED,
      offeredServiceTypes: offeredServiceTypesOf(candidate),
    }).length === 0
  );
}

/**
 * Candidates for a need, best first (the directory library's ranking: place, language, eligibility,
 * capacity), narrowed by the criteria: only the partner kinds asked for, and offerings with a
 * waitlist only when the criteria accept a waitlist. Full and suspended offerings never appear, nor
 * does a candidate the restricted rule would refuse (`restrictedRuleAllows`): what is suggested can be
 * sent.
 */
export function rankCandidates(
  offerings: readonly ServiceOffering[],
  organisations: ReadonlyMap<string, Organisation>,
  request: RoutingRequest,
): ServiceMatch[] {
  const kinds = request.criteria?.partnerKinds ?? [];
  const allowWaitlist = request.criteria?.allowWaitlist ?? false;
  const ranked = rankOfferings(offerings, organisations, matchCriteria(request)).filter(
    (match) =>
      (kinds.length === 0 || kinds.includes(match.organisation?.partnerKind ?? 0)) &&
      restrictedRuleAllows(match, request.serviceType) &&
      (allowWaitlist || match.serviceOffering?.capacityStatus !== CapacityStatus.CAPACITY_STATUS_WAITLIST),
  );
  const preferred = ranked.findIndex(
    (m) => m.serviceOffering?.serviceOfferingId === request.preferredOfferingId,
  );
  if (request.preferredOfferingId && preferred > 0) ranked.unshift(...ranked.splice(preferred, 1));
  return ranked.slice(0, request.limit || ranked.length).map((match, i) => ({ ...match, rank: i + 1 }));
}

/**
 * `rankCandidates`, and when no offering has room and the criteria did not accept a waitlist, the
 * offerings that keep a waitlist instead (their reasons say MATCH_REASON_WAITLIST_OFFERED): staff see
 * that the person can wait for a place rather than "no candidate".
 */
export function candidatesOrWaitlist(
  offerings: readonly ServiceOffering[],
  organisations: ReadonlyMap<string, Organisation>,
  request: RoutingRequest,
): ServiceMatch[] {
  const ranked = rankCandidates(offerings, organisations, request);
  if (ranked.length > 0 || request.criteria?.allowWaitlist) return ranked;
  return rankCandidates(offerings, organisations, {
    ...request,
    criteria: { ...RoutingCriteria.fromPartial(request.criteria ?? {}), allowWaitlist: true },
  });
}

/**
 * Tries the candidates best first and returns the first one `attempt` accepts (it prepares the
 * package: consent and data contract). If none does, the best candidate's refusal is thrown — it
 * names what the consent lacks — or NoCandidateError when there was no candidate at all. An error
 * that is not a refusal (`isRefusal`) stops the search at once.
 */
export function firstAccepted<T>(
  candidates: readonly ServiceMatch[],
  attempt: (candidate: ServiceMatch) => T,
  options: { isRefusal(error: unknown): boolean; noCandidate(): NoCandidateError },
): { candidate: ServiceMatch; result: T } {
  let firstRefusal: unknown;
  for (const candidate of candidates) {
    try {
      return { candidate, result: attempt(candidate) };
    } catch (error) {
      if (!options.isRefusal(error)) throw error;
      firstRefusal ??= error;
    }
  }
  throw firstRefusal ?? options.noCandidate();
}

/**
 * Whether a consent covers sending this service type to an organisation, for SuggestTargets: the
 * organisation or its partner kind, every category the service type requires, and neither expired
 * nor withdrawn. The purpose is not known yet at that point, so it is not judged.
 */
export function consentCoversCandidate(
  consent: ConsentForCheck,
  organisation: Organisation,
  serviceType: ServiceType,
  at: Date,
): boolean {
  const coverage = consentCovers(consent, {
    targetOrganisationId: organisation.organisationId,
    targetPartnerKind: organisation.partnerKind,
    purpose: Purpose.PURPOSE_UNSPECIFIED,
    dataCategories: dataContractFor(serviceType).required,
    at,
  });
  return coverage.covered || coverage.problems.every((p) => p.kind === "purpose_not_covered");
}

/** A candidate with the consent's verdict added to its reasons. */
export function withConsentReason(match: ServiceMatch, covered: boolean): ServiceMatch {
  return {
    ...match,
    reasons: [
      ...match.reasons,
      covered ? MatchReason.MATCH_REASON_CONSENT_COVERS : MatchReason.MATCH_REASON_CONSENT_NOT_COVERING,
    ],
  };
}

/** When the replica last changed, as far as the rows read show. */
export function directoryAsOf(
  offerings: readonly ServiceOffering[],
  organisations: Iterable<Organisation>,
): Date | undefined {
  let latest: number | undefined;
  for (const item of [...offerings, ...organisations]) {
    const at = item.updatedAt?.getTime();
    if (at !== undefined && (latest === undefined || at > latest)) latest = at;
  }
  return latest === undefined ? undefined : new Date(latest);
}
