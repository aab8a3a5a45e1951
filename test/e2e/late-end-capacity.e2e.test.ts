import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import {
  CancelReason,
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { CapacityStatus, MatchReason } from "@kopru/contracts/coordination/v1/directory";
import { connectNats, waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientsFor,
  GAZIANTEP,
  registerWithConsent,
  SYNTHETIC_PERSON,
  seedDirectory,
} from "../support/clients.js";
import { TestNetwork } from "../support/network.js";

// Live capacity and a late cancellation across the network (ADR 0016): the Gaziantep MMCC counts one
// counselling place with a waitlist. Accepting a referral takes it (coordination announces no free
// place, intake offers the waitlist); the NGO then cancels the referral: the MMCC's case closes with
// the reason, the place is free again, and intake sees the referral cancelled.
const COUNSELLING = ServiceType.SERVICE_TYPE_MMCC_COUNSELLING;
let network: TestNetwork;
let api: ReturnType<typeof clientsFor>;
let offeringId: string;

beforeAll(async () => {
  network = await TestNetwork.create();
  await network.start("coordination");
  await network.start("intake", "municipality", "community-centre");
  api = clientsFor(network);
  await seedDirectory(api.coordination(), network.orgs);
  offeringId = `${network.orgs.mmccGaziantep}-${COUNSELLING}`;
  const listed = await api.coordination().call("listServiceOfferings", {
    organisationIds: [network.orgs.mmccGaziantep],
    serviceTypes: [COUNSELLING],
    capacityStatuses: [],
    includeInactive: false,
  });
  const current = listed.serviceOfferings.find((o) => o.serviceOfferingId === offeringId);
  if (!current) throw new Error("the seeded MMCC offering is missing");
  await api.coordination().call("upsertServiceOffering", {
    serviceOffering: { ...current, totalPlaces: 1, waitlist: true },
  });
}, 240_000);

afterAll(async () => {
  await network?.close();
});

/** The MMCC offering as intake's replica ranks it for a person in Gaziantep. */
async function suggested() {
  const answer = await api.intake().call("suggestTargets", {
    serviceType: COUNSELLING,
    criteria: {
      location: { provinceCode: GAZIANTEP, districtCode: "", provinceName: "", districtName: "" },
      partnerKinds: [],
      allowWaitlist: false,
      excludedOrganisationIds: [network.orgs.mmccKilis],
    },
    limit: 5,
  });
  return answer.candidates.find((c) => c.serviceOffering?.serviceOfferingId === offeringId);
}

describe("late events and live capacity, end to end", () => {
  it("takes the place on acceptance, offers the waitlist, and frees it when the referrer cancels", async () => {
    await waitFor(async () => (await suggested())?.serviceOffering?.freePlaces === 1, {
      timeoutMs: 30_000,
      message: "intake never saw the MMCC's one free place",
    });
    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), network.orgs);
    const created = await api.intake().call("createReferral", {
      requestId: uuidv4(),
      beneficiaryId,
      serviceType: COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: "Needs counselling (synthetic).",
      consentId,
      routing: { $case: "explicitTarget", value: { organisationId: network.orgs.mmccGaziantep } },
      dataCategories: [],
    });
    const referralId = created.referral?.referralId ?? "";
    const mmcc = api.municipalityInbox();
    await waitFor(
      async () =>
        (await mmcc.call("getReferral", { referralId }).catch(() => undefined))?.referral?.status ===
        ReferralStatus.REFERRAL_STATUS_RECEIVED,
      { timeoutMs: 30_000, message: "the MMCC never received the referral" },
    );
    await mmcc.call("acceptReferral", { referralId });

    const full = await waitFor(
      async () => {
        const match = await suggested();
        return match?.serviceOffering?.freePlaces === 0 ? match : undefined;
      },
      { timeoutMs: 30_000, message: "the accepted referral never took the place" },
    );
    expect(full.serviceOffering?.capacityStatus).toBe(CapacityStatus.CAPACITY_STATUS_WAITLIST);
    expect(full.reasons).toContain(MatchReason.MATCH_REASON_WAITLIST_OFFERED);

    await api.intake().call("cancelReferral", {
      referralId,
      reason: CancelReason.CANCEL_REASON_NEED_RESOLVED,
    });
    await waitFor(
      async () =>
        (await api.intake().call("getReferral", { referralId })).referral?.status ===
        ReferralStatus.REFERRAL_STATUS_CANCELLED,
      { timeoutMs: 30_000, message: "intake never saw the referral cancelled" },
    );
    const closed = await waitFor(
      async () => {
        const cases = await api.municipality().call("listCases", {
          organisationId: network.orgs.mmccGaziantep,
          statuses: [],
        });
        const found = cases.municipalityCases.find((c) => c.referralIds.includes(referralId));
        return found?.status === CaseStatus.CASE_STATUS_CLOSED ? found : undefined;
      },
      { timeoutMs: 30_000, message: "the MMCC's case never closed" },
    );
    expect(closed.closureReason).toBe(CaseClosureReason.CASE_CLOSURE_REASON_REFERRAL_CANCELLED);
    await waitFor(async () => (await suggested())?.serviceOffering?.freePlaces === 1, {
      timeoutMs: 30_000,
      message: "the cancelled referral never freed the place",
    });

    // The capacity check carries no personal data: the directory stream, which every service
    // replicates, holds counts only (read as the admin; no service's NATS user may read a stream).
    const nats = await connectNats(network.adminNats());
    try {
      const consumer = await nats.js.consumers.get("KOPRU_DIRECTORY", {
        filter_subjects: "kopru.v1.directory.>",
      });
      const chunks: Buffer[] = [];
      for (;;) {
        const batch = await consumer.fetch({ max_messages: 256, expires: 1_000 });
        let received = 0;
        for await (const message of batch) {
          received += 1;
          chunks.push(Buffer.from(message.data));
        }
        if (received === 0) break;
      }
      await consumer.delete().catch(() => {});
      const text = Buffer.concat(chunks).toString("utf8");
      expect(text).toContain(offeringId);
      for (const secret of [
        SYNTHETIC_PERSON.givenName,
        SYNTHETIC_PERSON.familyName,
        SYNTHETIC_PERSON.phoneNumber,
        beneficiaryId,
        referralId,
      ])
        expect(text).not.toContain(secret);
    } finally {
      await nats.close();
    }
  });

  it("counts a community centre's course seats as the free places of its offering", async () => {
    const centre = network.orgs.centre;
    const coordination = api.coordination();
    await coordination.call("upsertOrganisation", {
      organisation: {
        organisationId: centre,
        name: "Şahinbey Community Centre (test)",
        partnerKind: PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE,
        locations: [
          { provinceCode: GAZIANTEP, districtCode: "", provinceName: "Gaziantep", districtName: "" },
        ],
        active: true,
      },
    });
    const serviceOfferingId = `${centre}-turkish`;
    await coordination.call("upsertServiceOffering", {
      serviceOffering: {
        serviceOfferingId,
        organisationId: centre,
        serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
        name: "Turkish courses (test)",
        coverage: [
          { provinceCode: GAZIANTEP, districtCode: "", provinceName: "Gaziantep", districtName: "" },
        ],
        languages: ["tr"],
        eligibility: { sexes: [], nationalities: [], legalStatuses: [] },
        capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
        requiredDataCategories: [],
        acceptedDataCategories: [],
        active: true,
      },
    });
    // The centre announced its seeded courses' seats when it started; coordination's seats consumer
    // (its own NATS user, PII-free subjects only) made them the offering's places.
    const counted = await waitFor(
      async () => {
        const listed = await coordination.call("listServiceOfferings", {
          organisationIds: [centre],
          serviceTypes: [],
          capacityStatuses: [],
          includeInactive: false,
        });
        const found = listed.serviceOfferings.find((o) => o.serviceOfferingId === serviceOfferingId);
        return found?.totalPlaces ? found : undefined;
      },
      { timeoutMs: 30_000, message: "the course seats never became the offering's places" },
    );
    expect(counted.freePlaces).toBe(counted.totalPlaces);
    expect(counted.capacityStatus).toBe(CapacityStatus.CAPACITY_STATUS_AVAILABLE);
  });
});
