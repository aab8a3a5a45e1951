import { Priority, Purpose, ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { NoticeKind } from "@kopru/contracts/notification/v1/events";
import { NotificationServiceClient } from "@kopru/contracts/notification/v1/notification_service";
import { waitFor } from "@kopru/testing";
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

// Notifications across the real network: intake sends a referral, the MMCC's caseworkers are told
// (feed and an email through a real SMTP server process), the referring caseworker hears that it
// was accepted — and no mail, and no line of the notification service's log, names the person.

let network: TestNetwork;
let api: ReturnType<typeof clientsFor>;

const feed = (organisationId: string, actorId: string, role = "caseworker") =>
  network.client(NotificationServiceClient, "notifications", { organisationId, actorId, role });

beforeAll(async () => {
  network = await TestNetwork.create();
  await network.start("coordination");
  await network.start("intake", "municipality", "notifications");
  api = clientsFor(network);
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
      ).candidates.length > 0,
    { timeoutMs: 30_000, message: "intake never replicated the directory" },
  );
}, 240_000);

afterAll(async () => {
  await network?.close();
});

describe("notifications, end to end", () => {
  it("tells the target's caseworkers of a new referral by feed and email, and the referrer of its acceptance, naming nobody", async () => {
    const { orgs } = network;
    const mmccStaff = feed(orgs.mmccGaziantep, "mmcc-staff-1");
    const referrerStaff = feed(orgs.ngo, "caseworker-1");
    // Both exist in the identity service (with a work email) before anything happens.
    expect(
      (await mmccStaff.call("listNotifications", { unreadOnly: false, page: undefined })).unreadCount,
    ).toBe(0);
    await referrerStaff.call("listNotifications", { unreadOnly: false, page: undefined });

    const { beneficiaryId, consentId } = await registerWithConsent(api.intake(), orgs);
    const created = await api.intake().call("createReferral", {
      requestId: uuidv4(),
      beneficiaryId,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: `Needs counselling; ask for ${SYNTHETIC_PERSON.givenName} (synthetic).`,
      consentId,
      routing: { $case: "explicitTarget", value: { organisationId: orgs.mmccGaziantep } },
      dataCategories: [],
    });
    const referralId = created.referral?.referralId ?? "";

    const arrived = await waitFor(
      async () => {
        const got = await mmccStaff.call("listNotifications", { unreadOnly: true, page: undefined });
        return got.notifications.find((n) => n.referralId === referralId);
      },
      { timeoutMs: 60_000, message: "the new referral in the MMCC caseworker's feed" },
    );
    expect(arrived.kind).toBe(NoticeKind.NOTICE_KIND_REFERRAL_RECEIVED);
    expect(arrived.link).toBe(`https://console.kopru.example/referrals/${referralId}`);

    const address = `mmcc-staff-1@${orgs.mmccGaziantep}.example`;
    const [mail] = await waitFor(
      async () => {
        const mails = (await network.mails()).filter((m) => m.to.includes(address));
        return mails.length > 0 && mails;
      },
      { timeoutMs: 60_000, message: "the email to the MMCC caseworker" },
    );
    expect(mail?.text).toContain(`/referrals/${referralId}`);

    await api.municipalityInbox().call("acceptReferral", { referralId });
    const status = await waitFor(
      async () => {
        const got = await referrerStaff.call("listNotifications", { unreadOnly: true, page: undefined });
        return got.notifications.find(
          (n) => n.referralId === referralId && n.kind === NoticeKind.NOTICE_KIND_REFERRAL_STATUS,
        );
      },
      { timeoutMs: 60_000, message: "the acceptance in the referring caseworker's feed" },
    );
    expect(status.status).toBe(ReferralStatus.REFERRAL_STATUS_ACCEPTED);

    const canaries = [SYNTHETIC_PERSON.givenName, SYNTHETIC_PERSON.familyName, SYNTHETIC_PERSON.phoneNumber];
    const mails = await network.mails();
    expect(mails.length).toBeGreaterThan(0);
    for (const m of mails) for (const canary of canaries) expect(m.raw).not.toContain(canary);
    const logs = network.logs("notifications");
    for (const canary of canaries) expect(logs).not.toContain(canary);
  });
});
