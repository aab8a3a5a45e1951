import {
  NotCompletedReason,
  OutcomeCode as O,
  ReferralStatus as S,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { FigureDimension, type FigureFilter } from "@kopru/contracts/coordination/v1/tracking";
import type { ReferralOutcomeReported } from "@kopru/contracts/referral/v1/events";
import { waitFor } from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DAY,
  type Engine,
  type Harness,
  HOUR,
  type Publisher,
  type Step,
  startCoordination,
  startPublisher,
  statusEvents,
} from "./harness.js";

// Outcomes after closure: the targets' outcome reports (ReferralOutcomeReported) reach coordination,
// whose figures count what people received — by the latest report, never an older one.

describe.each<Engine>(["postgres", "pglite"])("coordination outcome figures on %s", (engine) => {
  let h: Harness;
  let partner: Publisher;
  let REFERRER: string;
  let MMCC: string;
  let CC: string;
  const coordinator = () => ({ organisationId: `iom-${h.suffix}`, actorId: "c-1", roles: ["coordinator"] });
  const T0 = new Date(Date.now() - 10 * DAY);
  const ids = { partial: uuidv7(), full: uuidv7(), none: uuidv7(), noReport: uuidv7(), course: uuidv7() };

  const completed = (outcomeCodes: O[]): Step[] => [
    { to: S.REFERRAL_STATUS_RECEIVED, afterMs: HOUR },
    { to: S.REFERRAL_STATUS_ACCEPTED, afterMs: 2 * HOUR },
    { to: S.REFERRAL_STATUS_IN_PROGRESS, afterMs: 3 * HOUR },
    { to: S.REFERRAL_STATUS_COMPLETED, afterMs: DAY, outcomeCodes },
  ];
  const notCompleted = (reason: NotCompletedReason): Step[] => [
    { to: S.REFERRAL_STATUS_RECEIVED, afterMs: HOUR },
    { to: S.REFERRAL_STATUS_ACCEPTED, afterMs: 2 * HOUR },
    {
      to: S.REFERRAL_STATUS_NOT_COMPLETED,
      afterMs: DAY,
      notCompletedReason: reason,
      outcomeCodes: [O.OUTCOME_CODE_NO_SERVICE_PROVIDED],
    },
  ];
  const report = (referralId: string, target: string, outcomeCodes: O[]): ReferralOutcomeReported => ({
    referralId,
    rootReferralId: referralId,
    referrerOrganisationId: REFERRER,
    targetOrganisationId: target,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    outcomeCodes,
    completedAt: new Date(T0.getTime() + DAY),
    sequence: 5,
  });

  beforeAll(async () => {
    h = await startCoordination({ FIGURES_MIN_CELL_SIZE: "2" }, engine);
    REFERRER = `ngo-o-${h.suffix}`;
    MMCC = `mmcc-o-${h.suffix}`;
    CC = `cc-o-${h.suffix}`;
    partner = await startPublisher(h.nats);
    const spec = (referralId: string, target: string) => ({
      referralId,
      referrer: REFERRER,
      target,
      requestedAt: T0,
    });
    await partner.publish([
      ...statusEvents(spec(ids.partial, MMCC), completed([O.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD])),
      ...statusEvents(spec(ids.full, MMCC), completed([O.OUTCOME_CODE_SERVICE_PROVIDED_FULL])),
      ...statusEvents(
        spec(ids.none, MMCC),
        notCompleted(NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_UNREACHABLE),
      ),
      ...statusEvents(
        spec(ids.noReport, MMCC),
        notCompleted(NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_UNREACHABLE),
      ),
      ...statusEvents(spec(ids.course, CC), completed([O.OUTCOME_CODE_ENROLLED_IN_COURSE])),
    ]);
    // The targets' reports: 1 with the closure, later ones replacing it.
    await partner.publishOutcome(report(ids.partial, MMCC, [O.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD]), 1);
    await partner.publishOutcome(report(ids.partial, MMCC, [O.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL]), 2);
    await partner.publishOutcome(report(ids.full, MMCC, [O.OUTCOME_CODE_SERVICE_PROVIDED_FULL]), 1);
    await partner.publishOutcome(report(ids.none, MMCC, [O.OUTCOME_CODE_NO_SERVICE_PROVIDED]), 1);
    await partner.publishOutcome(report(ids.course, CC, [O.OUTCOME_CODE_ENROLLED_IN_COURSE]), 1);
    await partner.publishOutcome(
      report(ids.course, CC, [O.OUTCOME_CODE_ENROLLED_IN_COURSE, O.OUTCOME_CODE_COURSE_COMPLETED]),
      2,
    );
    await waitFor(
      async () => {
        const timeline = await h.call(
          h.client.getReferralTimeline,
          { referralId: ids.course, includeChain: false },
          coordinator(),
        );
        return timeline.referrals[0]?.outcomeCodes.length === 2;
      },
      { timeoutMs: 20_000, message: "coordination never applied the course's second report" },
    );
    await waitFor(
      async () => {
        const { total } = await figures({});
        return total?.completed === 3 && total.notCompleted === 2 && total.outcomePartlyReceived === 1;
      },
      { timeoutMs: 20_000, message: "coordination never counted every outcome" },
    );
  });

  afterAll(async () => {
    await partner?.stop();
    await h?.stop();
  });

  function figures(partial: Partial<FigureFilter>, groupBy: FigureDimension[] = []) {
    const filter: FigureFilter = {
      requested: undefined,
      targetOrganisationIds: [],
      referrerOrganisationIds: [REFERRER],
      serviceTypes: [],
      provinceCodes: [],
      priorities: [],
      sexes: [],
      ageBands: [],
      disabilityStatuses: [],
      nationalities: [],
      ...partial,
    };
    return h.call(h.client.getReferralFigures, { filter, groupBy }, coordinator());
  }

  it("counts received, partly received and not received (and why) by the latest outcome report", async () => {
    const { total } = await figures({});
    expect(total).toMatchObject({
      requested: 5,
      completed: 3,
      notCompleted: 2,
      outcomeReceived: 2, // full; the course (enrolled, then completed)
      outcomePartlyReceived: 1, // counselling, then reported partial
      outcomeNotReceived: 2, // one reported, one known from its closing transition only
      notReceivedReasons: [
        { reason: NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_UNREACHABLE, count: 2 },
      ],
    });
  });

  it("shows a referral's latest outcome codes in its timeline", async () => {
    const timeline = await h.call(
      h.client.getReferralTimeline,
      { referralId: ids.partial, includeChain: false },
      coordinator(),
    );
    expect(timeline.referrals[0]?.outcomeCodes).toEqual([O.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL]);
  });

  it("withholds the outcome counts of a group too small to publish", async () => {
    const { rows } = await figures({}, [FigureDimension.FIGURE_DIMENSION_TARGET_ORGANISATION]);
    const cc = rows.find((r) => r.key?.targetOrganisationId === CC);
    const mmcc = rows.find((r) => r.key?.targetOrganisationId === MMCC);
    expect(cc).toMatchObject({
      suppressed: true,
      outcomeReceived: 0,
      outcomePartlyReceived: 0,
      outcomeNotReceived: 0,
      notReceivedReasons: [],
    });
    // With one group withheld, the other is withheld too (complementary suppression).
    expect(mmcc?.suppressed).toBe(true);
  });
});
