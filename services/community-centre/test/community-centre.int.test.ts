import { randomBytes } from "node:crypto";
import { networkTestRun, sourceTestPackage } from "@kopru/casework/testkit";
import { AgeBand, Sex } from "@kopru/contracts/common/v1/disaggregation";
import {
  DataCategory,
  OnHoldReason,
  OutcomeCode,
  PartnerKind,
  Priority,
  Purpose,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  ActivityKind,
  ActivityStatus,
  AttendanceStatus,
  EnrolmentStatus,
  Weekday,
} from "@kopru/contracts/communitycentre/v1/activity";
import { CommunityCentreServiceClient } from "@kopru/contracts/communitycentre/v1/communitycentre_service";
import { ActivityCapacityChanged, EnrolmentCreated } from "@kopru/contracts/communitycentre/v1/events";
import type { ReferralPackage } from "@kopru/contracts/referral/v1/package";
import { STREAMS } from "@kopru/events";
import { readSubject, refusal, statusEvents } from "@kopru/referral/testkit";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4, v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spec } from "../src/app.js";

// The community-centre service as the network drives it: a partner sends referrals over the real
// JetStream to two community centres hosted by one process on a real PostgreSQL database; centre
// staff work them through the inbox and the community-centre API. Organisation ids are unique to this
// run (the dev machine's NATS streams are shared).
const suffix = `t${randomBytes(3).toString("hex")}`;
const CC_A = `cc-gaziantep-sahinbey-${suffix}`;
const CC_B = `cc-sanliurfa-haliliye-${suffix}`;
const REFERRER = `ngo-hayat-${suffix}`;
const DAY = 86_400_000;
const HOUR = 3_600_000;

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

function sourcePackage(target: string, serviceType: ServiceType): ReferralPackage {
  return sourceTestPackage(
    {
      from: REFERRER,
      to: target,
      serviceType,
      priority: Priority.PRIORITY_NORMAL,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      consent,
    },
    {
      reasonForReferral: "Wants to learn Turkish to find work (synthetic).",
      disaggregation: {
        sex: Sex.SEX_FEMALE,
        ageBand: AgeBand.AGE_BAND_25_49,
        nationality: "SY",
        provinceCode: "TUR027",
      },
      identity: { givenName: "Amal", familyName: "Synthetic-Yusuf" },
      contact: { phoneNumber: "+905550004321", safeToContact: true, preferredLanguage: "ar" },
      demographics: { sex: Sex.SEX_FEMALE, birthYear: 1994, nationality: "SY" },
      needs: { needsSummary: "synthetic" },
    },
  );
}

const staffA = { organisationId: CC_A, actorId: "cc-a-coordinator", role: "caseworker" };
const staffB = { organisationId: CC_B, actorId: "cc-b-coordinator", role: "caseworker" };

const run = networkTestRun(spec, CommunityCentreServiceClient, {
  databasePrefix: "community_centre",
  hostedOrganisations: [CC_A, CC_B],
  referrer: REFERRER,
  runId: suffix,
  caller: staffA,
});

/** A referral sent to `target` and accepted there (unless `accept` is false): its id. */
async function referral(
  target = CC_A,
  options: { accept?: boolean; serviceType?: ServiceType } = {},
): Promise<ReferralPackage> {
  const serviceType = options.serviceType ?? ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH;
  const sent = await run.referrer.send({
    source: sourcePackage(target, serviceType),
    target: { organisationId: target, partnerKind: PartnerKind.PARTNER_KIND_COMMUNITY_CENTRE },
    serviceType,
    purpose: Purpose.PURPOSE_SERVICE_PROVISION,
    consent,
  });
  const asTarget = run.inbox.as({ organisationId: target, actorId: "staff" });
  await waitFor(
    async () =>
      (await asTarget.call("getReferral", { referralId: sent.referralId }).catch(() => undefined))?.referral
        ?.status === ReferralStatus.REFERRAL_STATUS_RECEIVED,
    { timeoutMs: 20_000, message: `referral ${sent.referralId} received by ${target}` },
  );
  if (options.accept !== false) await asTarget.call("acceptReferral", { referralId: sent.referralId });
  return sent;
}

async function activityOf(organisationId: string, title: string) {
  const centre = (await run.api.call("listCentres", { organisationIds: [organisationId], provinceCodes: [] }))
    .centres[0];
  const listed = await run.api.call("listActivities", {
    centreIds: [centre?.centreId ?? ""],
    kinds: [],
    serviceTypes: [],
    languages: [],
    withFreeSeatsOnly: false,
    statuses: [],
  });
  const found = listed.activities.find((a) => a.title === title);
  if (!found) throw new Error(`no activity "${title}" at ${organisationId}`);
  return found;
}

function newActivity(centreId: string, capacity: number) {
  return {
    requestId: uuidv4(),
    activity: {
      activityId: "",
      centreId,
      organisationId: "",
      title: `Turkish A2 ${uuidv4().slice(0, 6)}`,
      kind: ActivityKind.ACTIVITY_KIND_LANGUAGE_COURSE,
      serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
      language: "tr",
      level: "A2",
      capacity,
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
  };
}

beforeAll(run.start, 60_000);
afterAll(run.stop);

describe("the community-centre service", () => {
  it("seeds each hosted centre with demo activities and announces their capacity", async () => {
    const listed = await run.api.as({}).call("listCentres", { organisationIds: [], provinceCodes: [] });
    expect(listed.centres.map((c) => [c.organisationId, c.name, c.location?.provinceCode])).toEqual([
      [CC_A, "Şahinbey Community Centre", "TUR027"],
      [CC_B, "Haliliye Community Centre", "TUR063"],
    ]);
    const turkish = await activityOf(CC_A, "Turkish A1");
    expect(turkish).toMatchObject({
      organisationId: CC_A,
      kind: ActivityKind.ACTIVITY_KIND_LANGUAGE_COURSE,
      serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
      capacity: 20,
      seatsTaken: 0,
      status: ActivityStatus.ACTIVITY_STATUS_SCHEDULED,
      schedule: { startTime: "10:00", timeZone: "Europe/Istanbul" },
    });
    const women = await activityOf(CC_B, "Turkish A1 (women's group)");
    expect(women.sexes).toEqual([Sex.SEX_FEMALE]);
    const announced = await waitFor(
      async () => {
        const messages = await readSubject(
          run.nats.js,
          STREAMS.case.name,
          `kopru.v1.case.communitycentre.activity-capacity.${CC_A}`,
        );
        return messages.length >= 3 && messages;
      },
      { message: "capacity of the seeded activities on JetStream" },
    );
    expect(announced.map((m) => ActivityCapacityChanged.decode(m.envelope.payload).seatsTaken)).toEqual([
      0, 0, 0,
    ]);
  });

  it("enrols an accepted referral, records attendance, and completing the enrolment completes the referral", async () => {
    const sent = await referral(CC_A);
    const turkish = await activityOf(CC_A, "Turkish A1");
    const request = { requestId: uuidv4(), activityId: turkish.activityId, referralId: sent.referralId };
    const enrolled = await run.api.call("enrolParticipant", request);
    expect(enrolled.enrolment).toMatchObject({
      activityId: turkish.activityId,
      referralId: sent.referralId,
      participantRef: sent.beneficiaryRef,
      status: EnrolmentStatus.ENROLMENT_STATUS_ENROLLED,
    });
    expect(enrolled.activity?.seatsTaken).toBe(1);
    const enrolmentId = enrolled.enrolment?.enrolmentId ?? "";
    // Enrolling moved the referral to IN_PROGRESS in the same transaction.
    expect((await run.inbox.call("getReferral", { referralId: sent.referralId })).referral?.status).toBe(
      ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
    );
    // A retried request returns the same enrolment and takes no second seat.
    const retried = await run.api.call("enrolParticipant", request);
    expect(retried.enrolment?.enrolmentId).toBe(enrolmentId);
    expect(retried.activity?.seatsTaken).toBe(1);

    const roster = await run.api.call("listEnrolments", { activityId: turkish.activityId, statuses: [] });
    expect(roster.enrolments.map((e) => e.participantRef)).toEqual([sent.beneficiaryRef]);
    // The enrolment and the roster read are audited under the caller's token, and the referral's
    // move to IN_PROGRESS under the same token in the inbox's audit.
    const audited = await run.service.context.db.query<Record<string, string | null>>(
      `SELECT action, actor_id, subject, client_id FROM casework_audit
        WHERE (entity = 'enrolment' AND entity_id = $1) OR (entity = 'activity' AND entity_id = $2)
        ORDER BY id`,
      [enrolmentId, turkish.activityId],
    );
    const token = { actor_id: staffA.actorId, subject: staffA.actorId, client_id: "kopru-test-console" };
    expect(audited.rows).toEqual(
      expect.arrayContaining([
        { action: "enrol-participant", ...token },
        { action: "read-roster", ...token },
      ]),
    );
    const started = await run.service.context.db.query<Record<string, string | null>>(
      "SELECT subject, client_id FROM referral_audit WHERE referral_id = $1 AND action = 'start'",
      [sent.referralId],
    );
    expect(started.rows).toEqual([{ subject: staffA.actorId, client_id: "kopru-test-console" }]);

    const sessionAt = new Date(Date.now() - HOUR);
    const marked = await run.api.call("recordAttendance", {
      activityId: turkish.activityId,
      sessionAt,
      marks: [{ enrolmentId, status: AttendanceStatus.ATTENDANCE_STATUS_PRESENT }],
    });
    expect(marked.enrolments[0]).toMatchObject({ sessionsAttended: 1, sessionsHeld: 1 });
    // Recording the same session again replaces its marks.
    const corrected = await run.api.call("recordAttendance", {
      activityId: turkish.activityId,
      sessionAt,
      marks: [{ enrolmentId, status: AttendanceStatus.ATTENDANCE_STATUS_EXCUSED }],
    });
    expect(corrected.enrolments[0]).toMatchObject({ sessionsAttended: 0, sessionsHeld: 1 });
    expect((await activityOf(CC_A, "Turkish A1")).status).toBe(ActivityStatus.ACTIVITY_STATUS_RUNNING);

    const completed = await run.api.call("completeEnrolment", {
      enrolmentId,
      status: EnrolmentStatus.ENROLMENT_STATUS_COMPLETED,
      certificateIssued: true,
    });
    expect(completed.enrolment).toMatchObject({
      status: EnrolmentStatus.ENROLMENT_STATUS_COMPLETED,
      certificateIssued: true,
    });
    expect((await activityOf(CC_A, "Turkish A1")).seatsTaken).toBe(0);

    const history = await waitFor(
      async () => {
        const events = (await statusEvents(run.nats.js, REFERRER, CC_A)).filter(
          (e) => e.referralId === sent.referralId,
        );
        return events.some((e) => e.toStatus === ReferralStatus.REFERRAL_STATUS_COMPLETED) && events;
      },
      { timeoutMs: 20_000, message: "ReferralStatusChanged COMPLETED on the status subject" },
    );
    expect(history.map((e) => e.toStatus)).toEqual([
      ReferralStatus.REFERRAL_STATUS_REQUESTED,
      ReferralStatus.REFERRAL_STATUS_RECEIVED,
      ReferralStatus.REFERRAL_STATUS_ACCEPTED,
      ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
      ReferralStatus.REFERRAL_STATUS_COMPLETED,
    ]);
    expect(history.at(-1)?.outcomeCodes).toEqual([
      OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE,
      OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED,
    ]);

    // EnrolmentCreated (PII-free) and the activity's capacity, in its own sequence: seeded, taken, freed.
    const created = await waitFor(async () => {
      const messages = await readSubject(
        run.nats.js,
        STREAMS.case.name,
        `kopru.v1.case.communitycentre.enrolment-created.${CC_A}`,
      );
      return messages.find((m) => m.envelope.aggregateId === enrolmentId);
    });
    expect(EnrolmentCreated.decode(created.envelope.payload)).toMatchObject({
      referralId: sent.referralId,
      activityKind: ActivityKind.ACTIVITY_KIND_LANGUAGE_COURSE,
      disaggregation: { sex: Sex.SEX_FEMALE, ageBand: AgeBand.AGE_BAND_25_49 },
    });
    expect(Buffer.from(created.data).toString("latin1")).not.toContain(sent.beneficiaryRef);
    const capacity = await waitFor(async () => {
      const messages = await readSubject(
        run.nats.js,
        STREAMS.case.name,
        `kopru.v1.case.communitycentre.activity-capacity.${CC_A}`,
      );
      const mine = messages.filter((m) => m.envelope.aggregateId === turkish.activityId);
      return mine.length === 3 && mine;
    });
    expect(
      capacity.map((m) => [
        m.envelope.aggregateSequence,
        ActivityCapacityChanged.decode(m.envelope.payload).seatsTaken,
      ]),
    ).toEqual([
      [1, 0],
      [2, 1],
      [3, 0],
    ]);
  });

  it("refuses a full activity without writing anything; the inbox puts the next referral on hold until a seat opens", async () => {
    const centreId = (await activityOf(CC_A, "Turkish A1")).centreId;
    const created = await run.api.call("createActivity", newActivity(centreId, 1));
    const activityId = created.activity?.activityId ?? "";
    expect(created.activity).toMatchObject({
      capacity: 1,
      seatsTaken: 0,
      status: ActivityStatus.ACTIVITY_STATUS_SCHEDULED,
    });

    const first = await referral(CC_A);
    await run.api.call("enrolParticipant", { requestId: uuidv4(), activityId, referralId: first.referralId });
    const second = await referral(CC_A);
    expect(
      await refusal(
        run.api.call("enrolParticipant", { requestId: uuidv4(), activityId, referralId: second.referralId }),
      ),
    ).toEqual({ status: "FAILED_PRECONDITION", code: "activity_full", fields: [] });
    // Nothing half-written: no seat, no enrolment, the referral still only accepted.
    expect((await run.inbox.call("getReferral", { referralId: second.referralId })).referral?.status).toBe(
      ReferralStatus.REFERRAL_STATUS_ACCEPTED,
    );
    const roster = await run.api.call("listEnrolments", { activityId, statuses: [] });
    expect(roster.enrolments.map((e) => e.referralId)).toEqual([first.referralId]);

    // A third person: the inbox waitlists the referral (capacity full) until capacity grows.
    const third = await referral(CC_A, { accept: false });
    const held = await run.inbox.call("putReferralOnHold", {
      referralId: third.referralId,
      reason: OnHoldReason.ON_HOLD_REASON_CAPACITY_FULL,
    });
    expect(held.referral?.status).toBe(ReferralStatus.REFERRAL_STATUS_ON_HOLD);
    const grown = await run.api.call("updateActivity", { activityId, capacity: 2, status: 0 });
    expect(grown.activity).toMatchObject({ capacity: 2, seatsTaken: 1 });
    await run.inbox.call("acceptReferral", { referralId: third.referralId });
    const seated = await run.api.call("enrolParticipant", {
      requestId: uuidv4(),
      activityId,
      referralId: third.referralId,
    });
    expect(seated.activity?.seatsTaken).toBe(2);
    expect(
      await refusal(run.api.call("updateActivity", { activityId, capacity: 1, status: 0 })),
    ).toMatchObject({
      status: "FAILED_PRECONDITION",
      code: "capacity_below_seats_taken",
    });
    expect(
      await refusal(
        run.api.call("updateActivity", { activityId, status: ActivityStatus.ACTIVITY_STATUS_CANCELLED }),
      ),
    ).toMatchObject({ code: "activity_has_participants" });
  });

  it("enrols only accepted referrals, for the service they ask for", async () => {
    const turkish = await activityOf(CC_A, "Turkish A1");
    const received = await referral(CC_A, { accept: false });
    expect(
      await refusal(
        run.api.call("enrolParticipant", {
          requestId: uuidv4(),
          activityId: turkish.activityId,
          referralId: received.referralId,
        }),
      ),
    ).toMatchObject({ status: "FAILED_PRECONDITION", code: "referral_not_enrollable" });
    const vocational = await referral(CC_A, { serviceType: ServiceType.SERVICE_TYPE_VOCATIONAL_TRAINING });
    expect(
      await refusal(
        run.api.call("enrolParticipant", {
          requestId: uuidv4(),
          activityId: turkish.activityId,
          referralId: vocational.referralId,
        }),
      ),
    ).toMatchObject({ code: "service_type_mismatch" });
    const garment = await activityOf(CC_A, "Garment production skills");
    const ok = await run.api.call("enrolParticipant", {
      requestId: uuidv4(),
      activityId: garment.activityId,
      referralId: vocational.referralId,
    });
    expect(ok.enrolment?.status).toBe(EnrolmentStatus.ENROLMENT_STATUS_ENROLLED);
    expect(
      await refusal(
        run.api.call("enrolParticipant", {
          requestId: uuidv4(),
          activityId: garment.activityId,
          referralId: vocational.referralId,
        }),
      ),
    ).toMatchObject({ code: "already_enrolled" });
  });

  it("keeps each organisation's referrals, rosters and activities from the other", async () => {
    const sent = await referral(CC_A);
    const turkishA = await activityOf(CC_A, "Turkish A1");
    const enrolled = await run.api.call("enrolParticipant", {
      requestId: uuidv4(),
      activityId: turkishA.activityId,
      referralId: sent.referralId,
    });
    const enrolmentId = enrolled.enrolment?.enrolmentId ?? "";
    const activityB = await activityOf(CC_B, "Turkish A1 (women's group)");

    const asB = run.api.as(staffB);
    const notFound = { status: "NOT_FOUND" };
    expect(
      await refusal(run.inbox.as(staffB).call("getReferral", { referralId: sent.referralId })),
    ).toMatchObject(notFound);
    expect(
      await refusal(
        asB.call("enrolParticipant", {
          requestId: uuidv4(),
          activityId: activityB.activityId,
          referralId: sent.referralId,
        }),
      ),
    ).toMatchObject(notFound);
    expect(
      await refusal(
        asB.call("enrolParticipant", {
          requestId: uuidv4(),
          activityId: turkishA.activityId,
          referralId: sent.referralId,
        }),
      ),
    ).toMatchObject(notFound);
    expect(
      await refusal(asB.call("listEnrolments", { activityId: turkishA.activityId, statuses: [] })),
    ).toMatchObject(notFound);
    expect(
      await refusal(
        asB.call("completeEnrolment", {
          enrolmentId,
          status: EnrolmentStatus.ENROLMENT_STATUS_DROPPED_OUT,
          certificateIssued: false,
        }),
      ),
    ).toMatchObject(notFound);
    expect(
      await refusal(asB.call("updateActivity", { activityId: turkishA.activityId, capacity: 30, status: 0 })),
    ).toMatchObject(notFound);
    expect(
      await refusal(
        asB.call("recordAttendance", {
          activityId: turkishA.activityId,
          sessionAt: new Date(),
          marks: [{ enrolmentId, status: AttendanceStatus.ATTENDANCE_STATUS_PRESENT }],
        }),
      ),
    ).toMatchObject(notFound);
    expect(await refusal(asB.call("createActivity", newActivity(turkishA.centreId, 5)))).toMatchObject(
      notFound,
    );
    expect(
      await refusal(
        run.api
          .as({ organisationId: "cc-elsewhere" })
          .call("listEnrolments", { activityId: turkishA.activityId, statuses: [] }),
      ),
    ).toMatchObject({ status: "PERMISSION_DENIED" });

    // Dropping out frees the seat and completes the referral with a partial outcome.
    const dropped = await run.api.call("completeEnrolment", {
      enrolmentId,
      status: EnrolmentStatus.ENROLMENT_STATUS_DROPPED_OUT,
      certificateIssued: false,
    });
    expect(dropped.enrolment?.status).toBe(EnrolmentStatus.ENROLMENT_STATUS_DROPPED_OUT);
    const after = await run.inbox.call("getReferral", { referralId: sent.referralId });
    expect(after.referral).toMatchObject({
      status: ReferralStatus.REFERRAL_STATUS_COMPLETED,
      outcomeCodes: [
        OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL,
        OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE,
      ].sort((a, b) => a - b),
    });
  });

  it("names every bad field (INVALID_ARGUMENT)", async () => {
    const bad = newActivity("not-a-uuid", 0);
    expect(
      await refusal(
        run.api.call("createActivity", {
          requestId: "x",
          activity: {
            ...bad.activity,
            title: "",
            kind: ActivityKind.ACTIVITY_KIND_RECREATIONAL,
            serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
            schedule: { ...bad.activity.schedule, startTime: "7pm" },
          },
        }),
      ),
    ).toEqual({
      status: "INVALID_ARGUMENT",
      code: "invalid_argument",
      fields: [
        "request_id",
        "activity.centre_id",
        "activity.title",
        "activity.service_type",
        "activity.capacity",
        "activity.schedule.start_time",
      ],
    });
    expect(
      await refusal(
        run.api.call("enrolParticipant", { requestId: "", activityId: "a", referralId: uuidv4() }),
      ),
    ).toMatchObject({
      fields: ["request_id", "activity_id"],
    });
    const enrolmentId = uuidv4();
    expect(
      await refusal(
        run.api.call("recordAttendance", {
          activityId: uuidv4(),
          sessionAt: undefined,
          marks: [
            { enrolmentId, status: AttendanceStatus.ATTENDANCE_STATUS_PRESENT },
            { enrolmentId, status: AttendanceStatus.ATTENDANCE_STATUS_ABSENT },
          ],
        }),
      ),
    ).toMatchObject({ status: "INVALID_ARGUMENT", fields: ["session_at", "marks[1].enrolment_id"] });
    expect(
      await refusal(
        run.api.call("completeEnrolment", {
          enrolmentId,
          status: EnrolmentStatus.ENROLMENT_STATUS_ENROLLED,
          certificateIssued: false,
        }),
      ),
    ).toMatchObject({ fields: ["status"] });
    expect(await refusal(run.api.call("updateActivity", { activityId: uuidv4(), status: 0 }))).toMatchObject({
      fields: ["capacity"],
    });
  });

  it("starts again on the same database without seeding twice, and keeps serving the inbox", async () => {
    const before = await activityOf(CC_A, "Turkish A1");
    await run.restart();
    const after = await activityOf(CC_A, "Turkish A1");
    expect(after).toEqual(before);
    const messages = await readSubject(
      run.nats.js,
      STREAMS.case.name,
      `kopru.v1.case.communitycentre.activity-capacity.${CC_B}`,
    );
    expect(messages).toHaveLength(3);
    const sent = await referral(CC_B);
    expect(
      (await run.inbox.as(staffB).call("getReferral", { referralId: sent.referralId })).referral?.status,
    ).toBe(ReferralStatus.REFERRAL_STATUS_ACCEPTED);
  });
});
