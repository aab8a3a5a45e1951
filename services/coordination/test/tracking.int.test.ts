import { status } from "@grpc/grpc-js";
import { AgeBand, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";
import {
  DeclineReason,
  OnHoldReason,
  OutcomeCode,
  Priority,
  RedirectReason,
  ReferralOrigin,
  ReferralStatus as S,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  FigureDimension,
  type FigureFilter,
  type FigureRow,
  ReRouteReason,
} from "@kopru/contracts/coordination/v1/tracking";
import { EVENTS, STREAMS } from "@kopru/events";
import { waitFor } from "@kopru/testing";
import { v7 as uuidv7 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DAY,
  decodeStored,
  type Engine,
  failure,
  type Harness,
  HOUR,
  invalidFields,
  type Publisher,
  startCoordination,
  startPublisher,
  statusEvents,
} from "./harness.js";

// A small network of synthetic referrals, fed to coordination as partner services publish them:
// status events through a partner's outbox and relay onto the shared KOPRU_REFERRAL stream. The
// organisation ids are unique to this run, and every query filters by them. The whole suite runs
// on PostgreSQL and on the embedded PGlite default: the read model's SQL (percentile_cont,
// FILTER, arrays) must give the same answers on both.

describe.each<Engine>(["postgres", "pglite"])("coordination tracking on %s", (engine) => {
  let h: Harness;
  let partner: Publisher;
  let s: string;
  let coordinator: { organisationId: string; actorId: string; roles: string[] };

  const T0 = new Date(Date.now() - 10 * DAY);
  const at = (ms: number) => new Date(T0.getTime() + ms);
  const ids = {
    a1: uuidv7(),
    a2: uuidv7(),
    a3: uuidv7(),
    b1: uuidv7(),
    c1: uuidv7(),
    c2: uuidv7(),
  };
  let REFERRER: string;
  let MMCC: string;
  let CC: string;
  let ECM: string;

  beforeAll(async () => {
    // Groups of one referral are withheld; groups of two and more are published.
    h = await startCoordination({ FIGURES_MIN_CELL_SIZE: "2" }, engine);
    s = h.suffix;
    coordinator = { organisationId: `iom-${s}`, actorId: "coordinator-1", roles: ["coordinator"] };
    REFERRER = `ngo-${s}`;
    MMCC = `mmcc-${s}`;
    CC = `cc-${s}`;
    ECM = `ecm-${s}`;
    partner = await startPublisher(h.nats);

    const female = { sex: Sex.SEX_FEMALE, ageBand: AgeBand.AGE_BAND_25_49, nationality: "SY" };
    const male = { sex: Sex.SEX_MALE, ageBand: AgeBand.AGE_BAND_18_24, nationality: "AF" };
    await partner.publish([
      // MMCC: three referrals — one completed, one accepted, one expired unanswered.
      ...statusEvents(
        { referralId: ids.a1, referrer: REFERRER, target: MMCC, requestedAt: at(0), disaggregation: female },
        [
          { to: S.REFERRAL_STATUS_RECEIVED, afterMs: 1 * HOUR },
          { to: S.REFERRAL_STATUS_ACCEPTED, afterMs: 2 * HOUR },
          { to: S.REFERRAL_STATUS_IN_PROGRESS, afterMs: 3 * HOUR },
          {
            to: S.REFERRAL_STATUS_COMPLETED,
            afterMs: 26 * HOUR,
            outcomeCodes: [OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD],
          },
        ],
      ),
      ...statusEvents(
        {
          referralId: ids.a2,
          referrer: REFERRER,
          target: MMCC,
          requestedAt: at(DAY),
          disaggregation: female,
        },
        [
          { to: S.REFERRAL_STATUS_RECEIVED, afterMs: HOUR / 2 },
          { to: S.REFERRAL_STATUS_ACCEPTED, afterMs: 4 * HOUR },
        ],
      ),
      ...statusEvents(
        {
          referralId: ids.a3,
          referrer: REFERRER,
          target: MMCC,
          priority: Priority.PRIORITY_EMERGENCY,
          requestedAt: at(2 * DAY),
          respondBy: at(3 * DAY),
          disaggregation: male,
        },
        [{ to: S.REFERRAL_STATUS_EXPIRED, afterMs: DAY }],
      ),
      // Community centre: one referral, waitlisted.
      ...statusEvents(
        {
          referralId: ids.b1,
          referrer: REFERRER,
          target: CC,
          requestedAt: at(3 * DAY),
          disaggregation: female,
        },
        [
          { to: S.REFERRAL_STATUS_RECEIVED, afterMs: HOUR },
          {
            to: S.REFERRAL_STATUS_ON_HOLD,
            afterMs: 2 * HOUR,
            onHoldReason: OnHoldReason.ON_HOLD_REASON_CAPACITY_FULL,
          },
        ],
      ),
      // ECM: one declined, one never answered and past its deadline.
      ...statusEvents(
        {
          referralId: ids.c1,
          referrer: REFERRER,
          target: ECM,
          serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
          requestedAt: at(4 * DAY),
          disaggregation: male,
        },
        [
          { to: S.REFERRAL_STATUS_RECEIVED, afterMs: HOUR },
          {
            to: S.REFERRAL_STATUS_DECLINED,
            afterMs: 5 * HOUR,
            declineReason: DeclineReason.DECLINE_REASON_NO_CAPACITY,
          },
        ],
      ),
      ...statusEvents(
        {
          referralId: ids.c2,
          referrer: REFERRER,
          target: ECM,
          serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
          priority: Priority.PRIORITY_EMERGENCY,
          requestedAt: at(5 * DAY),
          respondBy: at(6 * DAY),
          disaggregation: male,
        },
        [],
      ),
    ]);
    // Every transition applied: a1 5, a2 3, a3 2, b1 3, c1 3, c2 1.
    const expected: [string, number][] = [
      [ids.a1, 5],
      [ids.a2, 3],
      [ids.a3, 2],
      [ids.b1, 3],
      [ids.c1, 3],
      [ids.c2, 1],
    ];
    for (const [referralId, transitions] of expected) {
      await waitForTimeline(referralId, (_, applied) => applied === transitions);
    }
  });

  afterAll(async () => {
    await partner?.stop();
    await h?.stop();
  });

  function filter(partial: Partial<FigureFilter>): FigureFilter {
    return {
      requested: undefined,
      targetOrganisationIds: [],
      referrerOrganisationIds: [],
      serviceTypes: [],
      provinceCodes: [],
      priorities: [],
      sexes: [],
      ageBands: [],
      disabilityStatuses: [],
      nationalities: [],
      ...partial,
    };
  }

  function figures(partial: Partial<FigureFilter>, groupBy: FigureDimension[] = [], caller = coordinator) {
    return h.call(h.client.getReferralFigures, { filter: filter(partial), groupBy }, caller);
  }

  async function waitForTimeline(
    referralId: string,
    check: (referrals: number, transitions: number) => boolean,
  ) {
    return waitFor(
      async () => {
        const timeline = await h.call(
          h.client.getReferralTimeline,
          { referralId, includeChain: true },
          coordinator,
        );
        return check(timeline.referrals.length, timeline.transitions.length) ? timeline : undefined;
      },
      { timeoutMs: 20_000, message: `the timeline of ${referralId}` },
    );
  }

  describe("figures", () => {
    it("counts the funnel over the whole network: each referral once, by the furthest status reached", async () => {
      const { total, minCellSize, asOf } = await figures({ referrerOrganisationIds: [REFERRER] });
      expect(h.service.context.db.kind).toBe(engine);
      expect(minCellSize).toBe(2);
      expect(asOf).toBeInstanceOf(Date);
      expect(total).toMatchObject({
        suppressed: false,
        requested: 6,
        acknowledged: 4, // a1, a2, b1, c1
        accepted: 2, // a1 (now completed), a2
        declined: 1,
        onHold: 1,
        completed: 1,
        notCompleted: 0,
        cancelled: 0,
        redirected: 0,
        expired: 1,
        open: 3, // a2, b1, c2
        overdue: 1, // c2
      });
      expect(total?.acknowledgedRate).toBeCloseTo(4 / 6);
      expect(total?.acceptanceRate).toBeCloseTo(2 / 3);
      expect(total?.completionRate).toBe(1);
      expect(total?.expiryRate).toBeCloseTo(1 / 6);
    });

    it("gives a target's acceptance, expiry and time-to-accept percentiles (3 referrals, 2 accepted, 1 expired)", async () => {
      const { rows } = await figures({ referrerOrganisationIds: [REFERRER] }, [
        FigureDimension.FIGURE_DIMENSION_TARGET_ORGANISATION,
      ]);
      const mmcc = rows.find((r) => r.key?.targetOrganisationId === MMCC) as FigureRow;
      expect(mmcc).toMatchObject({
        suppressed: false,
        requested: 3,
        acknowledged: 2,
        accepted: 2,
        expired: 1,
      });
      expect(mmcc.acceptanceRate).toBe(1);
      expect(mmcc.expiryRate).toBeCloseTo(1 / 3);
      // Accepted after 2 h and 4 h: median 3 h, p90 = 2 h + 0.9 × 2 h, p95 = 2 h + 0.95 × 2 h.
      expect(mmcc.timeToAccept).toEqual({
        sampleCount: 2,
        p50Seconds: 10_800,
        p90Seconds: 13_680,
        p95Seconds: 14_040,
      });
      expect(mmcc.timeToComplete).toEqual({
        sampleCount: 1,
        p50Seconds: 93_600,
        p90Seconds: 93_600,
        p95Seconds: 93_600,
      });
      // Only the grouped dimension is set in the key.
      expect(mmcc.key).toEqual({
        targetOrganisationId: MMCC,
        referrerOrganisationId: undefined,
        serviceType: 0,
        provinceCode: undefined,
        priority: 0,
        sex: 0,
        ageBand: 0,
        disabilityStatus: 0,
        nationality: undefined,
      });
    });

    it("withholds a group of one referral, and the next smallest so the total cannot give it away", async () => {
      const { rows, total } = await figures({ referrerOrganisationIds: [REFERRER] }, [
        FigureDimension.FIGURE_DIMENSION_TARGET_ORGANISATION,
      ]);
      const byTarget = Object.fromEntries(rows.map((r) => [r.key?.targetOrganisationId, r]));
      expect(byTarget[CC]).toMatchObject({ suppressed: true, requested: 0, onHold: 0 });
      expect(byTarget[CC]?.timeToAccept).toEqual({ sampleCount: 0 });
      expect(byTarget[ECM]).toMatchObject({ suppressed: true, requested: 0 });
      expect(byTarget[MMCC]?.suppressed).toBe(false);
      expect(total?.requested).toBe(6);
    });

    it("groups by several dimensions and filters by date range, sex and nationality", async () => {
      const bySexAndNationality = await figures({ referrerOrganisationIds: [REFERRER] }, [
        FigureDimension.FIGURE_DIMENSION_SEX,
        FigureDimension.FIGURE_DIMENSION_NATIONALITY,
      ]);
      expect(
        bySexAndNationality.rows.map((r) => [r.key?.sex, r.key?.nationality, r.requested, r.suppressed]),
      ).toEqual([
        [Sex.SEX_FEMALE, "SY", 3, false],
        [Sex.SEX_MALE, "AF", 3, false],
      ]);

      const window = await figures({
        referrerOrganisationIds: [REFERRER],
        requested: { start: at(DAY), end: at(2 * DAY + 1) },
      });
      expect(window.total).toMatchObject({ requested: 2, accepted: 1, expired: 1 });

      const men = await figures({
        referrerOrganisationIds: [REFERRER],
        sexes: [Sex.SEX_MALE],
        nationalities: ["AF"],
      });
      expect(men.total).toMatchObject({ requested: 3, declined: 1, expired: 1, overdue: 1 });

      const cash = await figures({
        referrerOrganisationIds: [REFERRER],
        serviceTypes: [ServiceType.SERVICE_TYPE_ECM_CASH],
        priorities: [Priority.PRIORITY_EMERGENCY],
      });
      // One referral: withheld.
      expect(cash.total).toMatchObject({ suppressed: true, requested: 0 });
    });

    it("counts only its own referrals for a caller who is not a coordinator", async () => {
      const mine = await figures({}, [], {
        organisationId: MMCC,
        actorId: "supervisor-1",
        roles: ["supervisor"],
      });
      expect(mine.total?.requested).toBe(3);
      // Directory maintenance is not network-wide tracking: a network admin counts its own only.
      const admin = await figures({}, [], {
        organisationId: MMCC,
        actorId: "admin-1",
        roles: ["network-admin"],
      });
      expect(admin.total?.requested).toBe(3);
    });

    it("names the bad fields of a figures request", async () => {
      const err = await failure(
        h.call(
          h.client.getReferralFigures,
          {
            filter: filter({
              nationalities: ["syria"],
              referrerOrganisationIds: ["Not An Org"],
              requested: { start: at(DAY), end: at(0) },
            }),
            groupBy: [FigureDimension.FIGURE_DIMENSION_SEX, FigureDimension.FIGURE_DIMENSION_SEX, 0],
          },
          coordinator,
        ),
      );
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(invalidFields(err)).toEqual([
        "filter.requested.end",
        "filter.referrer_organisation_ids[0]",
        "filter.nationalities[0]",
        "group_by[2]",
        "group_by[1]",
      ]);
      const anonymous = await failure(h.call(h.client.getReferralFigures, { groupBy: [] }));
      expect(anonymous.code).toBe(status.PERMISSION_DENIED);
    });
  });

  describe("timelines", () => {
    it("returns a referral with every transition in time order", async () => {
      const { referrals, transitions } = await h.call(
        h.client.getReferralTimeline,
        { referralId: ids.a1, includeChain: false },
        coordinator,
      );
      expect(referrals).toHaveLength(1);
      expect(referrals[0]).toMatchObject({
        referralId: ids.a1,
        rootReferralId: ids.a1,
        parentReferralId: "",
        origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
        referrerOrganisationId: REFERRER,
        targetOrganisationId: MMCC,
        status: S.REFERRAL_STATUS_COMPLETED,
        sequence: 5,
        outcomeCodes: [OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD],
        requestedAt: at(0),
        receivedAt: at(HOUR),
        respondedAt: at(2 * HOUR),
        acceptedAt: at(2 * HOUR),
        closedAt: at(26 * HOUR),
        disaggregation: {
          sex: Sex.SEX_FEMALE,
          ageBand: AgeBand.AGE_BAND_25_49,
          nationality: "SY",
          provinceCode: "TUR027",
        },
      });
      expect(transitions.map((t) => [t.sequence, t.fromStatus, t.toStatus])).toEqual([
        [1, S.REFERRAL_STATUS_UNSPECIFIED, S.REFERRAL_STATUS_REQUESTED],
        [2, S.REFERRAL_STATUS_REQUESTED, S.REFERRAL_STATUS_RECEIVED],
        [3, S.REFERRAL_STATUS_RECEIVED, S.REFERRAL_STATUS_ACCEPTED],
        [4, S.REFERRAL_STATUS_ACCEPTED, S.REFERRAL_STATUS_IN_PROGRESS],
        [5, S.REFERRAL_STATUS_IN_PROGRESS, S.REFERRAL_STATUS_COMPLETED],
      ]);
    });

    it("answers NOT_FOUND to an organisation that neither sent nor received the referral", async () => {
      const outsider = await failure(
        h.call(
          h.client.getReferralTimeline,
          { referralId: ids.a1, includeChain: true },
          {
            organisationId: ECM,
          },
        ),
      );
      expect(outsider.code).toBe(status.NOT_FOUND);
      const target = await h.call(
        h.client.getReferralTimeline,
        { referralId: ids.a1, includeChain: true },
        { organisationId: MMCC },
      );
      expect(target.referrals).toHaveLength(1);
      const unknown = await failure(
        h.call(h.client.getReferralTimeline, { referralId: uuidv7(), includeChain: false }, coordinator),
      );
      expect(unknown.code).toBe(status.NOT_FOUND);
      const bad = await failure(
        h.call(h.client.getReferralTimeline, { referralId: "a1", includeChain: false }, coordinator),
      );
      expect(invalidFields(bad)).toEqual(["referral_id"]);
    });
  });

  describe("overdue referrals", () => {
    it("lists referrals past their answer deadline, most overdue first, and expired ones on request", async () => {
      const overdue = await h.call(
        h.client.listOverdueReferrals,
        {
          targetOrganisationIds: [],
          referrerOrganisationIds: [REFERRER],
          serviceTypes: [],
          priorities: [],
          provinceCodes: [],
          includeExpired: false,
        },
        coordinator,
      );
      expect(overdue.referrals.map((r) => r.referral?.referralId)).toEqual([ids.c2]);
      const c2 = overdue.referrals[0];
      expect(c2?.overdueSeconds).toBeGreaterThanOrEqual(4 * 86_400 - 60);
      expect(c2?.rerouteRequested).toBe(false);

      const withExpired = await h.call(
        h.client.listOverdueReferrals,
        {
          targetOrganisationIds: [],
          referrerOrganisationIds: [REFERRER],
          serviceTypes: [],
          priorities: [Priority.PRIORITY_EMERGENCY],
          provinceCodes: ["TUR027"],
          includeExpired: true,
        },
        coordinator,
      );
      expect(withExpired.referrals.map((r) => r.referral?.referralId)).toEqual([ids.a3, ids.c2]);
    });

    it("follows the service clock: a referral becomes overdue when its deadline passes", async () => {
      const late = `late-${s}`;
      const d1 = uuidv7();
      await partner.publish(
        statusEvents(
          {
            referralId: d1,
            referrer: `ngo3-${s}`,
            target: late,
            priority: Priority.PRIORITY_EMERGENCY,
            requestedAt: new Date(Date.now() - HOUR),
            respondBy: new Date(Date.now() + 23 * HOUR),
          },
          [{ to: S.REFERRAL_STATUS_RECEIVED, afterMs: 1_000 }],
        ),
      );
      await waitForTimeline(d1, (_, transitions) => transitions === 2);
      const list = () =>
        h.call(
          h.client.listOverdueReferrals,
          {
            targetOrganisationIds: [late],
            referrerOrganisationIds: [],
            serviceTypes: [],
            priorities: [],
            provinceCodes: [],
            includeExpired: false,
          },
          coordinator,
        );
      expect((await list()).referrals).toEqual([]);
      await h.setClockOffset(24 * HOUR);
      try {
        const after = await list();
        expect(after.referrals.map((r) => r.referral?.referralId)).toEqual([d1]);
        expect(after.referrals[0]?.overdueSeconds).toBeGreaterThanOrEqual(HOUR / 1000 - 60);
        expect(after.referrals[0]?.overdueSeconds).toBeLessThanOrEqual(HOUR / 1000 + 60);
      } finally {
        await h.setClockOffset(0);
      }
    });
  });

  describe("re-route", () => {
    let requestedAt: Date | undefined;

    it("publishes ReferralReRouteRequested to the referrer, excluding every target tried", async () => {
      const response = await h.call(
        h.client.requestReRoute,
        {
          referralId: ids.a3,
          reason: ReRouteReason.RE_ROUTE_REASON_EXPIRED,
          excludedOrganisationIds: [`other-${s}`],
        },
        coordinator,
      );
      requestedAt = response.requestedAt;
      expect(requestedAt).toBeInstanceOf(Date);

      const subject = `kopru.v1.coordination.reroute.${REFERRER}`;
      const stored = await waitFor(
        () =>
          h.nats.jsm.streams
            .getMessage(STREAMS.coordination.name, { last_by_subj: subject })
            .catch(() => null),
        { message: `a message on ${subject}` },
      );
      const event = decodeStored(EVENTS.referralReRouteRequested, stored);
      expect(event.correlationId).toBe(ids.a3);
      expect(event.producer).toEqual({ organisationId: coordinator.organisationId, service: "coordination" });
      expect(event.payload).toEqual({
        referralId: ids.a3,
        rootReferralId: ids.a3,
        referrerOrganisationId: REFERRER,
        targetOrganisationId: MMCC,
        serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
        priority: Priority.PRIORITY_EMERGENCY,
        reason: ReRouteReason.RE_ROUTE_REASON_EXPIRED,
        excludedOrganisationIds: [MMCC, `other-${s}`].sort(),
        suggestedServiceOfferingId: undefined,
        requestedBy: {
          kind: ActorKind.ACTOR_KIND_STAFF,
          organisationId: coordinator.organisationId,
          actorId: "",
          role: StaffRole.STAFF_ROLE_COORDINATOR,
        },
        requestedAt,
      });

      // Asking again changes nothing and publishes nothing.
      const again = await h.call(
        h.client.requestReRoute,
        { referralId: ids.a3, reason: ReRouteReason.RE_ROUTE_REASON_EXPIRED, excludedOrganisationIds: [] },
        coordinator,
      );
      expect(again.requestedAt).toEqual(requestedAt);
      // Everything committed is published; a second request would be on the stream by now.
      await waitFor(async () => (await h.service.context.relay.pendingCount()) === 0, {
        message: "coordination's outbox to be published",
      });
      const last = await h.nats.jsm.streams.getMessage(STREAMS.coordination.name, { last_by_subj: subject });
      expect(last?.seq).toBe(stored.seq);

      const listed = await h.call(
        h.client.listOverdueReferrals,
        {
          targetOrganisationIds: [MMCC],
          referrerOrganisationIds: [],
          serviceTypes: [],
          priorities: [],
          provinceCodes: [],
          includeExpired: true,
        },
        coordinator,
      );
      expect(listed.referrals.map((r) => [r.referral?.referralId, r.rerouteRequested])).toEqual([
        [ids.a3, true],
      ]);
    });

    it("refuses what cannot be re-routed, and callers who are not coordinators", async () => {
      const accepted = await failure(
        h.call(
          h.client.requestReRoute,
          { referralId: ids.a2, reason: ReRouteReason.RE_ROUTE_REASON_EXPIRED, excludedOrganisationIds: [] },
          coordinator,
        ),
      );
      expect(accepted.code).toBe(status.FAILED_PRECONDITION);
      const declined = await h.call(
        h.client.requestReRoute,
        { referralId: ids.c1, reason: ReRouteReason.RE_ROUTE_REASON_DECLINED, excludedOrganisationIds: [] },
        coordinator,
      );
      expect(declined.requestedAt).toBeInstanceOf(Date);
      const unknown = await failure(
        h.call(
          h.client.requestReRoute,
          {
            referralId: uuidv7(),
            reason: ReRouteReason.RE_ROUTE_REASON_EXPIRED,
            excludedOrganisationIds: [],
          },
          coordinator,
        ),
      );
      expect(unknown.code).toBe(status.NOT_FOUND);
      const partnerStaff = await failure(
        h.call(
          h.client.requestReRoute,
          { referralId: ids.c2, reason: ReRouteReason.RE_ROUTE_REASON_EXPIRED, excludedOrganisationIds: [] },
          { organisationId: REFERRER, actorId: "caseworker-1", roles: ["caseworker"] },
        ),
      );
      expect(partnerStaff.code).toBe(status.PERMISSION_DENIED);
      const bad = await failure(
        h.call(
          h.client.requestReRoute,
          {
            referralId: "x",
            reason: 0,
            suggestedServiceOfferingId: "Not An Id",
            excludedOrganisationIds: ["ok-org", "Bad Org"],
          },
          coordinator,
        ),
      );
      expect(invalidFields(bad)).toEqual([
        "referral_id",
        "reason",
        "suggested_service_offering_id",
        "excluded_organisation_ids[1]",
      ]);
    });

    it("follows the chain once the referrer re-routes: children, redirects, and the expired one leaves the list", async () => {
      const rerouted = uuidv7();
      const redirected = uuidv7();
      await partner.publish([
        ...statusEvents(
          {
            referralId: rerouted,
            rootReferralId: ids.a3,
            parentReferralId: ids.a3,
            origin: ReferralOrigin.REFERRAL_ORIGIN_REROUTE,
            referrer: REFERRER,
            target: CC,
            requestedAt: at(4 * DAY),
          },
          [
            { to: S.REFERRAL_STATUS_RECEIVED, afterMs: HOUR },
            {
              to: S.REFERRAL_STATUS_REDIRECTED,
              afterMs: 2 * HOUR,
              childReferralId: redirected,
              redirectReason: RedirectReason.REDIRECT_REASON_BETTER_PLACED_PARTNER,
            },
          ],
        ),
        ...statusEvents(
          {
            referralId: redirected,
            rootReferralId: ids.a3,
            parentReferralId: rerouted,
            origin: ReferralOrigin.REFERRAL_ORIGIN_REDIRECT,
            referrer: CC,
            target: ECM,
            requestedAt: at(4 * DAY + 2 * HOUR),
          },
          [],
        ),
      ]);
      const timeline = await waitForTimeline(
        ids.a3,
        (referrals, transitions) => referrals === 3 && transitions === 6,
      );
      expect(
        timeline.referrals.map((r) => [r.referralId, r.parentReferralId, r.childReferralIds, r.status]),
      ).toEqual([
        [ids.a3, "", [rerouted], S.REFERRAL_STATUS_EXPIRED],
        [rerouted, ids.a3, [redirected], S.REFERRAL_STATUS_REDIRECTED],
        [redirected, rerouted, [], S.REFERRAL_STATUS_REQUESTED],
      ]);
      expect(timeline.referrals[1]?.redirectReason).toBe(
        RedirectReason.REDIRECT_REASON_BETTER_PLACED_PARTNER,
      );
      expect(timeline.transitions.map((t) => [t.referralId, t.toStatus])).toEqual([
        [ids.a3, S.REFERRAL_STATUS_REQUESTED],
        [ids.a3, S.REFERRAL_STATUS_EXPIRED],
        [rerouted, S.REFERRAL_STATUS_REQUESTED],
        [rerouted, S.REFERRAL_STATUS_RECEIVED],
        [rerouted, S.REFERRAL_STATUS_REDIRECTED],
        [redirected, S.REFERRAL_STATUS_REQUESTED],
      ]);

      // Re-routed now: no longer in the expired list, and not re-routable again.
      const listed = await h.call(
        h.client.listOverdueReferrals,
        {
          targetOrganisationIds: [MMCC],
          referrerOrganisationIds: [],
          serviceTypes: [],
          priorities: [],
          provinceCodes: [],
          includeExpired: true,
        },
        coordinator,
      );
      expect(listed.referrals).toEqual([]);
    });
  });

  describe("personal data", () => {
    it("has no column that could hold a name, contact, document or free text in coordination's tables", async () => {
      const columns = await h.service.context.db.query<{ table_name: string; column_name: string }>(
        `SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'public'
            AND table_name IN ('organisations', 'service_offerings', 'tracked_referrals', 'tracked_events', 'tracked_outcomes')`,
      );
      expect(columns.rows.length).toBeGreaterThan(50);
      const suspicious = columns.rows.filter((c) =>
        /name|phone|mail|address|birth|document|beneficiary|consent|note|comment|text|actor|contact/.test(
          c.column_name,
        ),
      );
      expect(suspicious).toEqual([]);
    });

    it("stores only ids, codes and bands for each tracked referral", async () => {
      const rows = await h.service.context.db.query<Record<string, unknown>>(
        "SELECT * FROM tracked_referrals WHERE referrer_organisation_id = $1",
        [REFERRER],
      );
      expect(rows.rows.length).toBeGreaterThanOrEqual(6);
      const code = /^([0-9a-f-]{36}|[a-z0-9][a-z0-9-]*|[A-Z]{2}|TUR[0-9]+|)$/;
      for (const row of rows.rows) {
        for (const [column, value] of Object.entries(row)) {
          if (typeof value === "string") expect(value, column).toMatch(code);
          else if (Array.isArray(value))
            expect(
              value.every((v) => typeof v === "number"),
              column,
            ).toBe(true);
          else if (value !== null && !(value instanceof Date)) expect(typeof value, column).toBe("number");
        }
      }
    });
  });
});
