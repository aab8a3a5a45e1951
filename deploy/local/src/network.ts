import { PROVINCES } from "@kopru/cli";
import type { Location } from "@kopru/contracts/common/v1/disaggregation";
import { PartnerKind, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  CapacityStatus,
  type Eligibility,
  IntakeChannelKind,
  type Organisation,
  type ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";
import { dataContractFor } from "@kopru/referral/domain";
import { v5 as uuidv5 } from "uuid";

// The demo network: who is in the directory and what they offer where. Pure data, written to
// coordination by the seed through its gRPC API. Organisation ids are the network's slugs; offering ids
// are UUIDs derived from (organisation, service type), so a re-seed replaces instead of duplicating.

/** Namespace of every id the demo seed derives (offerings, idempotency keys). */
export const DEMO_NAMESPACE = "6f1c2a54-0b7e-4f5e-9d43-6a1e6e0b2026";

export const P = {
  adana: "TUR001",
  ankara: "TUR006",
  gaziantep: "TUR027",
  mersin: "TUR033",
  sanliurfa: "TUR063",
  kilis: "TUR079",
} as const;
export type ProvinceCode = (typeof P)[keyof typeof P];

export function province(code: string): Location {
  return { provinceCode: code, districtCode: "", provinceName: PROVINCES[code], districtName: undefined };
}

export const NGOS = ["ngo-hayat", "ngo-umut", "ngo-kopru-relief"] as const;
export type NgoId = (typeof NGOS)[number];

export const MMCCS = [
  "mmcc-adana",
  "mmcc-gaziantep",
  "mmcc-kecioren",
  "mmcc-kilis",
  "mmcc-mersin",
  "mmcc-sanliurfa",
] as const;

export interface DemoOrganisation {
  id: string;
  name: string;
  shortName: string;
  kind: PartnerKind;
  provinces: readonly ProvinceCode[];
}

export const ORGANISATIONS: readonly DemoOrganisation[] = [
  {
    id: "mmcc-adana",
    name: "Adana Metropolitan Municipality MMCC",
    shortName: "Adana MMCC",
    kind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
    provinces: [P.adana],
  },
  {
    id: "mmcc-gaziantep",
    name: "Gaziantep Metropolitan Municipality MMCC",
    shortName: "Gaziantep MMCC",
    kind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
    provinces: [P.gaziantep],
  },
  {
    id: "mmcc-kecioren",
    name: "Keçiören Municipality MMCC (Ankara)",
    shortName: "Keçiören MMCC",
    kind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
    provinces: [P.ankara],
  },
  {
    id: "mmcc-kilis",
    name: "Kilis Municipality MMCC",
    shortName: "Kilis MMCC",
    kind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
    provinces: [P.kilis],
  },
  {
    id: "mmcc-mersin",
    name: "Mersin Metropolitan Municipality MMCC",
    shortName: "Mersin MMCC",
    kind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
    provinces: [P.mersin],
  },
  {
    id: "mmcc-sanliurfa",
    name: "Şanlıurfa Metropolitan Municipality MMCC",
    shortName: "Şanlıurfa MMCC",
    kind: PartnerKind.PARTNER_KIND_MUNICIPALITY,
    provinces: [P.sanliurfa],
  },
  {
    id: "protection-partner",
    name: "Protection Partner (demo)",
    shortName: "PP",
    kind: PartnerKind.PARTNER_KIND_PROTECTION_PARTNER,
    provinces: [P.gaziantep, P.sanliurfa, P.kilis, P.adana, P.mersin, P.ankara],
  },
  {
    id: "ecm-unit",
    name: "Emergency Case Management Unit (demo)",
    shortName: "ECM",
    kind: PartnerKind.PARTNER_KIND_ECM_UNIT,
    provinces: [P.gaziantep, P.sanliurfa, P.kilis, P.adana, P.mersin],
  },
  {
    id: "cc-gaziantep-sahinbey",
    name: "Şahinbey Community Centre (demo)",
    shortName: "Şahinbey CC",
    kind: PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE,
    provinces: [P.gaziantep],
  },
  {
    id: "cc-sanliurfa-haliliye",
    name: "Haliliye Community Centre (demo)",
    shortName: "Haliliye CC",
    kind: PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE,
    provinces: [P.sanliurfa],
  },
  {
    id: "ngo-hayat",
    name: "Hayat Derneği (demo)",
    shortName: "Hayat",
    kind: PartnerKind.PARTNER_KIND_NATIONAL_NGO,
    provinces: [P.gaziantep, P.sanliurfa, P.kilis],
  },
  {
    id: "ngo-umut",
    name: "Umut Vakfı (demo)",
    shortName: "Umut",
    kind: PartnerKind.PARTNER_KIND_NATIONAL_NGO,
    provinces: [P.adana, P.mersin, P.ankara],
  },
  {
    id: "ngo-kopru-relief",
    name: "Köprü Relief International (demo)",
    shortName: "KRI",
    kind: PartnerKind.PARTNER_KIND_INTERNATIONAL_NGO,
    provinces: [P.gaziantep, P.sanliurfa, P.adana, P.mersin],
  },
];

export interface DemoOffering {
  organisationId: string;
  serviceType: ServiceType;
  name: string;
  provinces: readonly ProvinceCode[];
  languages: readonly string[];
  capacity: CapacityStatus;
  eligibility?: Partial<Eligibility>;
}

const S = ServiceType;
const C = CapacityStatus;

const MMCC_LANGUAGES: Readonly<Record<string, readonly string[]>> = {
  "mmcc-adana": ["tr", "ar"],
  "mmcc-gaziantep": ["tr", "ar", "ku"],
  "mmcc-kecioren": ["tr", "fa", "ar"],
  "mmcc-kilis": ["tr", "ar"],
  "mmcc-mersin": ["tr", "ar", "fa"],
  "mmcc-sanliurfa": ["tr", "ar", "ku"],
};

/** Varied on purpose, so routing and the CLI have something to show. */
const MMCC_CAPACITY: Readonly<Record<string, readonly [CapacityStatus, CapacityStatus, CapacityStatus]>> = {
  // counselling, direct assistance, information & orientation
  "mmcc-adana": [C.CAPACITY_STATUS_AVAILABLE, C.CAPACITY_STATUS_LIMITED, C.CAPACITY_STATUS_AVAILABLE],
  "mmcc-gaziantep": [C.CAPACITY_STATUS_AVAILABLE, C.CAPACITY_STATUS_AVAILABLE, C.CAPACITY_STATUS_AVAILABLE],
  "mmcc-kecioren": [C.CAPACITY_STATUS_LIMITED, C.CAPACITY_STATUS_WAITLIST, C.CAPACITY_STATUS_AVAILABLE],
  "mmcc-kilis": [C.CAPACITY_STATUS_AVAILABLE, C.CAPACITY_STATUS_FULL, C.CAPACITY_STATUS_AVAILABLE],
  "mmcc-mersin": [C.CAPACITY_STATUS_AVAILABLE, C.CAPACITY_STATUS_LIMITED, C.CAPACITY_STATUS_WAITLIST],
  "mmcc-sanliurfa": [C.CAPACITY_STATUS_LIMITED, C.CAPACITY_STATUS_AVAILABLE, C.CAPACITY_STATUS_AVAILABLE],
};

function mmccOfferings(id: string, where: ProvinceCode, city: string): DemoOffering[] {
  const languages = MMCC_LANGUAGES[id] ?? ["tr", "ar"];
  const [counselling, assistance, information] = MMCC_CAPACITY[id] ?? [
    C.CAPACITY_STATUS_AVAILABLE,
    C.CAPACITY_STATUS_AVAILABLE,
    C.CAPACITY_STATUS_AVAILABLE,
  ];
  return [
    {
      organisationId: id,
      serviceType: S.SERVICE_TYPE_MMCC_COUNSELLING,
      name: `Individual and family counselling, ${city} MMCC`,
      provinces: [where],
      languages,
      capacity: counselling,
    },
    {
      organisationId: id,
      serviceType: S.SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE,
      name: `Direct assistance (cash and in kind), ${city} MMCC`,
      provinces: [where],
      languages,
      capacity: assistance,
      eligibility: { minAge: 18 },
    },
    {
      organisationId: id,
      serviceType: S.SERVICE_TYPE_MMCC_INFORMATION_ORIENTATION,
      name: `Information and orientation on services and rights, ${city} MMCC`,
      provinces: [where],
      languages,
      capacity: information,
    },
  ];
}

const SOUTH_EAST: readonly ProvinceCode[] = [P.gaziantep, P.sanliurfa, P.kilis, P.adana, P.mersin];
const EVERYWHERE: readonly ProvinceCode[] = [P.gaziantep, P.sanliurfa, P.kilis, P.adana, P.mersin, P.ankara];

export const OFFERINGS: readonly DemoOffering[] = [
  ...mmccOfferings("mmcc-adana", P.adana, "Adana"),
  ...mmccOfferings("mmcc-gaziantep", P.gaziantep, "Gaziantep"),
  ...mmccOfferings("mmcc-kecioren", P.ankara, "Keçiören"),
  ...mmccOfferings("mmcc-kilis", P.kilis, "Kilis"),
  ...mmccOfferings("mmcc-mersin", P.mersin, "Mersin"),
  ...mmccOfferings("mmcc-sanliurfa", P.sanliurfa, "Şanlıurfa"),

  {
    organisationId: "ecm-unit",
    serviceType: S.SERVICE_TYPE_ECM_MEDICAL,
    name: "ECM medical costs and devices",
    provinces: SOUTH_EAST,
    languages: ["ar", "tr", "ku"],
    capacity: C.CAPACITY_STATUS_LIMITED,
  },
  {
    organisationId: "ecm-unit",
    serviceType: S.SERVICE_TYPE_ECM_TRANSPORT,
    name: "ECM transport to hospital and registration offices",
    provinces: SOUTH_EAST,
    languages: ["ar", "tr", "ku", "fa"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
  },
  {
    organisationId: "ecm-unit",
    serviceType: S.SERVICE_TYPE_ECM_ACCOMMODATION,
    name: "ECM emergency accommodation",
    provinces: [P.gaziantep, P.sanliurfa, P.kilis],
    languages: ["ar", "tr"],
    capacity: C.CAPACITY_STATUS_WAITLIST,
  },
  {
    organisationId: "ecm-unit",
    serviceType: S.SERVICE_TYPE_ECM_FOOD,
    name: "ECM food vouchers",
    provinces: SOUTH_EAST,
    languages: ["ar", "tr", "ku", "fa"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
  },
  {
    organisationId: "ecm-unit",
    serviceType: S.SERVICE_TYPE_ECM_NFI,
    name: "ECM hygiene kits and household items",
    provinces: SOUTH_EAST,
    languages: ["ar", "tr", "ku", "fa"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
  },
  {
    organisationId: "ecm-unit",
    serviceType: S.SERVICE_TYPE_ECM_CASH,
    name: "ECM one-off emergency cash",
    provinces: SOUTH_EAST,
    languages: ["ar", "tr", "ku", "fa"],
    capacity: C.CAPACITY_STATUS_LIMITED,
    eligibility: { minAge: 18 },
  },

  {
    organisationId: "protection-partner",
    serviceType: S.SERVICE_TYPE_PROTECTION_GENERAL,
    name: "Protection counselling and case management",
    provinces: EVERYWHERE,
    languages: ["ar", "tr", "fa", "ku"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
  },
  {
    organisationId: "protection-partner",
    serviceType: S.SERVICE_TYPE_MHPSS_INDIVIDUAL,
    name: "Individual MHPSS sessions",
    provinces: [P.gaziantep, P.sanliurfa, P.ankara],
    languages: ["ar", "tr", "fa"],
    capacity: C.CAPACITY_STATUS_WAITLIST,
  },
  {
    organisationId: "protection-partner",
    serviceType: S.SERVICE_TYPE_MHPSS_GROUP,
    name: "MHPSS support groups",
    provinces: EVERYWHERE,
    languages: ["ar", "tr", "fa"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
  },
  {
    organisationId: "protection-partner",
    serviceType: S.SERVICE_TYPE_PSYCHOLOGICAL_FIRST_AID,
    name: "Psychological first aid (mobile team)",
    provinces: EVERYWHERE,
    languages: ["ar", "tr", "fa", "ku"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
  },
  {
    organisationId: "protection-partner",
    serviceType: S.SERVICE_TYPE_LEGAL_COUNSELLING,
    name: "Legal counselling on status and documentation",
    provinces: EVERYWHERE,
    languages: ["ar", "tr", "fa"],
    capacity: C.CAPACITY_STATUS_LIMITED,
  },
  {
    organisationId: "protection-partner",
    serviceType: S.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
    name: "GBV case management (restricted)",
    provinces: EVERYWHERE,
    languages: ["ar", "tr", "fa"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
  },
  {
    organisationId: "protection-partner",
    serviceType: S.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT,
    name: "Child protection case management (restricted)",
    provinces: EVERYWHERE,
    languages: ["ar", "tr", "fa"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
    eligibility: { maxAge: 17 },
  },

  {
    organisationId: "cc-gaziantep-sahinbey",
    serviceType: S.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
    name: "Turkish A1–A2 course, Şahinbey centre",
    provinces: [P.gaziantep],
    languages: ["tr", "ar"],
    capacity: C.CAPACITY_STATUS_WAITLIST,
    eligibility: { minAge: 16 },
  },
  {
    organisationId: "cc-gaziantep-sahinbey",
    serviceType: S.SERVICE_TYPE_VOCATIONAL_TRAINING,
    name: "Tailoring and IT skills training, Şahinbey centre",
    provinces: [P.gaziantep],
    languages: ["tr", "ar"],
    capacity: C.CAPACITY_STATUS_LIMITED,
    eligibility: { minAge: 18, maxAge: 55 },
  },
  {
    organisationId: "cc-gaziantep-sahinbey",
    serviceType: S.SERVICE_TYPE_COMMUNITY_ACTIVITIES,
    name: "Social cohesion activities, Şahinbey centre",
    provinces: [P.gaziantep],
    languages: ["tr", "ar", "ku"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
  },
  {
    organisationId: "cc-sanliurfa-haliliye",
    serviceType: S.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
    name: "Turkish A1 course, Haliliye centre",
    provinces: [P.sanliurfa],
    languages: ["tr", "ar", "ku"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
    eligibility: { minAge: 16 },
  },
  {
    organisationId: "cc-sanliurfa-haliliye",
    serviceType: S.SERVICE_TYPE_VOCATIONAL_TRAINING,
    name: "Agriculture and food processing skills, Haliliye centre",
    provinces: [P.sanliurfa],
    languages: ["tr", "ar", "ku"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
    eligibility: { minAge: 18, maxAge: 60 },
  },
  {
    organisationId: "cc-sanliurfa-haliliye",
    serviceType: S.SERVICE_TYPE_COMMUNITY_ACTIVITIES,
    name: "Women's and youth activities, Haliliye centre",
    provinces: [P.sanliurfa],
    languages: ["tr", "ar", "ku"],
    capacity: C.CAPACITY_STATUS_AVAILABLE,
    eligibility: { sexes: [] },
  },
];

export function offeringId(organisationId: string, serviceType: ServiceType): string {
  return uuidv5(`offering/${organisationId}/${ServiceType[serviceType]}`, DEMO_NAMESPACE);
}

export function organisationKind(organisationId: string): PartnerKind {
  const found = ORGANISATIONS.find((o) => o.id === organisationId);
  if (!found) throw new Error(`unknown demo organisation ${organisationId}`);
  return found.kind;
}

export function organisationMessage(o: DemoOrganisation): Organisation {
  return {
    organisationId: o.id,
    name: o.name,
    shortName: o.shortName,
    partnerKind: o.kind,
    locations: o.provinces.map(province),
    active: true,
    updatedAt: undefined,
  };
}

export function offeringMessage(o: DemoOffering): ServiceOffering {
  const contract = dataContractFor(o.serviceType);
  return {
    serviceOfferingId: offeringId(o.organisationId, o.serviceType),
    organisationId: o.organisationId,
    serviceType: o.serviceType,
    name: o.name,
    coverage: o.provinces.map(province),
    languages: [...o.languages],
    eligibility: {
      minAge: o.eligibility?.minAge,
      maxAge: o.eligibility?.maxAge,
      sexes: o.eligibility?.sexes ?? [],
      nationalities: o.eligibility?.nationalities ?? [],
      legalStatuses: o.eligibility?.legalStatuses ?? [],
    },
    capacityStatus: o.capacity,
    intakeChannel: {
      kind: IntakeChannelKind.INTAKE_CHANNEL_KIND_KOPRU_INBOX,
      functionalContact: `${o.organisationId}@example.org`,
    },
    requiredDataCategories: [...contract.required],
    acceptedDataCategories: [...new Set([...contract.required, ...contract.optional])],
    active: true,
    updatedAt: undefined,
  };
}

/** Offerings of a service type covering a province. */
export function offeringsFor(serviceType: ServiceType, provinceCode: string): DemoOffering[] {
  return OFFERINGS.filter(
    (o) => o.serviceType === serviceType && o.provinces.includes(provinceCode as ProvinceCode),
  );
}
