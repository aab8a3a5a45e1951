import { type ServiceError, status } from "@grpc/grpc-js";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { DataCategory, PartnerKind, Purpose, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { CoordinationServiceClient } from "@kopru/contracts/coordination/v1/coordination_service";
import { CapacityStatus } from "@kopru/contracts/coordination/v1/directory";
import { EcmServiceClient } from "@kopru/contracts/ecm/v1/ecm_service";
import { IntakeServiceClient } from "@kopru/contracts/intake/v1/intake_service";
import { MunicipalityServiceClient } from "@kopru/contracts/municipality/v1/municipality_service";
import { ConsentGiver, ConsentMethod } from "@kopru/contracts/referral/v1/consent";
import { ReferralInboxServiceClient } from "@kopru/contracts/referral/v1/inbox_service";
import type { GrpcClient } from "@kopru/service-kit";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import type { Organisations, TestNetwork } from "./network.js";

/** Each service's generated client, bound to the organisation the scenarios act for. */
export function clientsFor(network: TestNetwork) {
  const o = network.orgs;
  return {
    intake: () =>
      network.client(IntakeServiceClient, "intake", {
        organisationId: o.ngo,
        actorId: "caseworker-1",
      }),
    coordination: () =>
      network.client(CoordinationServiceClient, "coordination", {
        organisationId: "iom-coordination",
        actorId: "coordinator-1",
        role: "coordinator",
      }),
    municipalityInbox: (org = o.mmccGaziantep, actorId = "mmcc-staff-1") =>
      network.client(ReferralInboxServiceClient, "municipality", {
        organisationId: org,
        actorId,
      }),
    municipality: (org = o.mmccGaziantep) =>
      network.client(MunicipalityServiceClient, "municipality", {
        organisationId: org,
        actorId: "mmcc-staff-1",
      }),
    ecmInbox: () =>
      network.client(ReferralInboxServiceClient, "ecm", {
        organisationId: o.ecm,
        actorId: "ecm-staff-1",
      }),
    ecm: () =>
      network.client(EcmServiceClient, "ecm", {
        organisationId: o.ecm,
        actorId: "ecm-staff-1",
        role: "supervisor",
      }),
  };
}

export function grpcCode(error: unknown): string {
  const code = (error as ServiceError | undefined)?.code;
  return code === undefined ? "NONE" : (status[code] ?? String(code));
}

export const GAZIANTEP = "TUR027";

/** The demo directory the scenarios rely on, written through coordination's API. */
export async function seedDirectory(
  coordination: GrpcClient<CoordinationServiceClient>,
  orgs: Organisations,
): Promise<void> {
  const organisations: [string, string, PartnerKind][] = [
    [orgs.ngo, "Hayat Derneği (test)", PartnerKind.PARTNER_KIND_NATIONAL_NGO],
    [orgs.mmccGaziantep, "Gaziantep MMCC (test)", PartnerKind.PARTNER_KIND_MUNICIPALITY],
    [orgs.mmccKilis, "Kilis MMCC (test)", PartnerKind.PARTNER_KIND_MUNICIPALITY],
    [orgs.ecm, "ECM unit (test)", PartnerKind.PARTNER_KIND_ECM_UNIT],
    [orgs.protection, "Protection partner (test)", PartnerKind.PARTNER_KIND_PROTECTION_PARTNER],
  ];
  for (const [organisationId, name, partnerKind] of organisations) {
    await coordination.call("upsertOrganisation", {
      organisation: {
        organisationId,
        name,
        partnerKind,
        locations: [
          { provinceCode: GAZIANTEP, districtCode: "", provinceName: "Gaziantep", districtName: "" },
        ],
        active: true,
      },
    });
  }
  const offerings: [string, ServiceType][] = [
    [orgs.mmccGaziantep, ServiceType.SERVICE_TYPE_MMCC_COUNSELLING],
    [orgs.mmccKilis, ServiceType.SERVICE_TYPE_MMCC_COUNSELLING],
    [orgs.ecm, ServiceType.SERVICE_TYPE_ECM_CASH],
    [orgs.protection, ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT],
  ];
  for (const [organisationId, serviceType] of offerings) {
    await coordination.call("upsertServiceOffering", {
      serviceOffering: {
        serviceOfferingId: `${organisationId}-${serviceType}`,
        organisationId,
        serviceType,
        name: `${ServiceType[serviceType]} at ${organisationId}`,
        coverage: [
          { provinceCode: GAZIANTEP, districtCode: "", provinceName: "Gaziantep", districtName: "" },
        ],
        languages: ["ar", "tr"],
        eligibility: { sexes: [], nationalities: [], legalStatuses: [] },
        capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
        requiredDataCategories: [],
        acceptedDataCategories: [],
        active: true,
      },
    });
  }
}

export const SYNTHETIC_PERSON = {
  givenName: "Zeynep",
  familyName: "Synthetic-Kaya",
  phoneNumber: "+905550001234",
};

/** Registers a synthetic person with consent covering MMCCs and ECM for service provision. */
export async function registerWithConsent(
  intake: GrpcClient<IntakeServiceClient>,
  orgs: Organisations,
  options: { partnerKinds?: PartnerKind[]; purposes?: Purpose[]; categories?: DataCategory[] } = {},
) {
  const registered = await intake.call("registerBeneficiary", {
    requestId: uuidv4(),
    organisationId: orgs.ngo,
    givenName: SYNTHETIC_PERSON.givenName,
    familyName: SYNTHETIC_PERSON.familyName,
    sex: Sex.SEX_FEMALE,
    birthYear: 1991,
    nationality: "SY",
    legalStatus: 1,
    residence: { provinceCode: GAZIANTEP, districtCode: "", provinceName: "Gaziantep", districtName: "" },
    phoneNumber: SYNTHETIC_PERSON.phoneNumber,
    preferredLanguage: "ar",
    interpreterNeeded: true,
    interpreterLanguage: "ar",
    safeToContact: true,
    preferredContactMethod: 0,
    safeContactWindows: [],
  });
  const beneficiaryId = registered.beneficiary?.beneficiaryId ?? "";
  const consent = await intake.call("recordConsent", {
    requestId: uuidv4(),
    beneficiaryId,
    givenBy: ConsentGiver.CONSENT_GIVER_SELF,
    method: ConsentMethod.CONSENT_METHOD_VERBAL_RECORDED,
    explainedInLanguage: "ar",
    interpreterUsed: true,
    recordedAt: new Date(),
    scope: {
      organisationIds: [],
      partnerKinds: options.partnerKinds ?? [
        PartnerKind.PARTNER_KIND_MUNICIPALITY,
        PartnerKind.PARTNER_KIND_ECM_UNIT,
      ],
      purposes: options.purposes ?? [Purpose.PURPOSE_SERVICE_PROVISION],
      dataCategories: options.categories ?? [
        DataCategory.DATA_CATEGORY_IDENTITY,
        DataCategory.DATA_CATEGORY_CONTACT,
        DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
        DataCategory.DATA_CATEGORY_LEGAL_STATUS,
        DataCategory.DATA_CATEGORY_HOUSEHOLD,
        DataCategory.DATA_CATEGORY_NEEDS,
      ],
    },
    expiresAt: new Date(Date.now() + 365 * 24 * 3_600_000),
  });
  const consentId = consent.consent?.consentId ?? "";
  await intake.call("screenNeeds", {
    requestId: uuidv4(),
    beneficiaryId,
    servicesNeeded: [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, ServiceType.SERVICE_TYPE_ECM_CASH],
    vulnerabilities: [],
    washingtonGroupAnswers: [],
    safeToContact: true,
    preferredLanguage: "ar",
    interpreterNeeded: true,
    interpreterLanguage: "ar",
    needsSummary: "Single mother, rent arrears, needs counselling on services (synthetic).",
    household: { size: 4, childrenCount: 3, femaleHeaded: true, dependantsWithDisability: 0 },
  });
  return { beneficiaryId, consentId };
}

/**
 * Seeds the demo directory through coordination and waits until intake's replica knows an MMCC
 * offering: from then on a referral to one is routed, not refused as an unknown target.
 */
export async function seedDirectoryAndWait(network: TestNetwork, candidates = 1): Promise<void> {
  const api = clientsFor(network);
  await seedDirectory(api.coordination(), network.orgs);
  await waitFor(
    async () =>
      (
        await api.intake().call("suggestTargets", {
          serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
          criteria: {
            location: { provinceCode: GAZIANTEP, districtCode: "", provinceName: "", districtName: "" },
            partnerKinds: [],
            allowWaitlist: true,
            excludedOrganisationIds: [],
          },
          limit: 5,
        })
      ).candidates.length >= candidates,
    { timeoutMs: 60_000, message: "intake never replicated the directory" },
  );
}
