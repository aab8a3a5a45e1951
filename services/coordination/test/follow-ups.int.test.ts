import {
  OutcomeCode as O,
  Priority,
  ReferralStatus as S,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import type { FigureFilter } from "@kopru/contracts/coordination/v1/tracking";
import type { ReferralFollowUpChanged } from "@kopru/contracts/referral/v1/events";
import { FollowUpStage } from "@kopru/contracts/referral/v1/referral";
import { waitFor } from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DAY,
  type Harness,
  HOUR,
  type Publisher,
  startCoordination,
  startPublisher,
  statusEvents,
} from "./harness.js";

// Work after acceptance as coordination sees it: the targets' ReferralFollowUpChanged events say
// whether a referral is assigned (never to whom) and how far its follow-up deadline went; the
// overdue list (follow_up) shows accepted referrals still open past that deadline, and the figures
// count assigned and follow-up-overdue referrals.

describe("coordination's follow-up overdue list and figures", () => {
  let h: Harness;
  let partner: Publisher;
  let REFERRER: string;
  let MMCC: string;
  const coordinator = () => ({ organisationId: `iom-${h.suffix}`, actorId: "c-1", roles: ["coordinator"] });
  const T0 = new Date(Date.now() - 10 * DAY);
  const ids = { overdue: uuidv7(), pending: uuidv7(), done: uuidv7() };

  const accepted = [
    { to: S.REFERRAL_STATUS_RECEIVED, afterMs: HOUR },
    { to: S.REFERRAL_STATUS_ACCEPTED, afterMs: 2 * HOUR },
  ];
  const acceptedAt = new Date(T0.getTime() + 2 * HOUR);
  const followUp = (
    referralId: string,
    sequence: number,
    assigned: boolean,
    followUpStage: FollowUpStage,
    dueAt: Date | undefined,
    status: S,
  ): ReferralFollowUpChanged => ({
    referralId,
    rootReferralId: referralId,
    referrerOrganisationId: REFERRER,
    targetOrganisationId: MMCC,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority: Priority.PRIORITY_EMERGENCY,
    status,
    assigned,
    followUpStage,
    followUpDueAt: dueAt,
    occurredAt: new Date(),
    sequence,
  });

  beforeAll(async () => {
    h = await startCoordination({ FIGURES_MIN_CELL_SIZE: "1" });
    REFERRER = `ngo-f-${h.suffix}`;
    MMCC = `mmcc-f-${h.suffix}`;
    partner = await startPublisher(h.nats);
    const spec = (referralId: string) => ({
      referralId,
      referrer: REFERRER,
      target: MMCC,
      priority: Priority.PRIORITY_EMERGENCY,
      requestedAt: T0,
    });
    await partner.publish([
      ...statusEvents(spec(ids.overdue), accepted),
      ...statusEvents(spec(ids.pending), accepted),
      ...statusEvents(spec(ids.done), [
        ...accepted,
        { to: S.REFERRAL_STATUS_IN_PROGRESS, afterMs: 3 * HOUR },
        {
          to: S.REFERRAL_STATUS_COMPLETED,
          afterMs: DAY,
          outcomeCodes: [O.OUTCOME_CODE_SERVICE_PROVIDED_FULL],
        },
      ]),
    ]);
    // Emergency: 7 days from acceptance, 10 days ago — long past for "overdue".
    const passed = new Date(acceptedAt.getTime() + 7 * DAY);
    const ahead = new Date(Date.now() + 2 * DAY);
    for (const change of [
      followUp(ids.overdue, 1, true, 0, undefined, S.REFERRAL_STATUS_RECEIVED),
      followUp(
        ids.overdue,
        2,
        true,
        FollowUpStage.FOLLOW_UP_STAGE_PENDING,
        passed,
        S.REFERRAL_STATUS_ACCEPTED,
      ),
      followUp(
        ids.overdue,
        3,
        true,
        FollowUpStage.FOLLOW_UP_STAGE_REMINDED,
        passed,
        S.REFERRAL_STATUS_ACCEPTED,
      ),
      followUp(
        ids.overdue,
        4,
        true,
        FollowUpStage.FOLLOW_UP_STAGE_OVERDUE,
        passed,
        S.REFERRAL_STATUS_ACCEPTED,
      ),
      followUp(
        ids.pending,
        1,
        false,
        FollowUpStage.FOLLOW_UP_STAGE_PENDING,
        ahead,
        S.REFERRAL_STATUS_ACCEPTED,
      ),
      followUp(ids.done, 1, true, FollowUpStage.FOLLOW_UP_STAGE_PENDING, passed, S.REFERRAL_STATUS_ACCEPTED),
      followUp(ids.done, 2, true, FollowUpStage.FOLLOW_UP_STAGE_DONE, passed, S.REFERRAL_STATUS_COMPLETED),
    ])
      await partner.publishFollowUp(change);
    await waitFor(
      async () => {
        const timeline = await h.call(
          h.client.getReferralTimeline,
          { referralId: ids.done, includeChain: false },
          coordinator(),
        );
        const overdue = await h.call(
          h.client.getReferralTimeline,
          { referralId: ids.overdue, includeChain: false },
          coordinator(),
        );
        return (
          timeline.referrals[0]?.followUpStage === FollowUpStage.FOLLOW_UP_STAGE_DONE &&
          timeline.referrals[0]?.status === S.REFERRAL_STATUS_COMPLETED &&
          overdue.referrals[0]?.followUpStage === FollowUpStage.FOLLOW_UP_STAGE_OVERDUE
        );
      },
      { timeoutMs: 20_000, message: "coordination never applied the follow-up events" },
    );
  }, 60_000);

  afterAll(async () => {
    await partner?.stop();
    await h?.stop();
  });

  const overdueList = () =>
    h.call(
      h.client.listOverdueReferrals,
      {
        targetOrganisationIds: [MMCC],
        referrerOrganisationIds: [],
        serviceTypes: [],
        priorities: [],
        provinceCodes: [],
        includeExpired: false,
        followUp: true,
      },
      coordinator(),
    );

  function figures() {
    const filter: FigureFilter = {
      requested: undefined,
      targetOrganisationIds: [MMCC],
      referrerOrganisationIds: [],
      serviceTypes: [],
      provinceCodes: [],
      priorities: [],
      sexes: [],
      ageBands: [],
      disabilityStatuses: [],
      nationalities: [],
    };
    return h.call(h.client.getReferralFigures, { filter, groupBy: [] }, coordinator());
  }

  it("lists accepted referrals still open past their follow-up deadline, and says only that they are assigned", async () => {
    const { referrals } = await overdueList();
    expect(referrals.map((r) => r.referral?.referralId)).toEqual([ids.overdue]);
    const entry = referrals[0];
    expect(entry?.referral).toMatchObject({
      assigned: true,
      followUpStage: FollowUpStage.FOLLOW_UP_STAGE_OVERDUE,
    });
    // Seconds past the follow-up deadline (not the answer deadline): about three days.
    expect(entry?.overdueSeconds).toBeGreaterThan(2.9 * 86_400);
    expect(entry?.overdueSeconds).toBeLessThan(3.1 * 86_400);
  });

  it("counts open assigned and follow-up-overdue referrals in the figures", async () => {
    const { total } = await figures();
    // The completed referral was assigned too, but is no longer open.
    expect(total).toMatchObject({ requested: 3, open: 2, assigned: 1, followUpOverdue: 1 });
  });

  it("lists a referral by coordination's own clock once its deadline passed, before any escalation", async () => {
    await h.setClockOffset(3 * DAY);
    await waitFor(async () => (await overdueList()).referrals.length === 2, {
      message: "the pending referral never became overdue by the clock",
    });
    const { total } = await figures();
    expect(total?.followUpOverdue).toBe(2);
    await h.setClockOffset(0);
  });
});
