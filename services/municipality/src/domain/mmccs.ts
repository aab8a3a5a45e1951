import { type KnownSite, type SiteProfile, siteDirectory } from "@kopru/casework/domain";

/** What the service knows about an MMCC it hosts (casework's site). No personal data. */
export type MmccProfile = SiteProfile;

/**
 * The six Municipal Migrant and Community Centres, by organisation id. Province p-codes are the
 * humanitarian ADM1 codes (Adana TUR001, Ankara TUR006, Gaziantep TUR027, Mersin TUR033, Şanlıurfa
 * TUR063, Kilis TUR079).
 */
const mmccs = siteDirectory(
  {
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
  } satisfies Record<string, KnownSite>,
  (organisationId) => ({ name: `MMCC ${organisationId}`, languages: ["tr"] }),
);

export const KNOWN_MMCCS = mmccs.known;
export const DEFAULT_HOSTED_MMCCS = mmccs.ids;

/**
 * The profile of a hosted organisation: the known MMCC whose id it is, or starts with followed by a
 * hyphen (test and demo runs suffix ids, e.g. `mmcc-kilis-3fa2`); otherwise a bare profile named
 * after the id, with no location.
 */
export const mmccProfile: (organisationId: string) => MmccProfile = mmccs.profileOf;
