import { randomBytes } from "node:crypto";
import {
  networkTestRun,
  noticesFor,
  publishCancellation,
  publishConsentWithdrawal,
  sourceTestPackage,
} from "@kopru/casework/testkit";
import { CaseClosureReason, CaseStatus } from "@kopru/contracts/common/v1/case";
import {
  CancelReason,
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  CounsellingSessionType,
  CounsellingTopic,
  SessionModality,
} from "@kopru/contracts/municipality/v1/case";
import { MunicipalityServiceClient } from "@kopru/contracts/municipality/v1/municipality_service";
import { NoticeKind, StaffNotice } from "@kopru/contracts/notification/v1/events";
import {
  BeneficiaryErasureConfirmed,
  ErasureRequestReason,
  ErasureResult,
} from "@kopru/contracts/referral/v1/events";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import { noticeIdFor } from "@kopru/referral";
import { eventsOn, publishAs, statusEvents } from "@kopru/referral/testkit";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";

// An MMCC accepted a referral and opened a case; the referrer cancels it later, or the person withdraws
// consent. The case closes with the reason, the referrer sees CANCELLED, the counsellor is told.
const suffix = `t${randomBytes(3).toString("hex")}`;
const MMCC = `mmcc-gaziantep-${suffix}`;
const REFERRER = `ngo-late-${suffix}`;
const consent = {
  consentId: uuidv7(),
  scope: {
    organisationIds: [],
    partnerKinds: [PartnerKind.PARTNER_KIND_MUNICIPALITY],
    purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
    dataCategories: [
      DataCategory.DATA_CATEGORY_IDENTITY,
      DataCategory.DATA_CATEGORY_CONTACT,
      DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
      DataCategory.DATA_CATEGORY_NEEDS,
    ],
  },
  expiresAt: new Date(Date.now() + 365 * 86_400_000),
};
const staff = { organisationId: MMCC, actorId: "mmcc-counsellor", role: "caseworker" };
const run = networkTestRun(spec, MunicipalityServiceClient, {
  databasePrefix: "municipality",
  hostedOrganisations: [MMCC],
  referrer: REFERRER,
  runId: suffix,
  caller: staff,
});

beforeAll(run.start, 60_000);
afterAll(run.stop);

async function acceptedCase(consentId = consent.consentId) {
  const sent = await run.referrer.send({
    source: sourceTestPackage(
      {
        from: REFERRER,
        to: MMCC,
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        priority: Priority.PRIORITY_HIGH,
        purpose: Purpose.PURPOSE_SERVICE_PROVISION,
        consent: { ...consent, consentId },
      },
      {
        reasonForReferral: "Counselling on social assistance (synthetic).",
        identity: { givenName: "Test", familyName: "Synthetic-Person" },
        contact: { phoneNumber: "+905550001234", safeToContact: true },
        demographics: { birthYear: 1990, nationality: "SY" },
        needs: { needsSummary: "synthetic" },
      },
    ),
    target: { organisationId: MMCC, partnerKind: PartnerKind.PARTNER_KIND_MUNICIPALITY },
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consent: { ...consent, consentId },
  });
  await waitFor(
    async () =>
      (await run.inbox.call("getReferral", { referralId: sent.referralId }).catch(() => undefined))?.referral
        ?.status === ReferralStatus.REFERRAL_STATUS_RECEIVED,
    { timeoutMs: 20_000, message: "never received" },
  );
  await run.inbox.call("acceptReferral", { referralId: sent.referralId });
  const cases = await run.api.call("listCases", { organisationId: MMCC, statuses: [] });
  const opened = cases.municipalityCases.find((c) => c.referralIds.includes(sent.referralId));
  if (!opened) throw new Error("no case opened on acceptance");
  return { sent, caseId: opened.caseId };
}

const closedCase = (caseId: string) =>
  waitFor(
    async () => {
      const found = (await run.api.call("getCase", { caseId })).municipalityCase;
      return found?.status === CaseStatus.CASE_STATUS_CLOSED ? found : undefined;
    },
    { timeoutMs: 15_000, message: "the case never closed" },
  );

describe("late events at an MMCC", () => {
  it("closes the case of a referral cancelled after acceptance; the referrer sees it and the counsellor is told", async () => {
    const { sent, caseId } = await acceptedCase();
    await publishCancellation(run.nats, {
      referralId: sent.referralId,
      referrer: REFERRER,
      target: MMCC,
      reason: CancelReason.CANCEL_REASON_BENEFICIARY_RELOCATED,
    });
    expect((await closedCase(caseId)).closureReason).toBe(
      CaseClosureReason.CASE_CLOSURE_REASON_REFERRAL_CANCELLED,
    );
    const cancelled = await waitFor(
      async () =>
        (await statusEvents(run.nats.js, REFERRER, MMCC)).find(
          (e) => e.referralId === sent.referralId && e.toStatus === ReferralStatus.REFERRAL_STATUS_CANCELLED,
        ),
      { timeoutMs: 15_000, message: "no CANCELLED status event for the referrer" },
    );
    expect(cancelled.cancelReason).toBe(CancelReason.CANCEL_REASON_BENEFICIARY_RELOCATED);
    // (Its arrival told the MMCC's caseworkers and supervisors too: REFERRAL_RECEIVED.)
    const closedNotice = (n: StaffNotice) =>
      n.referralId === sent.referralId && n.kind === NoticeKind.NOTICE_KIND_REFERRAL_CLOSED;
    const notices = await noticesFor(run.nats, MMCC, (n) => n.some(closedNotice));
    expect(notices.find(closedNotice)).toMatchObject({
      kind: NoticeKind.NOTICE_KIND_REFERRAL_CLOSED,
      recipient: { $case: "actorId", value: staff.actorId },
      caseId,
    });
  });

  it("closes the case when the consent is withdrawn", async () => {
    const consentId = uuidv7();
    const { sent, caseId } = await acceptedCase(consentId);
    await publishConsentWithdrawal(run.nats, {
      consentId,
      beneficiaryRef: sent.beneficiaryRef,
      holder: MMCC,
      referralIds: [sent.referralId],
      from: REFERRER,
    });
    expect((await closedCase(caseId)).closureReason).toBe(
      CaseClosureReason.CASE_CLOSURE_REASON_CONSENT_WITHDRAWN,
    );
    // The counsellor holding the case hears it closed; the MMCC's staff hear the consent is withdrawn
    // (nobody assigned: supervisors and caseworkers). Ids derived from what they tell (ADR 0017).
    const about = (n: StaffNotice[]) =>
      n.filter(
        (x) =>
          x.referralId === sent.referralId &&
          [NoticeKind.NOTICE_KIND_REFERRAL_CLOSED, NoticeKind.NOTICE_KIND_CONSENT_WITHDRAWN].includes(x.kind),
      );
    const told = about(await noticesFor(run.nats, MMCC, (n) => about(n).length === 3));
    expect(told.map((x) => [x.kind, x.recipient, x.noticeId, x.status])).toEqual([
      [
        NoticeKind.NOTICE_KIND_REFERRAL_CLOSED,
        { $case: "actorId", value: staff.actorId },
        noticeIdFor("closed", sent.referralId, caseId, `actor/${staff.actorId}`),
        ReferralStatus.REFERRAL_STATUS_CANCELLED,
      ],
      [
        NoticeKind.NOTICE_KIND_CONSENT_WITHDRAWN,
        { $case: "role", value: "supervisor" },
        noticeIdFor("consent-withdrawn", consentId, sent.referralId, "supervisor"),
        ReferralStatus.REFERRAL_STATUS_CANCELLED,
      ],
      [
        NoticeKind.NOTICE_KIND_CONSENT_WITHDRAWN,
        { $case: "role", value: "caseworker" },
        noticeIdFor("consent-withdrawn", consentId, sent.referralId, "caseworker"),
        ReferralStatus.REFERRAL_STATUS_CANCELLED,
      ],
    ]);
    // The same withdrawal again (a re-run at intake, a replay): the consumer tells again with the
    // same ids, which the notification service drops; the closed case is not closed twice.
    await publishConsentWithdrawal(run.nats, {
      consentId,
      beneficiaryRef: sent.beneficiaryRef,
      holder: MMCC,
      referralIds: [sent.referralId],
      from: REFERRER,
    });
    const again = about(await noticesFor(run.nats, MMCC, (n) => about(n).length === 5));
    expect(again.slice(3).map((x) => x.noticeId)).toEqual(told.slice(1).map((x) => x.noticeId));
    // Ids and codes only: nothing of the package.
    for (const notice of again) {
      const text = Buffer.from(StaffNotice.encode(notice).finish()).toString("latin1");
      expect(text).not.toContain("Synthetic-Person");
      expect(text).not.toContain("+905550001234");
      expect(text).not.toContain(sent.beneficiaryRef);
    }
  });

  it("closes the case and erases its notes and the person's ref when the person's data is erased", async () => {
    const { sent, caseId } = await acceptedCase(uuidv7());
    const note = `SYNTHETIC-ERASURE-NOTE-${suffix}`;
    await run.api.call("recordCounsellingSession", {
      requestId: uuidv4(),
      caseId,
      sessionType: CounsellingSessionType.COUNSELLING_SESSION_TYPE_INDIVIDUAL,
      modality: SessionModality.SESSION_MODALITY_IN_PERSON,
      topics: [CounsellingTopic.COUNSELLING_TOPIC_SOCIAL_ASSISTANCE],
      interpreterUsed: false,
      durationMinutes: 30,
      notes: note,
    });
    const erasureRequestId = uuidv4();
    await publishAs(
      run.nats,
      EVENTS.beneficiaryErasureRequested,
      {
        erasureRequestId,
        beneficiaryRef: sent.beneficiaryRef,
        referralIds: [sent.referralId],
        reason: ErasureRequestReason.ERASURE_REQUEST_REASON_DATA_SUBJECT_REQUEST,
        requestedAt: new Date(),
        confirmBy: new Date(Date.now() + 7 * 86_400_000),
        holderOrganisationId: MMCC,
        requesterOrganisationId: REFERRER,
      },
      { organisationId: REFERRER, service: "intake" },
      { type: "erasure-request", id: erasureRequestId, sequence: 1 },
    );
    expect((await closedCase(caseId)).closureReason).toBe(
      CaseClosureReason.CASE_CLOSURE_REASON_CONSENT_WITHDRAWN,
    );
    const [answer] = (
      await eventsOn(
        run.nats,
        STREAMS.consent.name,
        SUBJECTS.erasureConfirmedFor(REFERRER),
        BeneficiaryErasureConfirmed,
        (events) => events.some((e) => e.payload.erasureRequestId === erasureRequestId),
      )
    ).filter((e) => e.payload.erasureRequestId === erasureRequestId);
    expect(answer?.payload.result).toBe(ErasureResult.ERASURE_RESULT_ERASED);
    const db = run.service.context.db;
    const erased = await db.query<{
      beneficiary_ref: string;
      closure_note: string | null;
      notes: string | null;
    }>(
      `SELECT c.beneficiary_ref, c.closure_note, s.notes
         FROM municipality_cases c JOIN counselling_sessions s USING (case_id) WHERE c.case_id = $1`,
      [caseId],
    );
    expect(erased.rows).toEqual([
      { beneficiary_ref: expect.stringMatching(/^erased-/), closure_note: null, notes: null },
    ]);
  });
});
