// Synthetic referral lifecycles for the figures rollup: the integration test's varied events and
// the benchmark's million. Deterministic for a seed. Only what ReferralStatusChanged,
// ReferralOutcomeReported and ReferralFollowUpChanged carry: ids, codes, times, bands.
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  NotCompletedReason,
  OutcomeCode as O,
  Priority,
  ReferralOrigin,
  ReferralStatus as S,
} from "@kopru/contracts/common/v1/vocabulary";
import type {
  ReferralFollowUpChanged,
  ReferralOutcomeReported,
  ReferralStatusChanged,
} from "@kopru/contracts/referral/v1/events";
import { FollowUpStage } from "@kopru/contracts/referral/v1/referral";
import { v7 as uuidv7 } from "uuid";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A small seeded generator (mulberry32): the same seed gives the same network. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface NetworkShape {
  /** Organisation ids: referrers and targets are drawn from these. */
  referrers: readonly string[];
  targets: readonly string[];
  serviceTypes: readonly number[];
  provinces: readonly string[];
  nationalities: readonly string[];
  /** requested_at is spread over [start, end). */
  start: Date;
  end: Date;
  /** The clock the open referrals are overdue by (or not). */
  now: Date;
}

export interface Lifecycle {
  status: ReferralStatusChanged[];
  outcomes: { report: ReferralOutcomeReported; version: number }[];
  followUps: ReferralFollowUpChanged[];
}

/** Draws one value, the first ones more often (a skewed network: a few big partners). */
const skewed = <T>(rnd: () => number, values: readonly T[]): T =>
  values[Math.floor(values.length * rnd() ** 2)] as T;

/** One referral from request to wherever it stands at `now`. */
export function lifecycle(rnd: () => number, shape: NetworkShape): Lifecycle {
  const referralId = uuidv7();
  const span = shape.end.getTime() - shape.start.getTime();
  const requestedAt = new Date(shape.start.getTime() + Math.floor(rnd() * span));
  const priority = [Priority.PRIORITY_EMERGENCY, Priority.PRIORITY_HIGH, Priority.PRIORITY_NORMAL][
    Math.floor(rnd() * 3)
  ] as Priority;
  const answerWithin =
    priority === Priority.PRIORITY_EMERGENCY ? DAY : priority === Priority.PRIORITY_HIGH ? 3 * DAY : 7 * DAY;
  const respondBy = new Date(requestedAt.getTime() + answerWithin);
  const referrer = skewed(rnd, shape.referrers);
  const target = skewed(rnd, shape.targets);
  const serviceType = skewed(rnd, shape.serviceTypes);
  const disaggregation = {
    sex: 1 + Math.floor(rnd() * 3),
    ageBand: 1 + Math.floor(rnd() * 7),
    disabilityStatus: 1 + Math.floor(rnd() * 3),
    nationality: skewed(rnd, shape.nationalities),
    legalStatus: 1 + Math.floor(rnd() * 3),
    provinceCode: skewed(rnd, shape.provinces),
    districtCode: "",
  };
  const steps: { to: S; afterMs: number; extra?: Partial<ReferralStatusChanged> }[] = [];
  // Times with millisecond noise: durations are as varied as real ones.
  const later = (from: number, mean: number) => from + Math.floor(mean * (0.2 + 1.6 * rnd()));
  const received = later(0, answerWithin / 6);
  const answered = later(received, answerWithin / 4);
  const kind = rnd();
  let acceptedAt: number | undefined;
  let closedWith: { status: S; codes: O[]; reason: number } | undefined;
  if (kind < 0.1) {
    // Waiting for an answer: overdue when its deadline passed.
    if (rnd() < 0.5) steps.push({ to: S.REFERRAL_STATUS_RECEIVED, afterMs: received });
  } else if (kind < 0.18) {
    steps.push({ to: S.REFERRAL_STATUS_EXPIRED, afterMs: answerWithin });
  } else if (kind < 0.28) {
    steps.push({ to: S.REFERRAL_STATUS_RECEIVED, afterMs: received });
    steps.push({
      to: S.REFERRAL_STATUS_DECLINED,
      afterMs: answered,
      extra: { declineReason: 1 + Math.floor(rnd() * 6) },
    });
  } else if (kind < 0.31) {
    steps.push({ to: S.REFERRAL_STATUS_RECEIVED, afterMs: received });
    steps.push({ to: S.REFERRAL_STATUS_ON_HOLD, afterMs: answered, extra: { onHoldReason: 1 } });
  } else if (kind < 0.34) {
    steps.push({
      to: S.REFERRAL_STATUS_CANCELLED,
      afterMs: received,
      extra: { cancelReason: 1 + Math.floor(rnd() * 6) },
    });
  } else if (kind < 0.37) {
    steps.push({ to: S.REFERRAL_STATUS_RECEIVED, afterMs: received });
    steps.push({ to: S.REFERRAL_STATUS_REDIRECTED, afterMs: answered, extra: { redirectReason: 1 } });
  } else {
    steps.push({ to: S.REFERRAL_STATUS_RECEIVED, afterMs: received });
    steps.push({ to: S.REFERRAL_STATUS_ACCEPTED, afterMs: answered });
    acceptedAt = answered;
    const started = later(answered, DAY);
    const closed = later(started, 10 * DAY);
    const end = rnd();
    if (end < 0.15) {
      // Still being served.
      if (rnd() < 0.5) steps.push({ to: S.REFERRAL_STATUS_IN_PROGRESS, afterMs: started });
    } else if (end < 0.27) {
      const codes =
        rnd() < 0.5
          ? [O.OUTCOME_CODE_NO_SERVICE_PROVIDED]
          : rnd() < 0.5
            ? [O.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL]
            : [];
      const reason = 1 + Math.floor(rnd() * (NotCompletedReason.NOT_COMPLETED_REASON_OTHER as number));
      steps.push({
        to: S.REFERRAL_STATUS_NOT_COMPLETED,
        afterMs: closed,
        extra: { notCompletedReason: reason, outcomeCodes: codes },
      });
      closedWith = { status: S.REFERRAL_STATUS_NOT_COMPLETED, codes, reason };
    } else {
      steps.push({ to: S.REFERRAL_STATUS_IN_PROGRESS, afterMs: started });
      const codes =
        rnd() < 0.7
          ? [O.OUTCOME_CODE_SERVICE_PROVIDED_FULL]
          : rnd() < 0.5
            ? [O.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL]
            : [O.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD];
      steps.push({ to: S.REFERRAL_STATUS_COMPLETED, afterMs: closed, extra: { outcomeCodes: codes } });
      closedWith = { status: S.REFERRAL_STATUS_COMPLETED, codes, reason: 0 };
    }
  }
  // Nothing happens after `now`: a lifecycle that would run past it stops there.
  const nowOffset = shape.now.getTime() - requestedAt.getTime();
  const happened = steps.filter((step) => step.afterMs <= nowOffset);
  if (happened.length < steps.length) closedWith = undefined;
  if (acceptedAt !== undefined && acceptedAt > nowOffset) acceptedAt = undefined;

  let from = S.REFERRAL_STATUS_UNSPECIFIED;
  const status = [{ to: S.REFERRAL_STATUS_REQUESTED, afterMs: 0 }, ...happened].map((step, i) => {
    const event: ReferralStatusChanged = {
      referralId,
      rootReferralId: referralId,
      parentReferralId: "",
      childReferralId: undefined,
      origin: ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
      referrerOrganisationId: referrer,
      targetOrganisationId: target,
      serviceOfferingId: undefined,
      serviceType,
      priority,
      fromStatus: from,
      toStatus: step.to,
      declineReason: 0,
      notCompletedReason: 0,
      cancelReason: 0,
      onHoldReason: 0,
      redirectReason: 0,
      outcomeCodes: [],
      actorKind:
        step.to === S.REFERRAL_STATUS_EXPIRED ? ActorKind.ACTOR_KIND_SYSTEM : ActorKind.ACTOR_KIND_STAFF,
      actorOrganisationId:
        step.to === S.REFERRAL_STATUS_CANCELLED || step.to === S.REFERRAL_STATUS_REQUESTED
          ? referrer
          : target,
      occurredAt: new Date(requestedAt.getTime() + step.afterMs),
      requestedAt,
      respondBy,
      sequence: i + 1,
      disaggregation,
      ...("extra" in step ? step.extra : {}),
    };
    from = step.to;
    return event;
  });
  const last = status[status.length - 1] as ReferralStatusChanged;

  const outcomes: Lifecycle["outcomes"] = [];
  if (closedWith && rnd() < 0.3) {
    // A later report revises the closure's codes.
    const codes = rnd() < 0.5 ? [O.OUTCOME_CODE_SERVICE_PROVIDED_FULL] : [O.OUTCOME_CODE_NO_SERVICE_PROVIDED];
    const report = (outcomeCodes: O[]): ReferralOutcomeReported => ({
      referralId,
      rootReferralId: referralId,
      referrerOrganisationId: referrer,
      targetOrganisationId: target,
      serviceType,
      outcomeCodes,
      completedAt: last.occurredAt,
      sequence: last.sequence,
    });
    outcomes.push({ report: report(closedWith.codes), version: 1 });
    outcomes.push({ report: report(codes), version: 2 });
  }
  const followUps: ReferralFollowUpChanged[] = [];
  if (acceptedAt !== undefined) {
    const open =
      last.toStatus === S.REFERRAL_STATUS_ACCEPTED || last.toStatus === S.REFERRAL_STATUS_IN_PROGRESS;
    const dueAt = new Date(requestedAt.getTime() + acceptedAt + 14 * DAY);
    followUps.push({
      referralId,
      rootReferralId: referralId,
      referrerOrganisationId: referrer,
      targetOrganisationId: target,
      serviceType,
      priority,
      status: S.REFERRAL_STATUS_ACCEPTED,
      assigned: rnd() < 0.7,
      followUpStage: open ? FollowUpStage.FOLLOW_UP_STAGE_PENDING : FollowUpStage.FOLLOW_UP_STAGE_DONE,
      followUpDueAt: dueAt,
      occurredAt: new Date(requestedAt.getTime() + acceptedAt),
      sequence: 1,
    });
  }
  return { status, outcomes, followUps };
}

/** A network shape whose organisation ids end in `suffix` (unique per run). */
export function networkShape(suffix: string, now: Date, days: number): NetworkShape {
  const orgs = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}-${suffix}`);
  return {
    referrers: [...orgs("ngo", 14), ...orgs("mmcc", 6)],
    targets: [...orgs("mmcc", 6), ...orgs("protection", 4), ...orgs("ecm", 3), ...orgs("cc", 5)],
    serviceTypes: [1, 2, 3, 4, 5, 8, 9, 10, 12, 14, 16, 18],
    provinces: [
      "TUR027",
      "TUR063",
      "TUR034",
      "TUR001",
      "TUR033",
      "TUR079",
      "TUR006",
      "TUR031",
      "TUR046",
      "TUR044",
      "TUR021",
      "TUR047",
    ],
    nationalities: ["SY", "AF", "IQ", "IR", "SO", "UA", "TR"],
    start: new Date(now.getTime() - days * DAY),
    end: new Date(now.getTime() - HOUR),
    now,
  };
}
