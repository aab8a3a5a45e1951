import type { EventConsumer } from "@kopru/bus";
import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  PartnerKind,
  Priority,
  Purpose,
  RedirectReason,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ConsentWithdrawalReason } from "@kopru/contracts/referral/v1/consent";
import { ContactMethod, Weekday } from "@kopru/contracts/referral/v1/package";
import { EVENTS, STREAMS } from "@kopru/events";
import { contactUpdateConsumer, referralStore } from "@kopru/referral";
import { readSubject } from "@kopru/referral/testkit";
import type { NatsTestConnection } from "@kopru/testing";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  eventsOn,
  failure,
  grpcCode,
  type IntakeUnderTest,
  outboxDrained,
  publishDirectory,
  recordTestConsent,
  startIntake,
  startTarget,
  type TargetParty,
  testKeys,
  testNetworkIds,
} from "./support.js";

// Safe-contact details changed at intake reach every organisation holding the person's package, and
// only them (ADR 0018): real intake, real NATS JetStream and PostgreSQL, targets played by the
// referral library with the contact consumer a receiving service runs.
const ids = testNetworkIds();
const CANARY = `CANARY-SAFE-TIMES-${ids.suffix}`;
const CANARY_PHONE = `+90555${String(Number.parseInt(ids.suffix, 16) % 10_000_000).padStart(7, "0")}`;

let nats: NatsTestConnection;
let intake: IntakeUnderTest;
let holder: TargetParty;
let bystander: TargetParty;
const consumers: EventConsumer[] = [];

async function withContactConsumer(target: TargetParty): Promise<void> {
  const consumer = contactUpdateConsumer(`tgt-${target.organisationId}`, target.organisationId, {
    db: target.db,
    js: nats.js,
    jsm: nats.jsm,
  });
  // Contact updates travel sealed to the holder (ADR 0022).
  consumer.openWith(testKeys.opener);
  await consumer.start();
  consumers.push(consumer);
}

beforeAll(async () => {
  nats = await connect();
  intake = await startIntake(ids, nats);
  holder = await startTarget(nats, ids.mmcc);
  bystander = await startTarget(nats, ids.mmccOther);
  await withContactConsumer(holder);
  await withContactConsumer(bystander);
  await publishDirectory(nats, ids);
  await waitFor(
    async () => {
      const suggested = await intake.api.call("suggestTargets", {
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        criteria: {
          location: { provinceCode: ids.province, districtCode: "" },
          partnerKinds: [],
          allowWaitlist: false,
          excludedOrganisationIds: [],
        },
        limit: 10,
      });
      return suggested.candidates.length === 2;
    },
    { timeoutMs: 30_000, message: "intake never replicated the test directory" },
  );
}, 90_000);

afterAll(async () => {
  for (const consumer of consumers) {
    await consumer.stop();
    await nats.jsm.consumers.delete(STREAMS.referral.name, consumer.name).catch(() => {});
  }
  await bystander?.stop();
  await holder?.stop();
  await intake?.stop();
  await nats?.close();
});

const WEEKDAY_MORNINGS = {
  days: [Weekday.WEEKDAY_MONDAY, Weekday.WEEKDAY_WEDNESDAY],
  startMinute: 600,
  endMinute: 720,
};

async function register(): Promise<string> {
  const registered = await intake.api.call("registerBeneficiary", {
    requestId: uuidv4(),
    organisationId: ids.ngo,
    givenName: "Rima",
    familyName: "Synthetic-Contact",
    sex: Sex.SEX_FEMALE,
    birthYear: 1988,
    nationality: "SY",
    legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
    residence: { provinceCode: ids.province, districtCode: "" },
    phoneNumber: "+905550000001",
    preferredLanguage: "ar",
    interpreterNeeded: false,
    safeToContact: true,
    safeTimes: "weekday mornings (synthetic)",
    preferredContactMethod: ContactMethod.CONTACT_METHOD_PHONE_CALL,
    safeContactWindows: [WEEKDAY_MORNINGS],
  });
  const beneficiaryId = registered.beneficiary?.beneficiaryId ?? "";
  await intake.api.call("screenNeeds", {
    requestId: uuidv4(),
    beneficiaryId,
    servicesNeeded: [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING],
    vulnerabilities: [],
    washingtonGroupAnswers: [],
    needsSummary: "Needs counselling (synthetic).",
    household: undefined,
  });
  return beneficiaryId;
}

async function referTo(beneficiaryId: string, consentId: string, target: string): Promise<string> {
  const created = await intake.api.call("createReferral", {
    requestId: uuidv4(),
    beneficiaryId,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_NORMAL,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    reasonForReferral: "Needs counselling (synthetic).",
    consentId,
    routing: { $case: "explicitTarget", value: { organisationId: target } },
    dataCategories: [],
  });
  const referralId = created.referral?.referralId ?? "";
  await waitFor(
    async () =>
      referralStore.find(target === holder.organisationId ? holder.db : bystander.db, referralId, "target"),
    {
      timeoutMs: 20_000,
      message: `referral ${referralId} at ${target}`,
    },
  );
  return referralId;
}

function contactUpdate(beneficiaryId: string, requestId = uuidv4()) {
  return {
    requestId,
    beneficiaryId,
    safeToContact: false,
    safeTimes: `Only through the NGO; shared phone. ${CANARY}`,
    safeContactWindows: [],
    preferredContactMethod: ContactMethod.CONTACT_METHOD_IN_PERSON,
    phoneNumber: CANARY_PHONE,
  };
}

describe("UpdateContactDetails", () => {
  it("stores the windows given at registration and sends them in the package's contact section", async () => {
    const beneficiaryId = await register();
    const shown = await intake.api.call("getBeneficiary", { beneficiaryId });
    expect(shown.beneficiary?.safeContactWindows).toEqual([WEEKDAY_MORNINGS]);
    const consentId = await recordTestConsent(intake.api, beneficiaryId);
    const referralId = await referTo(beneficiaryId, consentId, ids.mmcc);
    const held = await referralStore.find(holder.db, referralId, "target");
    expect(held?.package.contact?.safeWindows).toEqual([WEEKDAY_MORNINGS]);
  });

  it("reaches the holder of the person's package, once, and updates the contact section it holds; a non-holder and coordination never see it", async () => {
    const beneficiaryId = await register();
    const consentId = await recordTestConsent(intake.api, beneficiaryId);
    const referralId = await referTo(beneficiaryId, consentId, ids.mmcc);
    // Another person referred to the bystander: it holds a package, but not this person's.
    const someoneElse = await register();
    await referTo(someoneElse, await recordTestConsent(intake.api, someoneElse), ids.mmccOther);

    const request = contactUpdate(beneficiaryId);
    const updated = await intake.api.call("updateContactDetails", request);
    expect(updated.notifiedOrganisationIds).toEqual([ids.mmcc]);
    expect(updated.beneficiary).toMatchObject({
      safeToContact: false,
      phoneNumber: CANARY_PHONE,
      safeContactWindows: [],
      preferredContactMethod: ContactMethod.CONTACT_METHOD_IN_PERSON,
    });

    const held = await waitFor(
      async () => {
        const record = await referralStore.find(holder.db, referralId, "target");
        return record?.package.contact?.safeToContact === false ? record : undefined;
      },
      { timeoutMs: 20_000, message: "the holder's package to carry the new contact section" },
    );
    expect(held.package.contact).toMatchObject({
      safeToContact: false,
      phoneNumber: CANARY_PHONE,
      safeTimes: expect.stringContaining(CANARY),
      safeWindows: [],
    });

    // A retry answers the same and sends nothing more; the same details again change nothing.
    expect((await intake.api.call("updateContactDetails", request)).notifiedOrganisationIds).toEqual([
      ids.mmcc,
    ]);
    expect(
      (await intake.api.call("updateContactDetails", contactUpdate(beneficiaryId))).notifiedOrganisationIds,
    ).toEqual([]);
    await outboxDrained(intake);
    const sent = await eventsOn(nats, EVENTS.contactDetailsUpdated, `kopru.v1.referral.contact.${ids.mmcc}`);
    const forPerson = sent.filter((e) => e.referralIds.includes(referralId));
    expect(forPerson).toHaveLength(1);
    expect(forPerson[0]).toMatchObject({ organisationId: ids.mmcc, referralIds: [referralId], version: 1 });

    // Canary: the new details travel only on the holder's own subject, sealed to its key (ADR 0022):
    // the holder opened them above, and no stream holds them in clear.
    const canary = new TextEncoder().encode(CANARY);
    const contains = (data: Uint8Array) => Buffer.from(data).includes(Buffer.from(canary));
    for (const stream of Object.values(STREAMS)) {
      const messages = await readSubject(nats.js, stream.name, stream.subjects[0] as string);
      const leaks = messages.filter((m) => contains(m.data)).map((m) => m.subject);
      expect(new Set(leaks)).toEqual(new Set());
    }
    const bystanderRows = await bystander.db.query<{ package: Uint8Array }>("SELECT package FROM referrals");
    expect(bystanderRows.rows.some((r) => contains(r.package))).toBe(false);
    expect(forPerson[0]?.contact?.safeTimes).toContain(CANARY);
  });

  it("reaches a partner further down the chain (a redirect), and no holder under a withdrawn consent", async () => {
    const beneficiaryId = await register();
    const consentId = await recordTestConsent(intake.api, beneficiaryId);
    const referralId = await referTo(beneficiaryId, consentId, ids.mmcc);
    // The MMCC redirects it to the other MMCC: the child's package carries the contact section.
    const { child } = await holder.db.transaction((tx) =>
      holder.lifecycle.redirect(tx, {
        referralId,
        scope: [ids.mmcc],
        newTarget: { organisationId: ids.mmccOther, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        redirectReason: RedirectReason.REDIRECT_REASON_BETTER_PLACED_PARTNER,
        acting: holder.acting,
      }),
    );
    holder.relay.wake();
    await waitFor(async () => referralStore.find(bystander.db, child.referralId, "target"), {
      timeoutMs: 20_000,
      message: "the redirected child at the other MMCC",
    });
    // Intake learns of the child from the PII-free status events of the chain.
    await waitFor(
      async () => {
        const timeline = await intake.api.call("getReferralTimeline", { referralId, includeChain: true });
        return timeline.referrals.some((r) => r.referralId === child.referralId) || undefined;
      },
      { timeoutMs: 20_000, message: "intake to see the redirect in the chain" },
    );

    const updated = await intake.api.call("updateContactDetails", contactUpdate(beneficiaryId));
    expect(updated.notifiedOrganisationIds).toEqual([ids.mmcc, ids.mmccOther].sort());
    await waitFor(
      async () =>
        (await referralStore.find(bystander.db, child.referralId, "target"))?.package.contact
          ?.safeToContact === false || undefined,
      { timeoutMs: 20_000, message: "the child's holder to get the new contact section" },
    );

    // Once the consent is withdrawn, new contact data is no longer shared under it.
    await intake.api.call("withdrawConsent", {
      consentId,
      reason: ConsentWithdrawalReason.CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST,
      cancelOpenReferrals: false,
      policy: 0,
      continuingBasis: 0,
    });
    const later = await intake.api.call("updateContactDetails", {
      ...contactUpdate(beneficiaryId),
      safeToContact: true,
      phoneNumber: "+905550000999",
    });
    expect(later.notifiedOrganisationIds).toEqual([]);
  });

  it("tells the holder when a screening changes the person's safety or language", async () => {
    const beneficiaryId = await register();
    const referralId = await referTo(
      beneficiaryId,
      await recordTestConsent(intake.api, beneficiaryId),
      ids.mmcc,
    );
    await intake.api.call("screenNeeds", {
      requestId: uuidv4(),
      beneficiaryId,
      servicesNeeded: [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING],
      vulnerabilities: [],
      washingtonGroupAnswers: [],
      safeToContact: false,
      preferredLanguage: "ku",
      needsSummary: undefined,
      household: undefined,
    });
    const held = await waitFor(
      async () => {
        const record = await referralStore.find(holder.db, referralId, "target");
        return record?.package.contact?.safeToContact === false ? record : undefined;
      },
      { timeoutMs: 20_000, message: "the screening's new safety to reach the holder" },
    );
    expect(held.package.contact).toMatchObject({ preferredLanguage: "ku", safeWindows: [WEEKDAY_MORNINGS] });
  });

  it("tells nobody when the person holds no package, and audits the change", async () => {
    const beneficiaryId = await register();
    const updated = await intake.api.call("updateContactDetails", contactUpdate(beneficiaryId));
    expect(updated.notifiedOrganisationIds).toEqual([]);
    const audit = await intake.running.context.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM intake_audit WHERE entity_id = $1 AND action = 'update-contact'",
      [beneficiaryId],
    );
    expect(audit.rows[0]?.n).toBe(1);
  });

  it("names each bad field, and another organisation's person is not found", async () => {
    const beneficiaryId = await register();
    const bad = await failure(
      intake.api.call("updateContactDetails", {
        ...contactUpdate(beneficiaryId),
        phoneNumber: "0555",
        safeContactWindows: [{ days: [], startMinute: 720, endMinute: 600 }],
      }),
    );
    expect(grpcCode(bad)).toBe("INVALID_ARGUMENT");
    expect(bad.metadata.get("kopru-invalid-fields")[0]).toBe(
      "phone_number,safe_contact_windows[0].days,safe_contact_windows[0].end_minute",
    );
    const other = intake.api.as({
      organisationId: ids.otherNgo,
      actorId: "caseworker-2",
      roles: ["caseworker"],
    });
    const missing = await failure(other.call("updateContactDetails", contactUpdate(beneficiaryId)));
    expect(grpcCode(missing)).toBe("NOT_FOUND");
  });
});
