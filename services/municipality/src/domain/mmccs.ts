import type { SiteProfile } from "@kopru/casework/domain";
/** What the service knows about an MMCC it hosts (casework's site). No personal data. */
export type MmccProfile = SiteProfile;

type Known = Omit<MmccProfile, "organisationId">;

/**
 * The six Municipal Migrant and Community Centres, by organisation id. Province p-codes are the
 * humanitarian ADM1 codes (Adana TUR001, Ankara TUR006, Gaziantep TUR027, Mersin TUR033, Şanlıurfa
 * TUR063, Kilis TUR079).
 */
export const KNOWN_MMCCS: Readonly<Record<string, Known>> = Object.freeze({
  "mmcc-adana": {
    name: "Adana Metropolitan Municipality MMCC",
    provinceCode: "TUR001",
    provinceName: "Adana",
    districtCode: "",
    districtName: undefined,
    languages: ["tr", "ar"],
  },
  "mmcc-gaziantep": {
    name: "Gaziantep Metropolitan Municipality MMCC",
    provinceCode: "TUR027",
    provinceName: "Gaziantep",
    districtCode: "",
    districtName: undefined,
    languages: ["tr", "ar"],
  },
  "mmcc-kecioren": {
    name: "Keçiören Municipality MMCC",
    provinceCode: "TUR006",
    provinceName: "Ankara",
    districtCode: "",
    districtName: "Keçiören",
    languages: ["tr", "ar", "fa"],
  },
  "mmcc-kilis": {
    name: "Kilis Municipality MMCC",
    provinceCode: "TUR079",
    provinceName: "Kilis",
    districtCode: "",
    districtName: undefined,
    languages: ["tr", "ar"],
  },
  "mmcc-mersin": {
    name: "Mersin Metropolitan Municipality MMCC",
    provinceCode: "TUR033",
    provinceName: "Mersin",
    districtCode: "",
    districtName: undefined,
    languages: ["tr", "ar"],
  },
  "mmcc-sanliurfa": {
    name: "Şanlıurfa Metropolitan Municipality MMCC",
    provinceCode: "TUR063",
    provinceName: "Şanlıurfa",
    districtCode: "",
    districtName: undefined,
    languages: ["tr", "ar", "ku"],
  },
});

export const DEFAULT_HOSTED_MMCCS: readonly string[] = Object.freeze(Object.keys(KNOWN_MMCCS));

/**
 * The profile of a hosted organisation: the known MMCC whose id it is, or starts with followed by a
 * hyphen (test and demo runs suffix ids, e.g. `mmcc-kilis-3fa2`); otherwise a bare profile named
 * after the id, with no location.
 */
export function mmccProfile(organisationId: string): MmccProfile {
  const key = Object.keys(KNOWN_MMCCS).find(
    (k) => organisationId === k || organisationId.startsWith(`${k}-`),
  );
  const known = key === undefined ? undefined : KNOWN_MMCCS[key];
  if (known) return { organisationId, ...known, languages: [...known.languages] };
  return {
    organisationId,
    name: `MMCC ${organisationId}`,
    provinceCode: "",
    provinceName: "",
    districtCode: "",
    districtName: undefined,
    languages: ["tr"],
  };
}
