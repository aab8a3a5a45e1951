import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  DeclineReason,
  OutcomeCode,
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { connectNats, waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientsFor,
  GAZIANTEP,
  grpcCode,
  registerWithConsent,
  SYNTHETIC_PERSON,
  seedDirectory,
} from "../support/clients.js";
import { findPersonalData, query } from "../support/database.js";
import { TestNetwork } from "../support/network.js";

const S = ReferralStatus;
const HOUR = 3_600_000;

let network: TestNetwork;
let api: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  network = await TestNetwork.create();
  await network.start("coordination");
  await network.start("intake", "municipality", "ecm", "protection");
  api = clientsFor(network);
  await seedDirectory(api.coordination(), network.orgs);
  // Intake routes and checks consent against its own replica of the directory: wait for it.
  await waitFor(
    async () => {
      const suggested = await api.intake().call("suggestTargets", {
        serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
        criteria: {
          location: { provinceCode: GAZIANTEP, districtCode: "", provinceName: "", districtName: "" },
          partnerKinds: [],
          allowWaitlist: true,
          excludedOrganisationIds: [],
        },
        limit: 5,
      });
      return suggested.candidates.length > 0;
    },
    { timeoutMs: 30_000, message: "intake never replicated the directory" },
  );
}, 240_000);

afterAll(async () => {
  await network?.close();
});

async function submit(
  beneficiaryId: string,
  consentId: string,
  target: string,
  serviceType: ServiceType,
  priority = Priority.PRIORITY_HIGH,
) {
  const created = await api.intake().call("createReferral", {
    requestId: uuidv4(),
    beneficiaryId,
    serviceType,
    priority,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: "Needs support navigating services (synthetic).",
    consentId,
    routing: { $case: "explicitTarget", value: { organisationId: target } },
    dataCategories: [],
  });
  return created.referral?.referralId ?? "";
}

async function intakeStatus(referralId: string): Promise<ReferralStatus | undefined> {
  const got = await api.intake().call("getReferral", { referralId });
  return got.referral?.status;
}

async function waitForIntakeStatus(referralId: string, status: ReferralStatus, timeoutMs = 30_000) {
  await waitFor(async () => (await intakeStatus(referralId)) === status, {
    timeoutMs,
    message: `intake never saw referral ${referralId} as ${ReferralStatus[status]}`,
  });
}

describe("the referral network, end to end", () => {
  it("closes the loop: NGO → Gaziantep MMCC → onward to ECM → cash, seen by intake and coordination", async () => {
    const { orgs } = network;
    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs);
    const referralId = await submit(
      beneficiaryId,
      consentId,
      orgs.mmccGaziantep,
      ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    );
    await waitForIntakeStatus(referralId, S.REFERRAL_STATUS_RECEIVED);

    const mmcc = api.municipalityInbox();
    const inbox = await mmcc.call("listInbox", {
      organisationId: orgs.mmccGaziantep,
      statuses: [],
      serviceTypes: [],
      priorities: [],
      overdueOnly: false,
    });
    expect(inbox.referrals.map((r) => r.referralId)).toContain(referralId);
    await mmcc.call("acceptReferral", { referralId });
    await mmcc.call("startReferral", { referralId });

    // The MMCC refers the person onward to ECM for cash, through the same library.
    const onward = await waitFor(
      () =>
        mmcc
          .call("makeOnwardReferral", {
            requestId: uuidv4(),
            parentReferralId: referralId,
            targetOrganisationId: orgs.ecm,
            serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
            priority: Priority.PRIORITY_HIGH,
            purpose: Purpose.PURPOSE_SERVICE_PROVISION,
            consentId,
            reasonForReferral: "Rent arrears; cash assistance needed (synthetic).",
            dataCategories: [],
          })
          .catch((error) => {
            if (grpcCode(error) === "NOT_FOUND") return undefined; // ECM not yet in the MMCC's directory replica
            throw error;
          }),
      { timeoutMs: 30_000, message: "onward referral never accepted" },
    );
    const onwardId = onward.referral?.referralId ?? "";
    const ecm = api.ecmInbox();
    await waitFor(
      async () => {
        const got = await ecm.call("getReferral", { referralId: onwardId }).catch(() => undefined);
        return got?.referral?.status === S.REFERRAL_STATUS_RECEIVED;
      },
      { timeoutMs: 30_000, message: "ECM never received the onward referral" },
    );
    const received = await ecm.call("getReferral", { referralId: onwardId });
    expect(received.referralPackage?.referrer?.organisationId).toBe(orgs.mmccGaziantep);
    await ecm.call("acceptReferral", { referralId: onwardId });
    await ecm.call("startReferral", { referralId: onwardId });
    await ecm.call("completeReferral", {
      referralId: onwardId,
      outcomeCodes: [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED],
    });
    await mmcc.call("completeReferral", {
      referralId,
      outcomeCodes: [
        OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD,
        OutcomeCode.OUTCOME_CODE_ONWARD_REFERRAL_MADE,
      ],
    });

    // The referrer's view shows each outcome, including the onward one it was not party to.
    await waitForIntakeStatus(referralId, S.REFERRAL_STATUS_COMPLETED);
    await waitFor(
      async () => {
        const timeline = await api.intake().call("getReferralTimeline", { referralId, includeChain: true });
        const onwardView = timeline.referrals.find((r) => r.referralId === onwardId);
        return onwardView?.status === S.REFERRAL_STATUS_COMPLETED;
      },
      { timeoutMs: 30_000, message: "intake's timeline never showed the onward referral completed" },
    );
    const timeline = await api.intake().call("getReferralTimeline", { referralId, includeChain: true });
    const own = timeline.referrals.find((r) => r.referralId === referralId);
    const onwardView = timeline.referrals.find((r) => r.referralId === onwardId);
    expect(own?.outcomeCodes).toContain(OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD);
    expect(onwardView?.outcomeCodes).toEqual([OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED]);
    const ownSteps = timeline.transitions.filter((t) => t.referralId === referralId).map((t) => t.toStatus);
    expect(ownSteps).toEqual([
      S.REFERRAL_STATUS_REQUESTED,
      S.REFERRAL_STATUS_RECEIVED,
      S.REFERRAL_STATUS_ACCEPTED,
      S.REFERRAL_STATUS_IN_PROGRESS,
      S.REFERRAL_STATUS_COMPLETED,
    ]);

    // Coordination holds the whole chain too, from PII-free status events only.
    await waitFor(
      async () => {
        const chain = await api
          .coordination()
          .call("getReferralTimeline", { referralId, includeChain: true });
        return chain.referrals.filter((r) => r.status === S.REFERRAL_STATUS_COMPLETED).length === 2;
      },
      { timeoutMs: 30_000, message: "coordination never showed both referrals completed" },
    );
    const chain = await api.coordination().call("getReferralTimeline", { referralId, includeChain: true });
    expect(chain.referrals.map((r) => r.referralId).sort()).toEqual([referralId, onwardId].sort());
    expect(chain.transitions.filter((t) => t.referralId === onwardId).map((t) => t.toStatus)).toEqual([
      S.REFERRAL_STATUS_REQUESTED,
      S.REFERRAL_STATUS_RECEIVED,
      S.REFERRAL_STATUS_ACCEPTED,
      S.REFERRAL_STATUS_IN_PROGRESS,
      S.REFERRAL_STATUS_COMPLETED,
    ]);
  });

  it("keeps personal data where it belongs: none in coordination, no protection-only data at the municipality", async () => {
    const coordinationHits = await findPersonalData(network.database("coordination").url, [
      SYNTHETIC_PERSON.givenName,
      SYNTHETIC_PERSON.familyName,
      SYNTHETIC_PERSON.phoneNumber,
      "Rent arrears",
    ]);
    expect(coordinationHits).toEqual([]);
    // Sanity check that the scan finds what is there: intake holds the person.
    const intakeHits = await findPersonalData(network.database("intake").url, [SYNTHETIC_PERSON.familyName]);
    expect(intakeHits.length).toBeGreaterThan(0);

    const columns = await query<{ table_name: string; column_name: string }>(
      network.database("municipality").url,
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name ~* '(gbv|child_protection|risk_level|safety_plan|incident)'`,
    );
    expect(columns).toEqual([]);
    const packages = await query<{ package: Buffer }>(
      network.database("municipality").url,
      "SELECT package FROM referrals",
    );
    expect(packages.length).toBeGreaterThan(0);
    for (const row of packages) {
      const pkg = ReferralPackage.decode(row.package);
      expect(pkg.gbv).toBeUndefined();
      expect(pkg.childProtection).toBeUndefined();
      expect(pkg.protection).toBeUndefined();
      expect(pkg.health).toBeUndefined();
      expect(pkg.mhpss).toBeUndefined();
    }
  });

  it("refuses a referral whose consent does not cover the target or the purpose, and publishes nothing", async () => {
    const { orgs } = network;
    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs, {
      partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
      categories: [
        DataCategory.DATA_CATEGORY_IDENTITY,
        DataCategory.DATA_CATEGORY_CONTACT,
        DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
        DataCategory.DATA_CATEGORY_HOUSEHOLD,
        DataCategory.DATA_CATEGORY_NEEDS,
      ],
    });
    const intakeDb = network.database("intake").url;
    const outboxBefore = await query<{ n: string }>(intakeDb, "SELECT count(*) AS n FROM kopru_outbox");
    // Reading a stream directly is the admin's alone: no service's NATS user may (ADR 0013).
    const nats = await connectNats(network.adminNats());
    const subject = `kopru.v1.referral.requested.${orgs.ecm}`;
    const messagesFor = async () =>
      (await nats.jsm.streams.info("KOPRU_REFERRAL", { subjects_filter: subject })).state.subjects?.[
        subject
      ] ?? 0;
    const before = await messagesFor();

    const wrongTarget = await submit(
      beneficiaryId,
      consentId,
      orgs.ecm,
      ServiceType.SERVICE_TYPE_ECM_CASH,
    ).catch((e) => e);
    expect(grpcCode(wrongTarget)).toBe("FAILED_PRECONDITION");
    expect(String(wrongTarget.details)).toMatch(new RegExp(`does not cover organisation ${orgs.ecm}`));

    const wrongPurpose = await api
      .intake()
      .call("createReferral", {
        requestId: uuidv4(),
        beneficiaryId,
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        priority: Priority.PRIORITY_NORMAL,
        purpose: Purpose.PURPOSE_CASE_MANAGEMENT,
        reasonForReferral: "synthetic",
        consentId,
        routing: { $case: "explicitTarget", value: { organisationId: orgs.mmccKilis } },
        dataCategories: [],
      })
      .catch((e) => e);
    expect(grpcCode(wrongPurpose)).toBe("FAILED_PRECONDITION");
    expect(String(wrongPurpose.details)).toMatch(/purpose/);

    const outboxAfter = await query<{ n: string }>(intakeDb, "SELECT count(*) AS n FROM kopru_outbox");
    expect(outboxAfter[0]?.n).toBe(outboxBefore[0]?.n);
    expect(await messagesFor()).toBe(before);
    await nats.close();
  });

  it("answers bad input with INVALID_ARGUMENT naming the field, and another organisation's id with NOT_FOUND", async () => {
    const bad = await api
      .intake()
      .call("createReferral", {
        requestId: uuidv4(),
        beneficiaryId: "not-a-uuid",
        serviceType: ServiceType.SERVICE_TYPE_UNSPECIFIED,
        priority: Priority.PRIORITY_HIGH,
        purpose: Purpose.PURPOSE_SERVICE_PROVISION,
        reasonForReferral: "synthetic",
        consentId: "",
        routing: undefined,
        dataCategories: [],
      })
      .catch((e) => e);
    expect(grpcCode(bad)).toBe("INVALID_ARGUMENT");
    expect(String(bad.details)).toMatch(/beneficiary_id/);
    expect(String(bad.details)).toMatch(/service_type/);

    const { orgs } = network;
    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs);
    const referralId = await submit(
      beneficiaryId,
      consentId,
      orgs.mmccGaziantep,
      ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    );
    await waitForIntakeStatus(referralId, S.REFERRAL_STATUS_RECEIVED);
    const otherTenant = await api
      .municipalityInbox(orgs.mmccKilis)
      .call("acceptReferral", { referralId })
      .catch((e) => e);
    expect(grpcCode(otherTenant)).toBe("NOT_FOUND");
  });

  it("lets exactly one of two staff accepting and declining at the same moment win", async () => {
    const { orgs } = network;
    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs);
    const referralId = await submit(
      beneficiaryId,
      consentId,
      orgs.mmccGaziantep,
      ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    );
    await waitForIntakeStatus(referralId, S.REFERRAL_STATUS_RECEIVED);
    const current = await api.municipalityInbox().call("getReferral", { referralId });
    const expectedSequence = current.referral?.sequence;
    const results = await Promise.allSettled([
      api
        .municipalityInbox(orgs.mmccGaziantep, "staff-a")
        .call("acceptReferral", { referralId, expectedSequence }),
      api.municipalityInbox(orgs.mmccGaziantep, "staff-b").call("declineReferral", {
        referralId,
        reason: DeclineReason.DECLINE_REASON_NO_CAPACITY,
        expectedSequence,
      }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(["ABORTED", "FAILED_PRECONDITION"]).toContain(grpcCode(lost[0]?.reason));
    expect(String(lost[0]?.reason.details)).toMatch(/sequence|already/);
    const final = await api.municipalityInbox().call("getReferral", { referralId });
    expect([S.REFERRAL_STATUS_ACCEPTED, S.REFERRAL_STATUS_DECLINED]).toContain(final.referral?.status);
    expect(final.referral?.sequence).toBe((expectedSequence ?? 0) + 1);
  });

  it("delivers to a target that was down for the whole submission when it starts, once", async () => {
    const { orgs } = network;
    await network.stop("ecm");
    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs);
    const referralId = await submit(beneficiaryId, consentId, orgs.ecm, ServiceType.SERVICE_TYPE_ECM_CASH);
    // The package has left intake (its outbox is published) and waits in JetStream for ecm.
    await waitFor(
      async () =>
        (
          await query<{ n: string }>(
            network.database("intake").url,
            "SELECT count(*) AS n FROM kopru_outbox WHERE sent_at IS NULL",
          )
        )[0]?.n === "0",
      { timeoutMs: 15_000, message: "intake to publish the referral" },
    );
    expect(await intakeStatus(referralId)).toBe(S.REFERRAL_STATUS_REQUESTED);

    await network.start("ecm");
    await waitForIntakeStatus(referralId, S.REFERRAL_STATUS_RECEIVED);
    const ecmDb = network.database("ecm").url;
    const copies = await query<{ n: string }>(
      ecmDb,
      "SELECT count(*) AS n FROM referrals WHERE referral_id = $1",
      [referralId],
    );
    expect(Number(copies[0]?.n)).toBe(1);
    const steps = await query<{ sequence: number }>(
      ecmDb,
      "SELECT sequence FROM referral_transitions WHERE referral_id = $1 ORDER BY sequence",
      [referralId],
    );
    expect(steps.map((s) => s.sequence)).toEqual([1, 2]);
    const learnt = await api.intake().call("getReferralTimeline", { referralId, includeChain: false });
    expect(learnt.transitions.map((t) => t.sequence)).toEqual([1, 2]);
  });

  it("expires an emergency referral nobody answers and tells the referrer", async () => {
    const { orgs } = network;
    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs);
    const referralId = await submit(
      beneficiaryId,
      consentId,
      orgs.mmccKilis,
      ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      Priority.PRIORITY_EMERGENCY,
    );
    await waitForIntakeStatus(referralId, S.REFERRAL_STATUS_RECEIVED);
    network.advanceClock(25 * HOUR);
    try {
      await waitForIntakeStatus(referralId, S.REFERRAL_STATUS_EXPIRED, 45_000);
    } finally {
      network.advanceClock(0);
    }
    const timeline = await api.intake().call("getReferralTimeline", { referralId, includeChain: false });
    const expiry = timeline.transitions.find((t) => t.toStatus === S.REFERRAL_STATUS_EXPIRED);
    expect(expiry?.actor?.kind).toBe(ActorKind.ACTOR_KIND_SYSTEM);
    await waitFor(
      async () => {
        const chain = await api
          .coordination()
          .call("getReferralTimeline", { referralId, includeChain: false });
        return chain.referrals[0]?.status === S.REFERRAL_STATUS_EXPIRED;
      },
      { timeoutMs: 30_000, message: "coordination never saw the expiry" },
    );
  });
});
