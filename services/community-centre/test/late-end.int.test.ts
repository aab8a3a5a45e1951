import { randomBytes } from "node:crypto";
import {
  networkTestRun,
  noticesFor,
  publishCancellation,
  publishConsentWithdrawal,
  sourceTestPackage,
} from "@kopru/casework/testkit";
import {
  DataCategory,
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ActivityKind, EnrolmentStatus, Weekday } from "@kopru/contracts/communitycentre/v1/activity";
import { CommunityCentreServiceClient } from "@kopru/contracts/communitycentre/v1/communitycentre_service";
import { ActivityCapacityChanged } from "@kopru/contracts/communitycentre/v1/events";
import { NoticeKind } from "@kopru/contracts/notification/v1/events";
import {
  BeneficiaryErasureConfirmed,
  ErasureRequestReason,
  ErasureResult,
} from "@kopru/contracts/referral/v1/events";
import { EVENTS, STREAMS, SUBJECTS } from "@kopru/events";
import { eventsOn, publishAs, readSubject } from "@kopru/referral/testkit";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";

// A person took the last seat of a course through an accepted referral; then the referrer cancels it,
// or the person withdraws consent. The enrolment is withdrawn, the seat freed and announced (so the
// directory and the waitlist see it), and the staff member who accepted is told.
const suffix = `t${randomBytes(3).toString("hex")}`;
const CC = `cc-late-${suffix}`;
const REFERRER = `ngo-late-${suffix}`;
const DAY = 86_400_000;
const consent = {
  consentId: uuidv7(),
  scope: {
    organisationIds: [],
    partnerKinds: [PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE],
    purposes: [Purpose.PURPOSE_SERVICE_PROVISION],
    dataCategories: [
      DataCategory.DATA_CATEGORY_IDENTITY,
      DataCategory.DATA_CATEGORY_CONTACT,
      DataCategory.DATA_CATEGORY_DEMOGRAPHICS,
      DataCategory.DATA_CATEGORY_NEEDS,
    ],
  },
  expiresAt: new Date(Date.now() + 365 * DAY),
};
// A unique name no capacity event, status event or notice may ever carry.
const CANARY = `Canary${randomBytes(4).toString("hex")}`;
const staff = { organisationId: CC, actorId: "cc-coordinator", role: "caseworker" };
const run = networkTestRun(spec, CommunityCentreServiceClient, {
  databasePrefix: "community_centre",
  hostedOrganisations: [CC],
  referrer: REFERRER,
  runId: suffix,
  caller: staff,
});

beforeAll(run.start, 60_000);
afterAll(run.stop);

/** A course with one seat, taken by the person of an accepted referral. */
async function seatedReferral(consentId: string) {
  const serviceType = ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH;
  const sent = await run.referrer.send({
    source: sourceTestPackage(
      {
        from: REFERRER,
        to: CC,
        serviceType,
        priority: Priority.PRIORITY_NORMAL,
        purpose: Purpose.PURPOSE_SERVICE_PROVISION,
        consent: { ...consent, consentId },
      },
      {
        reasonForReferral: "Wants to learn Turkish (synthetic).",
        identity: { givenName: CANARY, familyName: "Synthetic-Learner" },
        contact: { phoneNumber: "+905550004321", safeToContact: true },
        demographics: { birthYear: 1994, nationality: "SY" },
        needs: { needsSummary: "synthetic" },
      },
    ),
    target: { organisationId: CC, partnerKind: PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE },
    serviceType,
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
  const centreId =
    (await run.api.call("listCentres", { organisationIds: [CC], provinceCodes: [] })).centres[0]?.centreId ??
    "";
  const created = await run.api.call("createActivity", {
    requestId: uuidv4(),
    activity: {
      activityId: "",
      centreId,
      organisationId: "",
      title: `Turkish A2 ${uuidv4().slice(0, 6)}`,
      kind: ActivityKind.ACTIVITY_KIND_LANGUAGE_COURSE,
      serviceType,
      language: "tr",
      level: "A2",
      capacity: 1,
      seatsTaken: 0,
      schedule: {
        firstSessionAt: new Date(Date.now() + 7 * DAY),
        days: [Weekday.WEEKDAY_TUESDAY],
        startTime: "18:00",
        sessionMinutes: 90,
        timeZone: "",
        totalSessions: 12,
      },
      sexes: [],
      status: 0,
    },
  });
  const activityId = created.activity?.activityId ?? "";
  const enrolled = await run.api.call("enrolParticipant", {
    requestId: uuidv4(),
    activityId,
    referralId: sent.referralId,
  });
  return { sent, activityId, enrolmentId: enrolled.enrolment?.enrolmentId ?? "" };
}

async function withdrawnSeat(activityId: string) {
  return waitFor(
    async () => {
      const roster = await run.api.call("listEnrolments", { activityId, statuses: [] });
      const enrolment = roster.enrolments[0];
      return enrolment?.status === EnrolmentStatus.ENROLMENT_STATUS_WITHDRAWN ? enrolment : undefined;
    },
    { timeoutMs: 15_000, message: "the enrolment was never withdrawn" },
  );
}

async function seatsAnnounced(activityId: string) {
  const messages = await readSubject(
    run.nats.js,
    STREAMS.case.name,
    `kopru.v1.case.communitycentre.activity-capacity.${CC}`,
  );
  return messages
    .map((m) => ActivityCapacityChanged.decode(m.envelope.payload))
    .filter((e) => e.activityId === activityId)
    .map((e) => e.seatsTaken);
}

describe("late events at a community centre", () => {
  it("withdraws the enrolment of a cancelled referral, frees and announces its seat, and tells who accepted", async () => {
    const { sent, activityId, enrolmentId } = await seatedReferral(consent.consentId);
    await publishCancellation(run.nats, { referralId: sent.referralId, referrer: REFERRER, target: CC });
    expect((await withdrawnSeat(activityId)).enrolmentId).toBe(enrolmentId);
    const listed = await run.api.call("listActivities", {
      centreIds: [],
      kinds: [],
      serviceTypes: [],
      languages: [],
      withFreeSeatsOnly: true,
      statuses: [],
    });
    expect(listed.activities.find((a) => a.activityId === activityId)?.seatsTaken).toBe(0);
    await waitFor(async () => (await seatsAnnounced(activityId)).join() === "0,1,0", {
      timeoutMs: 15_000,
      message: "the freed seat was never announced",
    });
    const notices = await noticesFor(run.nats, CC, (n) =>
      n.some((x) => x.referralId === sent.referralId && x.kind === NoticeKind.NOTICE_KIND_REFERRAL_CLOSED),
    );
    expect(
      notices.find(
        (n) => n.referralId === sent.referralId && n.kind === NoticeKind.NOTICE_KIND_REFERRAL_CLOSED,
      ),
    ).toMatchObject({
      kind: NoticeKind.NOTICE_KIND_REFERRAL_CLOSED,
      recipient: { $case: "actorId", value: staff.actorId },
      caseId: enrolmentId,
      status: ReferralStatus.REFERRAL_STATUS_CANCELLED,
    });
  });

  it("puts no personal data in the seat counts, status events or notices the late end sent", async () => {
    const { sent, activityId } = await seatedReferral(uuidv7());
    await publishCancellation(run.nats, { referralId: sent.referralId, referrer: REFERRER, target: CC });
    await withdrawnSeat(activityId);
    await noticesFor(run.nats, CC, (n) =>
      n.some((x) => x.referralId === sent.referralId && x.kind === NoticeKind.NOTICE_KIND_REFERRAL_CLOSED),
    );
    // The package itself (addressed to the centre) does carry the canary: the scan would see it.
    const requested = await readSubject(
      run.nats.js,
      STREAMS.referral.name,
      `kopru.v1.referral.requested.${CC}`,
    );
    expect(Buffer.concat(requested.map((m) => Buffer.from(m.data))).toString("utf8")).toContain(CANARY);
    for (const [stream, subject] of [
      [STREAMS.case.name, `kopru.v1.case.communitycentre.>`],
      [STREAMS.referral.name, `kopru.v1.referral.status.>`],
      [STREAMS.notice.name, `kopru.v1.notice.${CC}`],
    ] as const) {
      const text = Buffer.concat(
        (await readSubject(run.nats.js, stream, subject)).map((m) => Buffer.from(m.data)),
      ).toString("utf8");
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toContain(CANARY);
      expect(text).not.toContain(sent.beneficiaryRef);
    }
  });

  it("withdraws the enrolment when the consent is withdrawn", async () => {
    const consentId = uuidv7();
    const { sent, activityId } = await seatedReferral(consentId);
    await publishConsentWithdrawal(run.nats, {
      consentId,
      beneficiaryRef: sent.beneficiaryRef,
      holder: CC,
      referralIds: [sent.referralId],
      from: REFERRER,
    });
    await withdrawnSeat(activityId);
  });

  it("withdraws the enrolment, frees the seat and erases the participant when the person's data is erased", async () => {
    const { sent, activityId, enrolmentId } = await seatedReferral(uuidv7());
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
        confirmBy: new Date(Date.now() + 7 * DAY),
        holderOrganisationId: CC,
        requesterOrganisationId: REFERRER,
      },
      { organisationId: REFERRER, service: "intake" },
      { type: "erasure-request", id: erasureRequestId, sequence: 1 },
    );
    expect((await withdrawnSeat(activityId)).enrolmentId).toBe(enrolmentId);
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
    const enrolment = await db.query<{ participant_ref: string; status: number }>(
      "SELECT participant_ref, status FROM enrolments WHERE enrolment_id = $1",
      [enrolmentId],
    );
    expect(enrolment.rows[0]?.participant_ref).toMatch(/^erased-/);
    const left = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM referrals
        WHERE referral_id = $1 AND (position(convert_to($2, 'UTF8') in package) > 0 OR beneficiary_ref = $3)`,
      [sent.referralId, CANARY, sent.beneficiaryRef],
    );
    expect(left.rows[0]?.n).toBe(0);
  });
});
