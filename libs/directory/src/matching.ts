import type { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import type { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  CapacityStatus,
  MatchReason,
  type Organisation,
  type ServiceMatch,
  type ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";

/** What the person needs and what is known of them (bands and codes only). */
export interface MatchCriteria {
  serviceType: ServiceType;
  provinceCode: string;
  districtCode?: string;
  language?: string;
  age?: number | undefined;
  sex?: Sex;
  nationality?: string;
  legalStatus?: LegalStatus;
  includeUnavailable?: boolean;
  excludeOrganisationIds?: readonly string[];
  limit?: number;
}

const UNAVAILABLE = new Set([CapacityStatus.CAPACITY_STATUS_FULL, CapacityStatus.CAPACITY_STATUS_SUSPENDED]);

/**
 * Ranks directory offerings for a need: only offerings of the service type, active, covering the
 * person's province and whose eligibility the person does not fail; then by place (district before
 * province), language, capacity status and, where the offering counts them, its free places (a
 * waitlisted offering says so). Used by intake to route and by coordination to search, so both give
 * the same answer.
 */
export function rankOfferings(
  offerings: readonly ServiceOffering[],
  organisations: ReadonlyMap<string, Organisation>,
  criteria: MatchCriteria,
): ServiceMatch[] {
  const scored: {
    offering: ServiceOffering;
    organisation: Organisation;
    score: number;
    reasons: MatchReason[];
  }[] = [];
  for (const offering of offerings) {
    const organisation = organisations.get(offering.organisationId);
    if (!organisation?.active || !offering.active) continue;
    if (offering.serviceType !== criteria.serviceType) continue;
    if (criteria.excludeOrganisationIds?.includes(offering.organisationId)) continue;
    if (UNAVAILABLE.has(offering.capacityStatus) && !criteria.includeUnavailable) continue;

    const reasons: MatchReason[] = [];
    let score = 0;
    const inProvince = offering.coverage.filter((c) => c.provinceCode === criteria.provinceCode);
    if (inProvince.length === 0) continue;
    const district =
      criteria.districtCode &&
      inProvince.some((c) => c.districtCode === criteria.districtCode || c.districtCode === "");
    if (district) {
      score += 40;
      reasons.push(MatchReason.MATCH_REASON_SAME_DISTRICT);
    } else {
      score += 25;
      reasons.push(MatchReason.MATCH_REASON_SAME_PROVINCE);
    }

    if (criteria.language) {
      if (offering.languages.includes(criteria.language)) {
        score += 20;
        reasons.push(MatchReason.MATCH_REASON_LANGUAGE_MATCH);
      } else {
        reasons.push(MatchReason.MATCH_REASON_LANGUAGE_MISMATCH);
      }
    }

    const eligibility = eligible(offering, criteria);
    if (eligibility === false) continue;
    reasons.push(
      eligibility ? MatchReason.MATCH_REASON_ELIGIBLE : MatchReason.MATCH_REASON_ELIGIBILITY_UNKNOWN,
    );
    score += eligibility ? 15 : 5;

    if (offering.capacityStatus === CapacityStatus.CAPACITY_STATUS_AVAILABLE) {
      score += 25;
      reasons.push(MatchReason.MATCH_REASON_CAPACITY_AVAILABLE);
    } else if (UNAVAILABLE.has(offering.capacityStatus)) {
      score -= 100;
      reasons.push(MatchReason.MATCH_REASON_CAPACITY_UNAVAILABLE);
    } else {
      score += 10;
      reasons.push(MatchReason.MATCH_REASON_CAPACITY_CONSTRAINED);
      if (offering.capacityStatus === CapacityStatus.CAPACITY_STATUS_WAITLIST)
        reasons.push(MatchReason.MATCH_REASON_WAITLIST_OFFERED);
    }
    // Live capacity: among otherwise equal offerings, more free places rank higher (at most +10, so
    // places never outweigh the capacity status, place or language).
    const free = offering.freePlaces;
    if (free !== undefined && free > 0 && !UNAVAILABLE.has(offering.capacityStatus)) {
      score += Math.min(10, free);
      reasons.push(MatchReason.MATCH_REASON_PLACES_FREE);
    }
    scored.push({ offering, organisation, score, reasons });
  }
  scored.sort(
    (a, b) => b.score - a.score || a.offering.serviceOfferingId.localeCompare(b.offering.serviceOfferingId),
  );
  return scored.slice(0, criteria.limit || 20).map((s, i) => ({
    serviceOffering: s.offering,
    organisation: s.organisation,
    rank: i + 1,
    score: s.score,
    reasons: s.reasons,
  }));
}

/** true: meets every stated criterion; false: fails one; undefined: a needed attribute is unknown. */
function eligible(offering: ServiceOffering, person: MatchCriteria): boolean | undefined {
  const rules = offering.eligibility;
  if (!rules) return true;
  let unknown = false;
  if (rules.minAge !== undefined || rules.maxAge !== undefined) {
    if (person.age === undefined) unknown = true;
    else if (
      (rules.minAge !== undefined && person.age < rules.minAge) ||
      (rules.maxAge !== undefined && person.age > rules.maxAge)
    ) {
      return false;
    }
  }
  if (rules.sexes.length > 0) {
    if (!person.sex) unknown = true;
    else if (!rules.sexes.includes(person.sex)) return false;
  }
  if (rules.nationalities.length > 0) {
    if (!person.nationality) unknown = true;
    else if (!rules.nationalities.includes(person.nationality)) return false;
  }
  if (rules.legalStatuses.length > 0) {
    if (!person.legalStatus) unknown = true;
    else if (!rules.legalStatuses.includes(person.legalStatus)) return false;
  }
  return unknown ? undefined : true;
}
