import { randomUUID } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  GbvIncidentType,
  ProtectionConcern,
  RiskLevel,
  TimeSinceIncident,
} from "@kopru/contracts/common/v1/needs";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { presentDataCategories } from "@kopru/referral/domain";
import { publishReferral } from "@kopru/referral/testkit";
import type { ClientCaller } from "@kopru/service-kit";
import { connectNats, waitFor } from "@kopru/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  C,
  canary,
  codeName,
  consentFor,
  coordinator,
  E,
  hoursFromNow,
  I,
  offering,
  offeringId,
  organisationEntry,
  P,
  partnerSystem,
  R,
  RawApi,
  registration,
  seedDirectory,
  sendReferral,
  staff,
  waitForInbox,
} from "../support/access.js";
import type { Organisations } from "../support/network.js";
import { TestNetwork } from "../support/network.js";
import { type Answer, dig } from "../support/rpc.js";

// The role rules of ADR 0012 against the real services: protection's restricted (GBV and child
// protection) sections only for `protection-restricted` staff of the holding organisation; ECM
// assistance approved only by an `ecm-approver` who did not plan it; network-wide coordination only
// for a `coordinator`; and a partner system (a token with no user) never doing what only staff may.

let network: TestNetwork;
let api: RawApi;
let o: Organisations;

function refusedWith(answer: Answer, codes: string[], who = ""): void {
  const said = answer.ok ? "answered OK" : `${codeName(answer)} ${answer.details}`;
  expect(codes, `${who}: ${said}`).toContain(codeName(answer));
}

function text(answer: Answer): string {
  return answer.ok ? JSON.stringify(answer.response) : "";
}

beforeAll(async () => {
  network = await TestNetwork.create();
  o = network.orgs;
  await network.start("coordination", "intake", "ecm", "protection");
  api = new RawApi(network);
  await seedDirectory(api, o);
}, 240_000);

afterAll(async () => {
  api?.close();
  await network?.close();
});

describe("protection: restricted sections and cases only for protection-restricted staff of the holder", () => {
  const restricted = () => staff(o.protection, "prot-restricted-1", "protection-restricted");
  const restrictedColleague = () => staff(o.protection, "prot-restricted-2", "protection-restricted");
  const caseworker = () => staff(o.protection, "prot-caseworker", "caseworker");
  const supervisor = () => staff(o.protection, "prot-supervisor", "supervisor");
  const otherRestricted = () => staff(o.protectionOther, "prot-south-restricted", "protection-restricted");

  it("shows a GBV referral's restricted sections to protection-restricted staff only", async () => {
    const notes = canary();
    const referralId = randomUUID();
    const consentedCategories = [
      DataCategory.DATA_CATEGORY_IDENTITY,
      DataCategory.DATA_CATEGORY_CONTACT,
      DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
      DataCategory.DATA_CATEGORY_PROTECTION,
      DataCategory.DATA_CATEGORY_GBV,
    ];
    const pkg = ReferralPackage.fromPartial({
      referralId,
      rootReferralId: referralId,
      origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
      beneficiaryRef: `ben-${randomUUID()}`,
      referrer: { organisationId: o.ngo, displayName: "Hayat (test)" },
      target: { organisationId: o.protection },
      serviceType: ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      consentId: randomUUID(),
      consentExpiresAt: new Date(Date.now() + 365 * 86_400_000),
      consentScope: {
        organisationIds: [],
        partnerKinds: [PartnerKind.PARTNER_KIND_PROTECTION_PARTNER],
        purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
        dataCategories: consentedCategories,
      },
      requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: o.ngo, actorId: "ngo-caseworker" },
      requestedAt: new Date(),
      reasonForReferral: "Needs specialised support (synthetic).",
      identity: { givenName: "Amal", familyName: "Synthetic" },
      contact: { safeToContact: false, preferredLanguage: "ar" },
      demographics: { sex: Sex.SEX_FEMALE, birthYear: 1994, nationality: "SY" },
      protection: {
        riskLevel: RiskLevel.RISK_LEVEL_HIGH,
        concerns: [ProtectionConcern.PROTECTION_CONCERN_EXPLOITATION],
      },
      gbv: {
        incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT,
        timeSinceIncident: TimeSinceIncident.TIME_SINCE_INCIDENT_0_3_DAYS,
        immediateSafetyRisk: true,
        survivorCentredNotes: `Speak to her alone ${notes}`,
      },
    });
    // A referrer's outbox relay publishes the package, with intake's NATS user (which may address a
    // referral to any organisation). Referrals screened and sent through intake are covered by
    // restricted-referrals.e2e.test.ts; this one fixes the package's exact contents.
    const nats = await connectNats(network.natsAs("intake"));
    try {
      await publishReferral(nats, { ...pkg, sharedDataCategories: presentDataCategories(pkg) });
    } finally {
      await nats.close();
    }
    await waitForInbox(api, "protection", referralId, restricted());

    const seenBy = async (caller: ClientCaller) =>
      api.call("protection", R, "GetReferral", { referralId }, caller);
    const own = await seenBy(restricted());
    expect(codeName(own)).toBe("OK");
    expect(text(own)).toContain(notes);
    expect(text(own)).toContain("GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT");

    for (const [who, caller] of [
      ["caseworker", caseworker()],
      ["supervisor", supervisor()],
      ["partner system", partnerSystem(o.protection)],
    ] as const) {
      const answer = await seenBy(caller);
      expect(codeName(answer), who).toBe("OK");
      const response = answer.ok ? answer.response : {};
      expect(text(answer), who).not.toContain(notes);
      expect((response.referralPackage as JsonObject | undefined)?.gbv, who).toBeUndefined();
      expect(response.withheldDataCategories, who).toContain("DATA_CATEGORY_GBV");
    }
    refusedWith(await seenBy(otherRestricted()), ["NOT_FOUND", "PERMISSION_DENIED"]);
  });

  it("shows a restricted case's details to protection-restricted staff of the holder only", async () => {
    const summary = canary();
    const opened = await api.must(
      "protection",
      P,
      "OpenCase",
      {
        requestId: randomUUID(),
        organisationId: o.protection,
        beneficiaryRef: `ben-${randomUUID()}`,
        caseType: "PROTECTION_CASE_TYPE_GBV",
        assignedCaseworkerId: "prot-restricted-1",
      },
      restricted(),
    );
    const caseId = dig(opened, "protectionCase", "caseId");
    await api.must(
      "protection",
      P,
      "RecordRiskAssessment",
      {
        requestId: randomUUID(),
        caseId,
        riskLevel: "RISK_LEVEL_HIGH",
        summary: `Perpetrator nearby ${summary}`,
        nextReviewAt: hoursFromNow(24),
      },
      restricted(),
    );

    const colleague = await api.call("protection", P, "GetCase", { caseId }, restrictedColleague());
    expect(codeName(colleague)).toBe("OK");
    expect(text(colleague)).toContain(summary);

    for (const [who, caller] of [
      ["caseworker", caseworker()],
      ["supervisor", supervisor()],
      ["partner system", partnerSystem(o.protection)],
      ["protection-restricted staff of the other protection partner", otherRestricted()],
    ] as const) {
      const got = await api.call("protection", P, "GetCase", { caseId }, caller);
      expect(text(got), who).not.toContain(summary);
      refusedWith(got, ["NOT_FOUND", "PERMISSION_DENIED"], who);
      const listed = await api.call("protection", P, "ListCases", { organisationId: o.protection }, caller);
      expect(text(listed), who).not.toContain(caseId);
      const written = await api.call(
        "protection",
        P,
        "RecordRiskAssessment",
        { requestId: randomUUID(), caseId, riskLevel: "RISK_LEVEL_LOW", summary: "Lowered." },
        caller,
      );
      refusedWith(written, ["NOT_FOUND", "PERMISSION_DENIED"], who);
    }
    const after = await api.call("protection", P, "GetCase", { caseId }, restrictedColleague());
    expect(text(after)).not.toContain("Lowered.");
  });
});

describe("ECM: assistance approved only by an ecm-approver who did not plan it", () => {
  const planner = () => staff(o.ecm, "ecm-planner", "caseworker", "ecm-approver");

  async function plannedItem(amountMinor: string): Promise<string> {
    const opened = await api.must(
      "ecm",
      E,
      "OpenCase",
      { requestId: randomUUID(), organisationId: o.ecm, beneficiaryRef: `ben-${randomUUID()}` },
      planner(),
    );
    const caseId = dig(opened, "ecmCase", "caseId");
    const added = await api.must(
      "ecm",
      E,
      "AddAssistanceItem",
      {
        requestId: randomUUID(),
        caseId,
        kind: "ASSISTANCE_KIND_CASH",
        amount: { amountMinor, currency: "TRY" },
        description: "Rent support",
        paymentChannel: "PAYMENT_CHANNEL_BANK_ACCOUNT",
      },
      planner(),
    );
    return dig(added, "assistanceItem", "assistanceItemId");
  }

  const approve = (assistanceItemId: string, caller: ClientCaller) =>
    api.call("ecm", E, "ApproveAssistanceItem", { assistanceItemId }, caller);

  it("refuses the planner, a caseworker, a supervisor without the role, a partner system and the other unit", async () => {
    const item = await plannedItem("900000");
    refusedWith(await approve(item, planner()), ["PERMISSION_DENIED"], "the planner");
    refusedWith(
      await approve(item, staff(o.ecm, "ecm-caseworker", "caseworker")),
      ["PERMISSION_DENIED"],
      "a caseworker",
    );
    refusedWith(
      await approve(item, staff(o.ecm, "ecm-supervisor", "supervisor")),
      ["PERMISSION_DENIED"],
      "a supervisor without ecm-approver",
    );
    refusedWith(await approve(item, partnerSystem(o.ecm)), ["PERMISSION_DENIED"], "a partner system");
    refusedWith(
      await approve(item, staff(o.ecmOther, "ecm-north-approver", "ecm-approver")),
      ["NOT_FOUND"],
      "an ecm-approver of the other ECM unit",
    );

    const approved = await approve(item, staff(o.ecm, "ecm-approver-2", "ecm-approver"));
    expect(codeName(approved), approved.ok ? "" : approved.details).toBe("OK");
    expect(text(approved)).toContain("ASSISTANCE_STATUS_APPROVED");
  });

  it("asks for an ecm-approver whatever the amount", async () => {
    const item = await plannedItem("10000");
    refusedWith(
      await approve(item, staff(o.ecm, "ecm-caseworker", "caseworker")),
      ["PERMISSION_DENIED"],
      "a caseworker (small amount)",
    );
    refusedWith(await approve(item, planner()), ["PERMISSION_DENIED"], "the planner (small amount)");
    expect(codeName(await approve(item, staff(o.ecm, "ecm-approver-2", "ecm-approver")))).toBe("OK");
  });
});

describe("coordination: network-wide calls only for a coordinator", () => {
  const ngoSupervisor = () => staff(o.ngo, "ngo-supervisor", "supervisor", "caseworker");
  const outsiders = (): [string, ClientCaller][] => [
    ["a supervisor of another NGO", staff(o.ngoOther, "umut-supervisor", "supervisor", "caseworker")],
    ["a supervisor of another ECM unit", staff(o.ecmOther, "north-supervisor", "supervisor", "ecm-approver")],
    ["a partner system", partnerSystem(o.ngoOther)],
  ];
  let referralId = "";

  beforeAll(async () => {
    const registered = await api.must(
      "intake",
      I,
      "RegisterBeneficiary",
      registration(o.ngo, "Huda", "Synthetic"),
      ngoSupervisor(),
    );
    const beneficiaryId = dig(registered, "beneficiary", "beneficiaryId");
    const consent = await api.must("intake", I, "RecordConsent", consentFor(beneficiaryId), ngoSupervisor());
    await api.must(
      "intake",
      I,
      "ScreenNeeds",
      {
        requestId: randomUUID(),
        beneficiaryId,
        servicesNeeded: ["SERVICE_TYPE_ECM_CASH"],
        household: { size: 2 },
      },
      ngoSupervisor(),
    );
    referralId = await sendReferral(api, ngoSupervisor(), {
      beneficiaryId,
      consentId: dig(consent, "consent", "consentId"),
      target: o.ecm,
      serviceType: "SERVICE_TYPE_ECM_CASH",
      reason: "Rent arrears (synthetic).",
    });
    const ecmStaff = staff(o.ecm, "ecm-supervisor", "supervisor");
    await waitForInbox(api, "ecm", referralId, ecmStaff);
    await api.must(
      "ecm",
      R,
      "DeclineReferral",
      { referralId, reason: "DECLINE_REASON_OUTSIDE_MANDATE", internalNote: "Outside criteria." },
      ecmStaff,
    );
    await waitFor(
      async () =>
        text(await api.call("coordination", C, "GetReferralTimeline", { referralId }, coordinator)).includes(
          "REFERRAL_STATUS_DECLINED",
        ),
      { timeoutMs: 30_000, message: "coordination to track the declined referral" },
    );
  });

  it("gives network-wide figures, timelines and overdue lists to a coordinator only", async () => {
    const figures = {
      groupBy: ["FIGURE_DIMENSION_TARGET_ORGANISATION", "FIGURE_DIMENSION_REFERRER_ORGANISATION"],
    };
    const network = await api.call("coordination", C, "GetReferralFigures", figures, coordinator);
    expect(codeName(network)).toBe("OK");
    expect(text(network)).toContain(o.ngo);
    const timeline = await api.call("coordination", C, "GetReferralTimeline", { referralId }, coordinator);
    expect(text(timeline)).toContain(referralId);
    expect(
      codeName(
        await api.call("coordination", C, "ListOverdueReferrals", { includeExpired: true }, coordinator),
      ),
    ).toBe("OK");

    for (const [who, caller] of outsiders()) {
      const scoped = await api.call("coordination", C, "GetReferralFigures", figures, caller);
      // Figures of its own organisation at most: nothing of a referral it neither sent nor received.
      expect(text(scoped), who).not.toContain(o.ngo);
      expect(text(scoped), who).not.toContain(o.ecm);
      const other = await api.call("coordination", C, "GetReferralTimeline", { referralId }, caller);
      refusedWith(other, ["NOT_FOUND", "PERMISSION_DENIED"], who);
      const overdue = await api.call(
        "coordination",
        C,
        "ListOverdueReferrals",
        { includeExpired: true },
        caller,
      );
      expect(text(overdue), who).not.toContain(referralId);
    }
  });

  it("lets only a coordinator ask for a re-route", async () => {
    for (const [who, caller] of [
      ...outsiders(),
      ["the referrer's supervisor", ngoSupervisor()],
      ["the target's supervisor", staff(o.ecm, "ecm-supervisor", "supervisor")],
      ["the referrer's partner system", partnerSystem(o.ngo)],
    ] as [string, ClientCaller][]) {
      const answer = await api.call(
        "coordination",
        C,
        "RequestReRoute",
        { referralId, reason: "RE_ROUTE_REASON_DECLINED" },
        caller,
      );
      expect(codeName(answer), who).toBe("PERMISSION_DENIED");
    }
    const asked = await api.call(
      "coordination",
      C,
      "RequestReRoute",
      { referralId, reason: "RE_ROUTE_REASON_DECLINED" },
      coordinator,
    );
    expect(codeName(asked), asked.ok ? "" : asked.details).toBe("OK");
  });

  it("lets only a coordinator write another organisation's directory entries", async () => {
    const entry = offering(o.ecm, "SERVICE_TYPE_ECM_CASH");
    const serviceOfferingId = offeringId(o.ecm, "SERVICE_TYPE_ECM_CASH");
    const writes: [string, JsonObject][] = [
      ["UpsertOrganisation", organisationEntry(o.ecm, "PARTNER_KIND_ECM_UNIT")],
      ["UpsertServiceOffering", { serviceOffering: { ...entry, name: "Taken over" } }],
      ["SetCapacityStatus", { serviceOfferingId, capacityStatus: "CAPACITY_STATUS_FULL" }],
      ["RemoveServiceOffering", { serviceOfferingId }],
    ];
    for (const [name, request] of writes) {
      for (const [who, caller] of [
        ...outsiders(),
        ["the ECM unit's partner system", partnerSystem(o.ecm)],
      ] as [string, ClientCaller][]) {
        refusedWith(
          await api.call("coordination", C, name, request, caller),
          ["PERMISSION_DENIED", "NOT_FOUND"],
          `${name} by ${who}`,
        );
      }
    }
    const listed = await api.must(
      "coordination",
      C,
      "ListServiceOfferings",
      { organisationIds: [o.ecm], includeInactive: true },
      coordinator,
    );
    expect(JSON.stringify(listed)).not.toContain("Taken over");
    expect(JSON.stringify(listed)).not.toContain("CAPACITY_STATUS_FULL");
    for (const [name, request] of writes.slice(0, 3)) {
      const answer = await api.call("coordination", C, name, request, coordinator);
      expect(codeName(answer), `${name}: ${answer.ok ? "" : answer.details}`).toBe("OK");
    }
    // Leave the ECM unit's offering available for the other tests.
    await api.must("coordination", C, "UpsertServiceOffering", { serviceOffering: entry }, coordinator);
  });
});
