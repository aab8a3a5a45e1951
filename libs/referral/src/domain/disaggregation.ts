import {
  AgeBand,
  DisabilityStatus,
  WashingtonGroupDomain,
  WashingtonGroupSeverity,
} from "@kopru/contracts/common/v1/disaggregation";

/** Oldest age taken as plausible; a birth year implying more is treated as unknown. */
const MAX_PLAUSIBLE_AGE = 120;

/**
 * Age band at `at` from a birth year alone: age = calendar year of `at` (UTC) minus birth year, the age
 * the person reaches during that year (the usual convention when only the year is recorded). Unknown,
 * future or implausible birth years give AGE_BAND_UNSPECIFIED.
 */
export function ageBand(birthYear: number | undefined, at: Date): AgeBand {
  if (birthYear === undefined || !Number.isInteger(birthYear) || Number.isNaN(at.getTime())) {
    return AgeBand.AGE_BAND_UNSPECIFIED;
  }
  const age = at.getUTCFullYear() - birthYear;
  if (age < 0 || age > MAX_PLAUSIBLE_AGE) return AgeBand.AGE_BAND_UNSPECIFIED;
  if (age <= 4) return AgeBand.AGE_BAND_0_4;
  if (age <= 11) return AgeBand.AGE_BAND_5_11;
  if (age <= 17) return AgeBand.AGE_BAND_12_17;
  if (age <= 24) return AgeBand.AGE_BAND_18_24;
  if (age <= 49) return AgeBand.AGE_BAND_25_49;
  if (age <= 59) return AgeBand.AGE_BAND_50_59;
  return AgeBand.AGE_BAND_60_PLUS;
}

/** The six domains of the Washington Group Short Set. */
export const WASHINGTON_GROUP_DOMAINS: readonly WashingtonGroupDomain[] = Object.freeze([
  WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_SEEING,
  WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_HEARING,
  WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_WALKING,
  WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_COGNITION,
  WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_SELF_CARE,
  WashingtonGroupDomain.WASHINGTON_GROUP_DOMAIN_COMMUNICATION,
]);

const CUT_OFF: readonly WashingtonGroupSeverity[] = [
  WashingtonGroupSeverity.WASHINGTON_GROUP_SEVERITY_A_LOT_OF_DIFFICULTY,
  WashingtonGroupSeverity.WASHINGTON_GROUP_SEVERITY_CANNOT_DO_AT_ALL,
];

const BELOW_CUT_OFF: readonly WashingtonGroupSeverity[] = [
  WashingtonGroupSeverity.WASHINGTON_GROUP_SEVERITY_NO_DIFFICULTY,
  WashingtonGroupSeverity.WASHINGTON_GROUP_SEVERITY_SOME_DIFFICULTY,
];

/**
 * Disability status with the Washington Group standard cut-off: WITH_DISABILITY when any domain is
 * "a lot of difficulty" or "cannot do at all"; WITHOUT_DISABILITY when all six domains were answered
 * below the cut-off; otherwise (nothing asked, or incomplete without reaching the cut-off, refusals and
 * "don't know" included) NOT_ASKED.
 */
export function disabilityStatus(
  answers: readonly { readonly domain: WashingtonGroupDomain; readonly severity: WashingtonGroupSeverity }[],
): DisabilityStatus {
  if (
    answers.some(
      (answer) => WASHINGTON_GROUP_DOMAINS.includes(answer.domain) && CUT_OFF.includes(answer.severity),
    )
  ) {
    return DisabilityStatus.DISABILITY_STATUS_WITH_DISABILITY;
  }
  const answered = new Set(
    answers.filter((answer) => BELOW_CUT_OFF.includes(answer.severity)).map((answer) => answer.domain),
  );
  return WASHINGTON_GROUP_DOMAINS.every((domain) => answered.has(domain))
    ? DisabilityStatus.DISABILITY_STATUS_WITHOUT_DISABILITY
    : DisabilityStatus.DISABILITY_STATUS_NOT_ASKED;
}
