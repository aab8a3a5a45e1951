import type { ServiceError } from "@grpc/grpc-js";
import { Priority, Purpose, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ContactAttemptMethod } from "@kopru/contracts/referral/v1/inbox_service";
import { ContactMethod, Weekday } from "@kopru/contracts/referral/v1/package";
import { connectNats, waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsFor, GAZIANTEP, grpcCode, registerWithConsent, seedDirectory } from "../support/clients.js";
import { findPersonalData } from "../support/database.js";
import { TestNetwork } from "../support/network.js";

// Safe contact across real service processes, each confined to its own NATS user (ADR 0013, 0018):
// the NGO changes the person's safe-contact details at intake, the MMCC holding the package gets
// them and refuses a call; coordination never holds them.

let network: TestNetwork;
let api: ReturnType<typeof clientsFor>;
const CANARY = `CANARY-CONTACT-${uuidv4().slice(0, 8)}`;

beforeAll(async () => {
  network = await TestNetwork.create();
  await network.start("coordination");
  await network.start("intake", "municipality");
  api = clientsFor(network);
  await seedDirectory(api.coordination(), network.orgs);
  await waitFor(
    async () => {
      const suggested = await api.intake().call("suggestTargets", {
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
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

describe("safe contact, end to end", () => {
  it("sends a change of safe-contact details to the MMCC holding the package, which then refuses contact", async () => {
    const { orgs } = network;
    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs);
    const created = await api.intake().call("createReferral", {
      requestId: uuidv4(),
      beneficiaryId,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: "Needs counselling (synthetic).",
      consentId,
      routing: { $case: "explicitTarget", value: { organisationId: orgs.mmccGaziantep } },
      dataCategories: [],
    });
    const referralId = created.referral?.referralId ?? "";
    const mmcc = api.municipalityInbox();
    await waitFor(
      async () =>
        (await mmcc.call("getReferral", { referralId }).catch(() => undefined))?.referral?.status ===
          ReferralStatus.REFERRAL_STATUS_RECEIVED || undefined,
      { timeoutMs: 30_000, message: "the referral at the MMCC" },
    );
    // Safe at any time so far: a call is recorded.
    await mmcc.call("recordContactAttempt", {
      requestId: uuidv4(),
      referralId,
      method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_CALL,
      attemptedAt: undefined,
      result: 0,
      internalNote: undefined,
    });

    const updated = await api.intake().call("updateContactDetails", {
      requestId: uuidv4(),
      beneficiaryId,
      safeToContact: false,
      safeTimes: `Shared phone; only through the NGO. ${CANARY}`,
      safeContactWindows: [{ days: [Weekday.WEEKDAY_SATURDAY], startMinute: 600, endMinute: 660 }],
      preferredContactMethod: ContactMethod.CONTACT_METHOD_IN_PERSON,
    });
    expect(updated.notifiedOrganisationIds).toEqual([orgs.mmccGaziantep]);
    const contact = await waitFor(
      async () => {
        const held = await mmcc.call("getReferral", { referralId });
        return held.referralPackage?.contact?.safeToContact === false
          ? held.referralPackage.contact
          : undefined;
      },
      { timeoutMs: 30_000, message: "the MMCC's package to carry the new contact section" },
    );
    expect(contact.safeTimes).toContain(CANARY);
    // The MMCC's caseworkers are told (its confined NATS user may publish its own notices).
    const nats = await connectNats(network.adminNats());
    try {
      const subject = `kopru.v1.notice.${orgs.mmccGaziantep}`;
      await waitFor(
        async () =>
          ((await nats.jsm.streams.info("KOPRU_NOTICE", { subjects_filter: subject })).state.subjects?.[
            subject
          ] ?? 0) > 0 || undefined,
        { timeoutMs: 30_000, message: "a safe-contact notice for the MMCC's staff" },
      );
    } finally {
      await nats.close();
    }

    let refused: ServiceError | undefined;
    try {
      await mmcc.call("recordContactAttempt", {
        requestId: uuidv4(),
        referralId,
        method: ContactAttemptMethod.CONTACT_ATTEMPT_METHOD_MESSAGE,
        attemptedAt: undefined,
        result: 0,
        internalNote: undefined,
      });
    } catch (error) {
      refused = error as ServiceError;
    }
    expect(grpcCode(refused)).toBe("FAILED_PRECONDITION");
    expect(refused?.metadata.get("kopru-error-code")).toEqual(["not_safe_to_contact"]);

    // Coordination never holds the new details; the MMCC does (the scan finds what is there).
    expect(await findPersonalData(network.database("coordination").url, [CANARY])).toEqual([]);
    expect(await findPersonalData(network.database("municipality").url, [CANARY])).toContain(
      `referrals.package (binary): ${CANARY}`,
    );
  });
});
