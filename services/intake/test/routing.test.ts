import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  OutcomeCode,
  PartnerKind,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  CapacityStatus,
  MatchReason,
  Organisation,
  type ServiceMatch,
  ServiceOffering,
} from "@kopru/contracts/coordination/v1/directory";
import { ReRouteReason } from "@kopru/contracts/coordination/v1/tracking";
import { ReferralStatusChanged } from "@kopru/contracts/referral/v1/events";
import type { Referral, ReferralTransition } from "@kopru/contracts/referral/v1/referral";
import { ConsentRefusedError } from "@kopru/referral";
import { describe, expect, it } from "vitest";
import { chainTimeline } from "../src/domain/chain.js";
import { NoCandidateError } from "../src/domain/errors.js";
import { rerouteExclusions, rerouteVerdict } from "../src/domain/reroute.js";
import {
  candidatesOrWaitlist,
  consentCoversCandidate,
  firstAccepted,
  matchCriteria,
  rankCandidates,
  restrictedRuleAllows,
  withConsentReason,
} from "../src/domain/routing.js";
import { consent, consentScope, GAZIANTEP, NOW, person, SAHINBEY } from "./fixtures.js";

const COUNSELLING = ServiceType.SERVICE_TYPE_MMCC_COUNSELLING;

function org(id: string, partnerKind = PartnerKind.PARTNER_KIND_MUNICIPALITY): Organisation {
  return Organisation.fromPartial({ organisationId: id, name: `${id} (test)`, partnerKind, active: true });
}

function offering(
  id: string,
  organisationId: string,
  overrides: Partial<ServiceOffering> = {},
): ServiceOffering {
  return ServiceOffering.fromPartial({
    serviceOfferingId: id,
    organisationId,
    serviceType: COUNSELLING,
    coverage: [{ provinceCode: GAZIANTEP, districtCode: "" }],
    languages: ["ar", "tr"],
    capacityStatus: CapacityStatus.CAPACITY_STATUS_AVAILABLE,
    active: true,
    ...overrides,
  });
}

const organisations = new Map(
  [org("mmcc-a"), org("mmcc-b"), org("ngo-x", PartnerKind.PARTNER_KIND_NATIONAL_NGO), org("mmcc-w")].map(
    (o) => [o.organisationId, o],
  ),
);

describe("routing choice", () => {
  const offerings = [
    offering("o-a", "mmcc-a"),
    offering("o-b", "mmcc-b", { languages: ["tr"] }),
    offering("o-x", "ngo-x"),
    offering("o-w", "mmcc-w", { capacityStatus: CapacityStatus.CAPACITY_STATUS_WAITLIST }),
    offering("o-adults", "mmcc-b", {
      eligibility: { minAge: 60, sexes: [], nationalities: [], legalStatuses: [] },
    }),
  ];

  it("matches on the person's place, language and eligibility by default", () => {
    const criteria = matchCriteria({
      serviceType: COUNSELLING,
      criteria: undefined,
      person: person(),
      at: NOW,
    });
    expect(criteria).toMatchObject({
      provinceCode: GAZIANTEP,
      districtCode: SAHINBEY,
      language: "ar",
      age: 36,
      sex: Sex.SEX_FEMALE,
      nationality: "SY",
    });
    const ranked = rankCandidates(offerings, organisations, {
      serviceType: COUNSELLING,
      criteria: undefined,
      person: person(),
      at: NOW,
    });
    // Arabic-speaking offerings first; the 60+ offering is not for a 36-year-old; no waitlist by default.
    expect(ranked.map((m) => m.serviceOffering?.serviceOfferingId)).toEqual(["o-a", "o-x", "o-b"]);
    expect(ranked.map((m) => m.rank)).toEqual([1, 2, 3]);
  });

  it("narrows to the partner kinds asked, excludes organisations, and accepts a waitlist only when asked", () => {
    const ranked = rankCandidates(offerings, organisations, {
      serviceType: COUNSELLING,
      criteria: {
        location: { provinceCode: GAZIANTEP, districtCode: "" },
        partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
        allowWaitlist: true,
        excludedOrganisationIds: ["mmcc-a"],
      },
      at: NOW,
    });
    expect(ranked.map((m) => m.serviceOffering?.serviceOfferingId)).toEqual(["o-b", "o-adults", "o-w"]);
  });

  it("tries coordination's suggested offering first when it is a candidate", () => {
    const ranked = rankCandidates(offerings, organisations, {
      serviceType: COUNSELLING,
      criteria: undefined,
      person: person(),
      at: NOW,
      preferredOfferingId: "o-b",
    });
    expect(ranked[0]?.serviceOffering?.serviceOfferingId).toBe("o-b");
  });

  it("takes the best candidate the consent covers, and names the best one's gap when none is", () => {
    const ranked = rankCandidates(offerings, organisations, {
      serviceType: COUNSELLING,
      criteria: undefined,
      person: person(),
      at: NOW,
    });
    const refuseNgos = (m: (typeof ranked)[number]) => {
      if (
        m.organisation?.partnerKind === PartnerKind.PARTNER_KIND_NATIONAL_NGO ||
        m.organisation?.organisationId === "mmcc-a"
      ) {
        throw new ConsentRefusedError("c-1", [
          {
            kind: "organisation_not_covered",
            organisationId: m.organisation.organisationId,
            partnerKind: m.organisation.partnerKind,
          },
        ]);
      }
      return m.organisation?.organisationId;
    };
    const options = {
      isRefusal: (e: unknown) => e instanceof ConsentRefusedError,
      noCandidate: () => new NoCandidateError(COUNSELLING, GAZIANTEP),
    };
    expect(firstAccepted(ranked, refuseNgos, options).result).toBe("mmcc-b");
    expect(() => firstAccepted(ranked.slice(0, 2), refuseNgos, options)).toThrow(
      /does not cover organisation mmcc-a/,
    );
    expect(() => firstAccepted([], refuseNgos, options)).toThrow(NoCandidateError);
    expect(() =>
      firstAccepted(
        ranked,
        () => {
          throw new Error("database down");
        },
        options,
      ),
    ).toThrow("database down");
  });

  it("says for each candidate whether the consent covers it (purpose not yet known)", () => {
    const c = consent();
    const check = { scope: consentScope(), expiresAt: c.expiresAt, withdrawnAt: undefined };
    expect(consentCoversCandidate(check, org("mmcc-a"), COUNSELLING, NOW)).toBe(true);
    expect(
      consentCoversCandidate(check, org("ngo-x", PartnerKind.PARTNER_KIND_NATIONAL_NGO), COUNSELLING, NOW),
    ).toBe(false);
    expect(consentCoversCandidate({ ...check, withdrawnAt: NOW }, org("mmcc-a"), COUNSELLING, NOW)).toBe(
      false,
    );
    const match = rankCandidates(offerings, organisations, {
      serviceType: COUNSELLING,
      criteria: undefined,
      person: person(),
      at: NOW,
    })[0];
    expect(withConsentReason(match as ServiceMatch, true).reasons.at(-1)).toBe(
      MatchReason.MATCH_REASON_CONSENT_COVERS,
    );
    expect(withConsentReason(match as ServiceMatch, false).reasons.at(-1)).toBe(
      MatchReason.MATCH_REASON_CONSENT_NOT_COVERING,
    );
  });
});

describe("routing GBV and child-protection case management (the restricted rule, ADR 0014)", () => {
  const GBV_CM = ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT;
  const CP_CM = ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT;
  const orgs = new Map(
    [
      org("mmcc-gbv"),
      org("cc-gbv", PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE),
      org("ingo-gbv", PartnerKind.PARTNER_KIND_INTERNATIONAL_NGO),
      org("pp-gbv", PartnerKind.PARTNER_KIND_PROTECTION_PARTNER),
      org("pp-wait", PartnerKind.PARTNER_KIND_PROTECTION_PARTNER),
      org("mmcc-wait"),
    ].map((o) => [o.organisationId, o]),
  );
  // Directory entries of municipalities and community centres that wrongly list GBV or child
  // protection, beside the protection partners that really offer them.
  const offerings = [
    offering("o-mmcc", "mmcc-gbv", { serviceType: GBV_CM }),
    offering("o-cc", "cc-gbv", { serviceType: GBV_CM }),
    offering("o-ingo", "ingo-gbv", { serviceType: GBV_CM, languages: ["tr"] }),
    offering("o-pp", "pp-gbv", { serviceType: GBV_CM }),
    offering("o-mmcc-cp", "mmcc-gbv", { serviceType: CP_CM }),
    offering("o-pp-cp", "pp-gbv", { serviceType: CP_CM }),
  ];
  const ids = (matches: readonly ServiceMatch[]) => matches.map((m) => m.serviceOffering?.serviceOfferingId);
  const request = (serviceType: ServiceType) => ({
    serviceType,
    criteria: undefined,
    person: person(),
    at: NOW,
  });

  it("never suggests a municipality or a community centre, whatever their entry lists", () => {
    expect(ids(rankCandidates(offerings, orgs, request(GBV_CM)))).toEqual(["o-pp", "o-ingo"]);
    expect(ids(rankCandidates(offerings, orgs, request(CP_CM)))).toEqual(["o-pp-cp"]);
    // Asking for municipalities only finds nobody, rather than a target the package would be refused.
    expect(
      rankCandidates(offerings, orgs, {
        ...request(GBV_CM),
        criteria: {
          location: { provinceCode: GAZIANTEP, districtCode: "" },
          partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY, PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE],
          allowWaitlist: true,
          excludedOrganisationIds: [],
        },
      }),
    ).toEqual([]);
  });

  it("offers only a waitlist the package could go to when none has room", () => {
    const full = offerings.map((o) =>
      o.serviceType === GBV_CM ? { ...o, capacityStatus: CapacityStatus.CAPACITY_STATUS_FULL } : o,
    );
    const waiting = [
      ...full,
      offering("o-mmcc-w", "mmcc-wait", {
        serviceType: GBV_CM,
        capacityStatus: CapacityStatus.CAPACITY_STATUS_WAITLIST,
      }),
      offering("o-pp-w", "pp-wait", {
        serviceType: GBV_CM,
        capacityStatus: CapacityStatus.CAPACITY_STATUS_WAITLIST,
      }),
    ];
    expect(ids(candidatesOrWaitlist(waiting, orgs, request(GBV_CM)))).toEqual(["o-pp-w"]);
  });

  it("judges each candidate as preparePackage would: its partner kind and the offering routed to", () => {
    const match = (organisationId: string, overrides: Partial<ServiceOffering> = {}) =>
      ({
        organisation: orgs.get(organisationId),
        serviceOffering: offering("o", organisationId, { serviceType: GBV_CM, ...overrides }),
        reasons: [],
        rank: 1,
      }) as unknown as ServiceMatch;
    expect(restrictedRuleAllows(match("pp-gbv"), GBV_CM)).toBe(true);
    expect(restrictedRuleAllows(match("mmcc-gbv"), GBV_CM)).toBe(false);
    expect(restrictedRuleAllows(match("cc-gbv"), GBV_CM)).toBe(false);
    // Without that offering (inactive, or another service's) the package would be refused too.
    expect(restrictedRuleAllows(match("pp-gbv", { active: false }), GBV_CM)).toBe(false);
    expect(restrictedRuleAllows(match("pp-gbv", { serviceType: COUNSELLING }), GBV_CM)).toBe(false);
    // Other service types are not restricted: a municipality is a fine target for counselling.
    expect(restrictedRuleAllows(match("mmcc-gbv", { serviceType: COUNSELLING }), COUNSELLING)).toBe(true);
  });

  it("leaves other service types' ranking as it was", () => {
    const counselling = [offering("o-a", "mmcc-gbv"), offering("o-c", "cc-gbv")];
    expect(ids(rankCandidates(counselling, orgs, request(COUNSELLING)))).toEqual(["o-a", "o-c"]);
  });
});

describe("re-routing", () => {
  const later = new Date(NOW.getTime() + 3 * 86_400_000);
  const at = (status: ReferralStatus, respondBy = later) => ({ status, respondBy });

  it("re-routes referrals closed without service, and overdue ones (cancelling the original)", () => {
    const R = ReferralStatus;
    expect(rerouteVerdict(at(R.REFERRAL_STATUS_EXPIRED), ReRouteReason.RE_ROUTE_REASON_EXPIRED, NOW)).toEqual(
      { kind: "reroute", cancelOriginal: false },
    );
    expect(
      rerouteVerdict(at(R.REFERRAL_STATUS_DECLINED), ReRouteReason.RE_ROUTE_REASON_DECLINED, NOW).kind,
    ).toBe("reroute");
    expect(rerouteVerdict(at(R.REFERRAL_STATUS_NOT_COMPLETED), 0, NOW).kind).toBe("reroute");
    expect(
      rerouteVerdict(at(R.REFERRAL_STATUS_RECEIVED, NOW), ReRouteReason.RE_ROUTE_REASON_EXPIRED, later),
    ).toEqual({ kind: "reroute", cancelOriginal: true });
    expect(
      rerouteVerdict(at(R.REFERRAL_STATUS_ACCEPTED), ReRouteReason.RE_ROUTE_REASON_OFFERING_UNAVAILABLE, NOW),
    ).toEqual({ kind: "reroute", cancelOriginal: true });
  });

  it("does not re-route a referral in time, served, cancelled or redirected", () => {
    const R = ReferralStatus;
    for (const status of [
      R.REFERRAL_STATUS_RECEIVED,
      R.REFERRAL_STATUS_COMPLETED,
      R.REFERRAL_STATUS_CANCELLED,
      R.REFERRAL_STATUS_REDIRECTED,
    ]) {
      expect(rerouteVerdict(at(status), ReRouteReason.RE_ROUTE_REASON_EXPIRED, NOW).kind).toBe("refuse");
    }
  });

  it("excludes every organisation already tried in the chain", () => {
    expect(rerouteExclusions(["mmcc-b"], ["mmcc-a", "", "mmcc-b", "ecm"])).toEqual([
      "ecm",
      "mmcc-a",
      "mmcc-b",
    ]);
  });
});

describe("the chain timeline", () => {
  const root = "01937f3a-0000-7000-8000-0000000000a1";
  const onward = "01937f3a-0000-7000-8000-0000000000b2";
  const t = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
  const ownReferral = {
    referralId: root,
    rootReferralId: root,
    parentReferralId: "",
    childReferralIds: [],
    requestedAt: t(0),
    status: ReferralStatus.REFERRAL_STATUS_COMPLETED,
  } as unknown as Referral;
  const step = (
    referralId: string,
    sequence: number,
    toStatus: ReferralStatus,
    minutes: number,
  ): ReferralTransition =>
    ({ referralId, sequence, toStatus, occurredAt: t(minutes) }) as unknown as ReferralTransition;
  const event = (
    sequence: number,
    fromStatus: ReferralStatus,
    toStatus: ReferralStatus,
    minutes: number,
    outcomes: OutcomeCode[] = [],
  ) =>
    ReferralStatusChanged.fromPartial({
      referralId: onward,
      rootReferralId: root,
      parentReferralId: root,
      origin: ReferralOrigin.REFERRAL_ORIGIN_ONWARD,
      referrerOrganisationId: "mmcc-a",
      targetOrganisationId: "ecm",
      serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
      fromStatus,
      toStatus,
      outcomeCodes: outcomes,
      actorKind: ActorKind.ACTOR_KIND_STAFF,
      actorOrganisationId: "ecm",
      occurredAt: t(minutes),
      requestedAt: t(10),
      sequence,
    });

  it("shows the onward referral intake is not party to, its outcome, and intake's own steps once", () => {
    const S = ReferralStatus;
    const own = {
      referrals: [ownReferral],
      transitions: [
        step(root, 1, S.REFERRAL_STATUS_REQUESTED, 0),
        step(root, 2, S.REFERRAL_STATUS_RECEIVED, 1),
        step(root, 3, S.REFERRAL_STATUS_COMPLETED, 30),
      ],
    };
    const chain = [
      // The chain events of intake's own referral are kept too; they must not appear twice.
      ReferralStatusChanged.fromPartial({
        referralId: root,
        rootReferralId: root,
        sequence: 1,
        toStatus: S.REFERRAL_STATUS_REQUESTED,
        occurredAt: t(0),
      }),
      event(1, S.REFERRAL_STATUS_UNSPECIFIED, S.REFERRAL_STATUS_REQUESTED, 10),
      event(2, S.REFERRAL_STATUS_REQUESTED, S.REFERRAL_STATUS_RECEIVED, 11),
      event(3, S.REFERRAL_STATUS_RECEIVED, S.REFERRAL_STATUS_ACCEPTED, 12),
      event(4, S.REFERRAL_STATUS_ACCEPTED, S.REFERRAL_STATUS_IN_PROGRESS, 13),
      event(5, S.REFERRAL_STATUS_IN_PROGRESS, S.REFERRAL_STATUS_COMPLETED, 20, [
        OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED,
      ]),
    ];
    const timeline = chainTimeline(own, chain);
    expect(timeline.referrals.map((r) => r.referralId)).toEqual([root, onward]);
    const onwardView = timeline.referrals[1];
    expect(onwardView).toMatchObject({
      status: S.REFERRAL_STATUS_COMPLETED,
      outcomeCodes: [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED],
      parentReferralId: root,
      target: { organisationId: "ecm" },
      receivedAt: t(11),
      respondedAt: t(12),
      closedAt: t(20),
      sequence: 5,
      beneficiaryRef: "",
    });
    expect(timeline.referrals[0]?.childReferralIds).toEqual([onward]);
    expect(timeline.transitions.filter((x) => x.referralId === root).map((x) => x.sequence)).toEqual([
      1, 2, 3,
    ]);
    expect(
      timeline.transitions.map((x) => `${x.referralId === root ? "own" : "onward"}:${x.sequence}`),
    ).toEqual(["own:1", "own:2", "onward:1", "onward:2", "onward:3", "onward:4", "onward:5", "own:3"]);
  });

  it("keeps each referral's steps in sequence even when the parties' clocks disagree", () => {
    const S = ReferralStatus;
    const skewed = chainTimeline({ referrals: [], transitions: [] }, [
      event(1, S.REFERRAL_STATUS_UNSPECIFIED, S.REFERRAL_STATUS_REQUESTED, 10),
      event(2, S.REFERRAL_STATUS_REQUESTED, S.REFERRAL_STATUS_RECEIVED, 9),
    ]);
    expect(skewed.transitions.map((x) => x.sequence)).toEqual([1, 2]);
  });
});

describe("live capacity in routing", () => {
  it("offers the waitlists when no offering has a free place, and ranks by free places otherwise", () => {
    const full = [
      offering("o-full", "mmcc-a", {
        totalPlaces: 3,
        freePlaces: 0,
        capacityStatus: CapacityStatus.CAPACITY_STATUS_FULL,
      }),
      offering("o-wait", "mmcc-w", {
        totalPlaces: 3,
        freePlaces: 0,
        waitlist: true,
        capacityStatus: CapacityStatus.CAPACITY_STATUS_WAITLIST,
      }),
    ];
    const request = { serviceType: COUNSELLING, criteria: undefined, person: person(), at: NOW };
    expect(rankCandidates(full, organisations, request)).toEqual([]);
    const offered = candidatesOrWaitlist(full, organisations, request);
    expect(offered.map((m) => m.serviceOffering?.serviceOfferingId)).toEqual(["o-wait"]);
    expect(offered[0]?.reasons).toContain(MatchReason.MATCH_REASON_WAITLIST_OFFERED);

    const roomy = [
      offering("o-few", "mmcc-a", { totalPlaces: 10, freePlaces: 2 }),
      offering("o-lots", "mmcc-b", { totalPlaces: 10, freePlaces: 9, languages: ["ar", "tr"] }),
      ...full,
    ];
    expect(
      candidatesOrWaitlist(roomy, organisations, request).map((m) => m.serviceOffering?.serviceOfferingId),
    ).toEqual(["o-lots", "o-few"]);
  });
});
