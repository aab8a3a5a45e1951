import { randomUUID } from "node:crypto";
import type { JsonObject } from "@bufbuild/protobuf";
import { EventEnvelope } from "@kopru/contracts/common/v1/envelope";
import { GbvIncidentType, RiskLevel } from "@kopru/contracts/common/v1/needs";
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
  coordinator,
  hoursFromNow,
  I,
  offering,
  R,
  RawApi,
  registration,
  seedDirectory,
  sendReferral,
  staff,
  waitForInbox,
} from "../support/access.js";
import { findPersonalData } from "../support/database.js";
import type { Organisations } from "../support/network.js";
import { TestNetwork } from "../support/network.js";
import { type Answer, dig } from "../support/rpc.js";
import { readableCanaryCopies, remainingKeys, streamCopies } from "../support/sealed-copies.js";

// GBV and child-protection referrals through the real network: intake screens the person and sends
// to the protection partner whose offering is that service; there only `protection-restricted`
// staff read the restricted section; a municipality and a community centre are refused them even
// when their directory entries (wrongly) offer the service; coordination never holds them. Canary
// strings in the survivor-centred notes and the child-protection summary are looked for in every
// other service's database, in their logs and on the PII-free streams.

let network: TestNetwork;
let api: RawApi;
let o: Organisations;
const GBV_NOTE = canary();
const CP_NOTE = canary();
/** Only in packages published straight to the bus, addressed to a municipality and a community centre. */
const ARRIVAL_NOTE = canary();

const ngoCaseworker = () => staff(o.ngo, "ngo-caseworker", "caseworker");
const ngoRestricted = () => staff(o.ngo, "ngo-gbv-focal-point", "caseworker", "protection-restricted");
const protRestricted = () => staff(o.protection, "prot-restricted-1", "protection-restricted");
const protCaseworker = () => staff(o.protection, "prot-caseworker", "caseworker");
const protSupervisor = () => staff(o.protection, "prot-supervisor", "supervisor");

let beneficiaryId = "";
let consentId = "";

function text(answer: Answer): string {
  return answer.ok ? JSON.stringify(answer.response) : "";
}

beforeAll(async () => {
  network = await TestNetwork.create();
  o = network.orgs;
  await network.start("coordination", "intake", "protection", "municipality", "community-centre");
  api = new RawApi(network);
  await seedDirectory(api, o);
  // The protection partner also does child protection; the MMCC and the community centre are (wrongly)
  // listed as offering GBV and child-protection case management: the rule must hold anyway.
  const extra: [string, string][] = [
    [o.protection, "SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT"],
    [o.mmccGaziantep, "SERVICE_TYPE_GBV_CASE_MANAGEMENT"],
    [o.mmccGaziantep, "SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT"],
    [o.centre, "SERVICE_TYPE_GBV_CASE_MANAGEMENT"],
    [o.centre, "SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT"],
  ];
  for (const [org, serviceType] of extra) {
    await api.must(
      "coordination",
      C,
      "UpsertServiceOffering",
      { serviceOffering: offering(org, serviceType) },
      coordinator,
    );
  }

  const registered = await api.must(
    "intake",
    I,
    "RegisterBeneficiary",
    registration(o.ngo, "Hala", "Synthetic-Nasser"),
    ngoCaseworker(),
  );
  beneficiaryId = dig(registered, "beneficiary", "beneficiaryId");
  await api.must(
    "intake",
    I,
    "ScreenNeeds",
    {
      requestId: randomUUID(),
      beneficiaryId,
      servicesNeeded: ["SERVICE_TYPE_GBV_CASE_MANAGEMENT", "SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT"],
      interpreterNeeded: true,
      interpreterLanguage: "ar",
      protection: { riskLevel: "RISK_LEVEL_HIGH", concerns: ["PROTECTION_CONCERN_PHYSICAL_SAFETY"] },
      gbv: {
        incidentType: "GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT",
        timeSinceIncident: "TIME_SINCE_INCIDENT_6_14_DAYS",
        immediateSafetyRisk: true,
        survivorCentredNotes: `Speak to her alone ${GBV_NOTE}`,
      },
      childProtection: {
        concerns: ["CHILD_PROTECTION_CONCERN_CHILD_LABOUR"],
        caregiverPresent: true,
        concernsSummary: `Son works nights ${CP_NOTE}`,
      },
    },
    ngoCaseworker(),
  );
  const consent = await api.must(
    "intake",
    I,
    "RecordConsent",
    {
      requestId: randomUUID(),
      beneficiaryId,
      givenBy: "CONSENT_GIVER_SELF",
      method: "CONSENT_METHOD_VERBAL_RECORDED",
      explainedInLanguage: "ar",
      recordedAt: new Date().toISOString(),
      scope: {
        partnerKinds: [
          "PARTNER_KIND_PROTECTION_PARTNER",
          "PARTNER_KIND_MUNICIPALITY",
          "PARTNER_KIND_COMMUNITY_CENTRE",
        ],
        purposes: ["PURPOSE_SERVICE_PROVISION"],
        dataCategories: [
          "DATA_CATEGORY_IDENTITY",
          "DATA_CATEGORY_CONTACT",
          "DATA_CATEGORY_DEMOGRAPHICS",
          "DATA_CATEGORY_PROTECTION",
          "DATA_CATEGORY_GBV",
          "DATA_CATEGORY_CHILD_PROTECTION",
        ],
      },
      expiresAt: hoursFromNow(365 * 24),
    },
    ngoCaseworker(),
  );
  consentId = dig(consent, "consent", "consentId");
}, 240_000);

afterAll(async () => {
  api?.close();
  await network?.close();
});

describe("GBV and child-protection referrals across the network", () => {
  const referrals: Record<string, string> = {};

  it.each([
    ["SERVICE_TYPE_GBV_CASE_MANAGEMENT", "gbv", "DATA_CATEGORY_GBV", () => GBV_NOTE],
    [
      "SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT",
      "childProtection",
      "DATA_CATEGORY_CHILD_PROTECTION",
      () => CP_NOTE,
    ],
  ] as const)(
    "%s reaches the protection partner and only its protection-restricted staff read it",
    async (serviceType, section, category, note) => {
      const referralId = await sendReferral(api, ngoCaseworker(), {
        beneficiaryId,
        consentId,
        target: o.protection,
        serviceType,
        reason: "Needs specialised case management (synthetic).",
      });
      referrals[serviceType] = referralId;
      await waitForInbox(api, "protection", referralId, protRestricted());

      const seenBy = (caller: ClientCaller) =>
        api.call("protection", R, "GetReferral", { referralId }, caller);
      const own = await seenBy(protRestricted());
      expect(codeName(own)).toBe("OK");
      expect(text(own)).toContain(note());
      const pkg = (own.ok ? own.response.referralPackage : undefined) as JsonObject | undefined;
      expect(pkg?.languageNeeds).toMatchObject({
        preferredLanguage: "ar",
        interpreterNeeded: true,
        interpreterLanguage: "ar",
      });
      for (const [who, caller] of [
        ["caseworker", protCaseworker()],
        ["supervisor", protSupervisor()],
      ] as const) {
        const answer = await seenBy(caller);
        expect(codeName(answer), who).toBe("OK");
        expect(text(answer), who).not.toContain(note());
        const response = answer.ok ? answer.response : {};
        expect((response.referralPackage as JsonObject | undefined)?.[section], who).toBeUndefined();
        expect(response.withheldDataCategories, who).toContain(category);
        // The language needs travel whatever is withheld.
        expect((response.referralPackage as JsonObject | undefined)?.languageNeeds, who).toBeDefined();
      }
      // At intake too, the package sent shows the section only to the referrer's restricted role.
      const atIntake = await api.call("intake", I, "GetReferral", { referralId }, ngoCaseworker());
      expect(text(atIntake)).not.toContain(note());
      expect(text(await api.call("intake", I, "GetReferral", { referralId }, ngoRestricted()))).toContain(
        note(),
      );
    },
  );

  it.each([
    ["municipality", () => o.mmccGaziantep],
    ["community centre", () => o.centre],
  ] as const)(
    "refuses GBV and child-protection referrals to a %s, even one listed as offering them",
    async (_kind, target) => {
      for (const serviceType of [
        "SERVICE_TYPE_GBV_CASE_MANAGEMENT",
        "SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT",
      ]) {
        // Retried until intake's replica knows the (wrong) offering, so the refusal is the rule's.
        const refused = await waitFor(
          async () => {
            const answer = await api.call(
              "intake",
              I,
              "CreateReferral",
              {
                requestId: randomUUID(),
                beneficiaryId,
                serviceType,
                priority: "PRIORITY_HIGH",
                purpose: "PURPOSE_SERVICE_PROVISION",
                reasonForReferral: "Should never be sent (synthetic).",
                consentId,
                explicitTarget: {
                  organisationId: target(),
                  serviceOfferingId: `${target()}-${serviceType.replace("SERVICE_TYPE_", "").toLowerCase().replaceAll("_", "-")}`,
                },
              },
              ngoCaseworker(),
            );
            return codeName(answer) === "FAILED_PRECONDITION" ? answer : undefined;
          },
          { timeoutMs: 30_000, message: `intake to refuse ${serviceType} to ${target()}` },
        );
        expect(refused.ok ? "" : refused.details).toMatch(
          /municipalities and community centres never receive it/,
        );
      }
    },
  );

  it("lets the protection partner pass GBV or child-protection data on to neither a municipality nor a community centre", async () => {
    const referralId = referrals.SERVICE_TYPE_GBV_CASE_MANAGEMENT ?? "";
    expect(referralId).not.toBe("");
    for (const target of [o.mmccGaziantep, o.centre]) {
      const redirected = await api.call(
        "protection",
        R,
        "RedirectReferral",
        {
          requestId: randomUUID(),
          referralId,
          targetOrganisationId: target,
          serviceType: "SERVICE_TYPE_GBV_CASE_MANAGEMENT",
          reason: "REDIRECT_REASON_NO_CAPACITY",
          consentId,
        },
        protRestricted(),
      );
      expect(codeName(redirected), `redirect to ${target}`).toBe("FAILED_PRECONDITION");
      expect(redirected.ok ? "" : redirected.details).toMatch(/never receive it/);
      const onward = await api.call(
        "protection",
        R,
        "MakeOnwardReferral",
        {
          requestId: randomUUID(),
          parentReferralId: referrals.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT ?? "",
          targetOrganisationId: target,
          serviceType: "SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT",
          priority: "PRIORITY_HIGH",
          purpose: "PURPOSE_SERVICE_PROVISION",
          consentId,
          reasonForReferral: "Should never be sent (synthetic).",
        },
        protRestricted(),
      );
      expect(codeName(onward), `onward to ${target}`).toBe("FAILED_PRECONDITION");
      expect(onward.ok ? "" : onward.details).toMatch(/never receive it/);
    }
  });

  it.each([
    ["municipality", () => o.mmccGaziantep],
    ["community-centre", () => o.centre],
  ] as const)(
    "drops GBV and child-protection sections a sender put in anyway, on arrival at the %s",
    async (host, target) => {
      const referralId = randomUUID();
      const pkg = ReferralPackage.fromPartial({
        referralId,
        rootReferralId: referralId,
        origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
        beneficiaryRef: `ben-${randomUUID()}`,
        referrer: { organisationId: o.ngo, displayName: "Hayat (test)" },
        target: { organisationId: target() },
        serviceType: ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT,
        priority: Priority.PRIORITY_HIGH,
        purpose: Purpose.PURPOSE_SERVICE_PROVISION,
        consentId: randomUUID(),
        consentExpiresAt: new Date(Date.now() + 365 * 86_400_000),
        consentScope: {
          organisationIds: [],
          partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY, PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE],
          purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
          dataCategories: [
            DataCategory.DATA_CATEGORY_IDENTITY,
            DataCategory.DATA_CATEGORY_CONTACT,
            DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
            DataCategory.DATA_CATEGORY_PROTECTION,
            DataCategory.DATA_CATEGORY_GBV,
          ],
        },
        requestedBy: { kind: ActorKind.ACTOR_KIND_STAFF, organisationId: o.ngo, actorId: "ngo-caseworker" },
        requestedAt: new Date(),
        reasonForReferral: "A misbehaving sender (synthetic).",
        identity: { givenName: "Hala", familyName: "Synthetic" },
        contact: { safeToContact: false, preferredLanguage: "ar" },
        demographics: { birthYear: 1994, nationality: "SY" },
        protection: { riskLevel: RiskLevel.RISK_LEVEL_HIGH, concerns: [] },
        gbv: {
          incidentType: GbvIncidentType.GBV_INCIDENT_TYPE_PHYSICAL_ASSAULT,
          survivorCentredNotes: ARRIVAL_NOTE,
        },
      });
      const nats = await connectNats(network.natsAs("intake"));
      try {
        await publishReferral(nats, { ...pkg, sharedDataCategories: presentDataCategories(pkg) });
      } finally {
        await nats.close();
      }
      const reader = staff(target(), `${host}-caseworker`, "caseworker", "protection-restricted");
      await waitForInbox(api, host, referralId, reader);
      const seen = await api.call(host, R, "GetReferral", { referralId }, reader);
      expect(codeName(seen)).toBe("OK");
      expect(text(seen)).not.toContain(ARRIVAL_NOTE);
      expect((seen.ok ? (seen.response.referralPackage as JsonObject) : {}).gbv).toBeUndefined();
      expect(await findPersonalData(network.database(host).url, [ARRIVAL_NOTE])).toEqual([]);
    },
  );

  it("leaves no GBV or child-protection canary anywhere but intake and the protection partner", async () => {
    // Let the status events of the referrals reach coordination first.
    await waitFor(
      async () => {
        const answer = await api.call(
          "coordination",
          C,
          "GetReferralTimeline",
          { referralId: referrals.SERVICE_TYPE_GBV_CASE_MANAGEMENT ?? "" },
          coordinator,
        );
        return answer.ok;
      },
      { timeoutMs: 30_000, message: "coordination to track the GBV referral" },
    );
    for (const name of ["coordination", "municipality", "community-centre"] as const) {
      expect(await findPersonalData(network.database(name).url, [GBV_NOTE, CP_NOTE]), name).toEqual([]);
      expect(network.logs(name), `${name} logs`).not.toContain(GBV_NOTE);
      expect(network.logs(name), `${name} logs`).not.toContain(CP_NOTE);
    }
    for (const name of ["intake", "protection"] as const) {
      expect(network.logs(name), `${name} logs`).not.toContain(GBV_NOTE);
      expect(network.logs(name), `${name} logs`).not.toContain(CP_NOTE);
    }
    // The search finds the canaries where they belong.
    expect((await findPersonalData(network.database("protection").url, [GBV_NOTE])).length).toBeGreaterThan(
      0,
    );

    // Coordination's answers hold none either.
    for (const referralId of Object.values(referrals)) {
      const tracking = await api.call("coordination", C, "GetReferralTimeline", { referralId }, coordinator);
      expect(text(tracking)).not.toContain(GBV_NOTE);
      expect(text(tracking)).not.toContain(CP_NOTE);
    }

    // The broker never holds the notes readable: the requests to the protection partner travel
    // sealed, and only the protection partner's key opens them to the notes.
    const copies = await streamCopies(network.adminNats());
    const inTheClear = copies
      .filter((c) => {
        const body = Buffer.from(EventEnvelope.encode(c.envelope).finish());
        return body.includes(GBV_NOTE) || body.includes(CP_NOTE);
      })
      .map((c) => `${c.stream}#${c.seq} ${c.subject}`);
    expect(inTheClear).toEqual([]);
    const readable = await readableCanaryCopies(copies, await remainingKeys(network.allDatabases()), [
      GBV_NOTE,
      CP_NOTE,
    ]);
    expect(readable.length).toBeGreaterThan(0);
    for (const line of readable) {
      expect(line).toContain(`kopru.v1.referral.requested.${o.protection}`);
      expect(line).toContain("opens with protection's key");
    }
  });
});
