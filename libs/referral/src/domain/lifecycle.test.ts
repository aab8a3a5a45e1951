import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  CancelReason,
  DeclineReason,
  NotCompletedReason,
  OnHoldReason,
  OutcomeCode,
  Priority,
  RedirectReason,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { describe, expect, it } from "vitest";

import { isOverdue, respondBy } from "./deadlines.js";
import {
  ExpiryBeforeDeadlineError,
  InvalidTransitionInputError,
  MissingReasonError,
  ReferralDomainError,
  SequenceConflictError,
  TransitionForbiddenError,
  TransitionNotAllowedError,
} from "./errors.js";
import {
  applyTransition,
  isRepeatedCommand,
  newReferralState,
  type ReferralState,
  reportOutcome,
  type TransitionActor,
  type TransitionCommand,
} from "./lifecycle.js";
import { isTerminal, statusName } from "./status.js";
import { allowedTransitions, type Party } from "./transitions.js";

const S = ReferralStatus;
const REFERRER = "org-referrer";
const TARGET = "org-target";
const T0 = new Date("2025-03-03T08:00:00.000Z");
const MINUTE = 60_000;

const ACTORS: Record<Party, TransitionActor> = {
  referrer: { party: "referrer", kind: ActorKind.ACTOR_KIND_STAFF, organisationId: REFERRER },
  target: { party: "target", kind: ActorKind.ACTOR_KIND_STAFF, organisationId: TARGET },
  system: { party: "system", kind: ActorKind.ACTOR_KIND_SYSTEM, organisationId: REFERRER },
};

const COMMANDS = {
  receive: { type: "receive" },
  accept: { type: "accept" },
  decline: { type: "decline", declineReason: DeclineReason.DECLINE_REASON_NO_CAPACITY },
  hold: { type: "hold", onHoldReason: OnHoldReason.ON_HOLD_REASON_CAPACITY_FULL },
  start: { type: "start" },
  complete: { type: "complete", outcomes: [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED] },
  notComplete: {
    type: "notComplete",
    notCompletedReason: NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_UNREACHABLE,
  },
  cancel: { type: "cancel", cancelReason: CancelReason.CANCEL_REASON_NEED_RESOLVED },
  redirect: {
    type: "redirect",
    redirectReason: RedirectReason.REDIRECT_REASON_BETTER_PLACED_PARTNER,
    childReferralId: "ref-child",
  },
  expire: { type: "expire" },
} as const satisfies Record<TransitionCommand["type"], TransitionCommand>;
type Step = keyof typeof COMMANDS;

const PARTY_OF: Record<Step, Party> = {
  receive: "target",
  accept: "target",
  decline: "target",
  hold: "target",
  start: "target",
  complete: "target",
  notComplete: "target",
  cancel: "referrer",
  redirect: "target",
  expire: "system",
};

function requested(priority: Priority = Priority.PRIORITY_HIGH): ReferralState {
  return newReferralState({
    referralId: "ref-1",
    referrerOrganisationId: REFERRER,
    targetOrganisationId: TARGET,
    serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
    priority,
    requestedAt: T0,
    actor: ACTORS.referrer,
  }).state;
}

/** The time of step i of a walk: a minute apart, or past the deadline for `expire`. */
function timeOf(state: ReferralState, step: Step): Date {
  return step === "expire"
    ? new Date(state.respondBy.getTime() + MINUTE)
    : new Date(state.updatedAt.getTime() + MINUTE);
}

function walk(...steps: Step[]): ReferralState {
  let state = requested();
  for (const step of steps) {
    state = applyTransition(state, COMMANDS[step], ACTORS[PARTY_OF[step]], timeOf(state, step)).state;
  }
  return state;
}

/** A canonical way to reach each status. */
const PATHS: Record<string, Step[]> = {
  requested: [],
  received: ["receive"],
  "on hold": ["receive", "hold"],
  accepted: ["receive", "accept"],
  "in progress": ["receive", "accept", "start"],
  declined: ["receive", "decline"],
  redirected: ["receive", "redirect"],
  completed: ["receive", "accept", "start", "complete"],
  "not completed": ["receive", "accept", "notComplete"],
  cancelled: ["cancel"],
  expired: ["expire"],
};

function stateAt(status: string): ReferralState {
  const path = PATHS[status];
  if (path === undefined) throw new Error(`no path to ${status}`);
  return walk(...path);
}

function failure(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

function attempt(state: ReferralState, command: TransitionCommand, party: Party, at?: Date) {
  return () =>
    applyTransition(state, command, ACTORS[party], at ?? new Date(state.updatedAt.getTime() + MINUTE));
}

describe("newReferralState", () => {
  it("starts at REQUESTED, sequence 1, with the deadline of its priority and a first change", () => {
    const { state, change } = newReferralState({
      referralId: "ref-1",
      referrerOrganisationId: REFERRER,
      targetOrganisationId: TARGET,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_EMERGENCY,
      requestedAt: T0,
      actor: ACTORS.referrer,
    });
    expect(state).toMatchObject({
      referralId: "ref-1",
      status: S.REFERRAL_STATUS_REQUESTED,
      sequence: 1,
      requestedAt: T0,
      respondBy: new Date("2025-03-04T08:00:00.000Z"),
      updatedAt: T0,
      outcomes: [],
      childReferralIds: [],
      declineReason: DeclineReason.DECLINE_REASON_UNSPECIFIED,
    });
    expect(state.receivedAt).toBeUndefined();
    expect(change).toMatchObject({
      referralId: "ref-1",
      sequence: 1,
      from: S.REFERRAL_STATUS_UNSPECIFIED,
      to: S.REFERRAL_STATUS_REQUESTED,
      at: T0,
      actor: { party: "referrer", kind: ActorKind.ACTOR_KIND_STAFF, organisationId: REFERRER },
      outcomes: [],
      childReferralId: undefined,
      notifyOrganisationIds: [REFERRER, TARGET],
    });
  });

  const base = {
    referralId: "ref-1",
    referrerOrganisationId: REFERRER,
    targetOrganisationId: TARGET,
    serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
    priority: Priority.PRIORITY_NORMAL,
    requestedAt: T0,
    actor: ACTORS.referrer,
  };

  it("is made only by the referrer, for its own organisation", () => {
    expect(failure(() => newReferralState({ ...base, actor: ACTORS.target }))).toBeInstanceOf(
      TransitionForbiddenError,
    );
    const error = failure(() =>
      newReferralState({ ...base, actor: { ...ACTORS.referrer, organisationId: "org-other" } }),
    );
    expect(error).toBeInstanceOf(TransitionForbiddenError);
    expect(error.message).toBe("organisation org-other is not the referrer of this referral");
  });

  it.each([
    ["referral_id", { referralId: "" }],
    ["target_organisation_id", { targetOrganisationId: " " }],
    ["service_type", { serviceType: ServiceType.SERVICE_TYPE_UNSPECIFIED }],
    ["service_type", { serviceType: ServiceType.UNRECOGNIZED }],
    ["priority", { priority: Priority.PRIORITY_UNSPECIFIED }],
    ["requested_at", { requestedAt: new Date(Number.NaN) }],
    ["actor.kind", { actor: { ...ACTORS.referrer, kind: ActorKind.ACTOR_KIND_UNSPECIFIED } }],
  ])("refuses a missing or invalid %s", (field, override) => {
    const error = failure(() => newReferralState({ ...base, ...override }));
    expect(error).toBeInstanceOf(InvalidTransitionInputError);
    expect((error as InvalidTransitionInputError).field).toBe(field);
  });

  it("notifies an organisation referring to itself once", () => {
    const { change } = newReferralState({ ...base, targetOrganisationId: REFERRER });
    expect(change.notifyOrganisationIds).toEqual([REFERRER]);
  });
});

describe("every allowed transition", () => {
  it.each<[string, Step, Party, string]>([
    ["requested", "receive", "target", "received"],
    ["requested", "receive", "system", "received"],
    ["received", "accept", "target", "accepted"],
    ["received", "decline", "target", "declined"],
    ["received", "hold", "target", "on hold"],
    ["received", "redirect", "target", "redirected"],
    ["on hold", "accept", "target", "accepted"],
    ["on hold", "decline", "target", "declined"],
    ["on hold", "redirect", "target", "redirected"],
    ["accepted", "start", "target", "in progress"],
    ["accepted", "notComplete", "target", "not completed"],
    ["in progress", "complete", "target", "completed"],
    ["in progress", "notComplete", "target", "not completed"],
    ["requested", "cancel", "referrer", "cancelled"],
    ["received", "cancel", "referrer", "cancelled"],
    ["on hold", "cancel", "referrer", "cancelled"],
    ["accepted", "cancel", "referrer", "cancelled"],
    ["in progress", "cancel", "referrer", "cancelled"],
    ["requested", "expire", "system", "expired"],
    ["received", "expire", "system", "expired"],
  ])("%s --%s by the %s--> %s", (from, step, party, to) => {
    const before = stateAt(from);
    const snapshot = structuredClone(before);
    const at = timeOf(before, step);
    const { state, change } = applyTransition(before, COMMANDS[step], ACTORS[party], at);

    expect(statusName(state.status)).toBe(to);
    expect(state.sequence).toBe(before.sequence + 1);
    expect(state.updatedAt).toEqual(at);
    expect(change).toMatchObject({
      referralId: "ref-1",
      referrerOrganisationId: REFERRER,
      targetOrganisationId: TARGET,
      sequence: before.sequence + 1,
      from: before.status,
      to: state.status,
      at,
      actor: ACTORS[party],
      notifyOrganisationIds: [REFERRER, TARGET],
    });
    expect(isTerminal(state.status) ? state.closedAt : undefined).toEqual(
      isTerminal(state.status) ? at : undefined,
    );
    expect(before).toEqual(snapshot);
  });
});

describe("state after transitions", () => {
  it("records receipt, first answer, start and close times", () => {
    const held = walk("receive", "hold");
    const accepted = walk("receive", "hold", "accept");
    const completed = walk("receive", "hold", "accept", "start", "complete");
    expect(held.receivedAt).toEqual(new Date(T0.getTime() + MINUTE));
    expect(held.respondedAt).toEqual(new Date(T0.getTime() + 2 * MINUTE));
    expect(accepted.respondedAt).toEqual(held.respondedAt);
    expect(completed.startedAt).toEqual(new Date(T0.getTime() + 4 * MINUTE));
    expect(completed.closedAt).toEqual(new Date(T0.getTime() + 5 * MINUTE));
    expect(completed.sequence).toBe(6);
  });

  it("keeps only the reason of the current status", () => {
    const held = walk("receive", "hold");
    expect(held.onHoldReason).toBe(OnHoldReason.ON_HOLD_REASON_CAPACITY_FULL);
    const accepted = walk("receive", "hold", "accept");
    expect(accepted.onHoldReason).toBe(OnHoldReason.ON_HOLD_REASON_UNSPECIFIED);
    const declined = walk("receive", "hold", "decline");
    expect(declined).toMatchObject({
      declineReason: DeclineReason.DECLINE_REASON_NO_CAPACITY,
      onHoldReason: OnHoldReason.ON_HOLD_REASON_UNSPECIFIED,
    });
  });

  it("carries the reason code on the change", () => {
    const { change } = applyTransition(walk("receive"), COMMANDS.decline, ACTORS.target, T0);
    expect(change.declineReason).toBe(DeclineReason.DECLINE_REASON_NO_CAPACITY);
    expect(change.cancelReason).toBe(CancelReason.CANCEL_REASON_UNSPECIFIED);
    expect(change.outcomes).toEqual([]);
  });

  it("records the redirect child on the state and the change", () => {
    const { state, change } = applyTransition(walk("receive"), COMMANDS.redirect, ACTORS.target, T0);
    expect(state.childReferralIds).toEqual(["ref-child"]);
    expect(state.redirectReason).toBe(RedirectReason.REDIRECT_REASON_BETTER_PLACED_PARTNER);
    expect(change.childReferralId).toBe("ref-child");
  });

  it("keeps outcomes apart from status: a completed referral's outcomes, deduplicated, in code order", () => {
    const { state, change } = applyTransition(
      walk("receive", "accept", "start"),
      {
        type: "complete",
        outcomes: [
          OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD,
          OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED,
          OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD,
        ],
      },
      ACTORS.target,
      T0,
    );
    expect(state.status).toBe(S.REFERRAL_STATUS_COMPLETED);
    expect(state.outcomes).toEqual([
      OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED,
      OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD,
    ]);
    expect(change.outcomes).toEqual(state.outcomes);
  });

  it("gives a referral not completed the outcome no service provided unless told otherwise", () => {
    expect(walk("receive", "accept", "notComplete").outcomes).toEqual([
      OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED,
    ]);
    const partial = applyTransition(
      walk("receive", "accept", "start"),
      {
        type: "notComplete",
        notCompletedReason: NotCompletedReason.NOT_COMPLETED_REASON_BENEFICIARY_RELOCATED,
        outcomes: [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL],
      },
      ACTORS.target,
      T0,
    );
    expect(partial.state.outcomes).toEqual([OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL]);
  });
});

describe("refused transitions", () => {
  it.each<[string, Step, string]>([
    ["accepted", "decline", "referral is already accepted; it cannot be declined"],
    ["accepted", "accept", "referral is already accepted; it cannot be accepted"],
    ["accepted", "hold", "referral is already accepted; it cannot be put on hold"],
    ["received", "receive", "referral is already received; it cannot be received"],
    ["on hold", "hold", "referral is already on hold; it cannot be put on hold"],
    ["on hold", "expire", "referral is already on hold; it cannot be expired"],
    ["in progress", "redirect", "referral is already in progress; it cannot be redirected"],
    ["completed", "cancel", "referral is already completed; it cannot be cancelled"],
    ["declined", "accept", "referral is already declined; it cannot be accepted"],
    ["expired", "receive", "referral is already expired; it cannot be received"],
    ["cancelled", "cancel", "referral is already cancelled; it cannot be cancelled"],
    ["redirected", "start", "referral is already redirected; it cannot be started"],
    ["not completed", "complete", "referral is already not completed; it cannot be completed"],
    ["requested", "accept", "referral is requested; it cannot be accepted before it is received or on hold"],
    ["requested", "start", "referral is requested; it cannot be started before it is accepted"],
    ["accepted", "complete", "referral is accepted; it cannot be completed before it is in progress"],
    [
      "received",
      "notComplete",
      "referral is received; it cannot be closed as not completed before it is accepted or in progress",
    ],
  ])("%s + %s → TransitionNotAllowedError", (from, step, message) => {
    const state = stateAt(from);
    const error = failure(attempt(state, COMMANDS[step], PARTY_OF[step], timeOf(state, step)));
    expect(error).toBeInstanceOf(TransitionNotAllowedError);
    expect(error).toMatchObject({
      code: "transition_not_allowed",
      from: state.status,
      command: step,
      message,
    });
  });

  it.each<[Step, Party, string]>([
    ["accept", "referrer", "a referral can be accepted only by the target, not by the referrer"],
    ["decline", "system", "a referral can be declined only by the target, not by the system"],
    ["cancel", "target", "a referral can be cancelled only by the referrer or the system, not by the target"],
    ["expire", "target", "a referral can be expired only by the system, not by the target"],
    [
      "receive",
      "referrer",
      "a referral can be received only by the target or the system, not by the referrer",
    ],
    ["hold", "referrer", "a referral can be put on hold only by the target, not by the referrer"],
  ])("%s by the %s → TransitionForbiddenError", (step, party, message) => {
    const error = failure(attempt(walk("receive"), COMMANDS[step], party));
    expect(error).toBeInstanceOf(TransitionForbiddenError);
    expect(error).toMatchObject({ code: "transition_forbidden", party, command: step, message });
  });

  it("refuses a party acting for another organisation", () => {
    const state = walk("receive");
    const foreignTarget = { ...ACTORS.target, organisationId: "org-other" };
    const error = failure(() => applyTransition(state, COMMANDS.accept, foreignTarget, T0));
    expect(error).toBeInstanceOf(TransitionForbiddenError);
    expect(error.message).toBe("organisation org-other is not the target of this referral");
    const foreignReferrer = { ...ACTORS.referrer, organisationId: TARGET };
    expect(failure(() => applyTransition(state, COMMANDS.cancel, foreignReferrer, T0)).message).toBe(
      "organisation org-target is not the referrer of this referral",
    );
  });

  it("refuses staff posing as the system", () => {
    const staffAsSystem = { ...ACTORS.system, kind: ActorKind.ACTOR_KIND_STAFF };
    const state = requested();
    const error = failure(() =>
      applyTransition(state, COMMANDS.expire, staffAsSystem, new Date(state.respondBy.getTime() + 1)),
    );
    expect(error).toBeInstanceOf(TransitionForbiddenError);
  });

  it("lets the target's own service receive automatically as a system-kind actor of the target", () => {
    const inbox = { party: "target", kind: ActorKind.ACTOR_KIND_SYSTEM, organisationId: TARGET } as const;
    expect(applyTransition(requested(), COMMANDS.receive, inbox, T0).state.status).toBe(
      S.REFERRAL_STATUS_RECEIVED,
    );
  });

  it("refuses a malformed actor or command", () => {
    const state = walk("receive");
    expect(
      failure(() =>
        applyTransition(state, COMMANDS.accept, { ...ACTORS.target, kind: ActorKind.UNRECOGNIZED }, T0),
      ),
    ).toMatchObject({ field: "actor.kind" });
    expect(
      failure(() => applyTransition(state, COMMANDS.accept, { ...ACTORS.target, organisationId: "" }, T0)),
    ).toMatchObject({ field: "actor.organisation_id" });
    expect(
      failure(() =>
        applyTransition(state, { type: "approve" } as unknown as TransitionCommand, ACTORS.target, T0),
      ),
    ).toMatchObject({ field: "type", message: "approve is not a referral command" });
    expect(
      failure(() => applyTransition(state, COMMANDS.accept, ACTORS.target, new Date("nope"))),
    ).toMatchObject({
      field: "occurred_at",
    });
  });
});

describe("expiry", () => {
  it("is refused until the answer deadline has passed", () => {
    const state = requested(Priority.PRIORITY_EMERGENCY);
    const atDeadline = failure(attempt(state, COMMANDS.expire, "system", state.respondBy));
    expect(atDeadline).toBeInstanceOf(ExpiryBeforeDeadlineError);
    expect(atDeadline).toBeInstanceOf(TransitionNotAllowedError);
    expect(atDeadline).toMatchObject({
      code: "expiry_before_deadline",
      message:
        "referral is not overdue until 2025-03-04T08:00:00.000Z; it cannot be expired at 2025-03-04T08:00:00.000Z",
    });
    const after = applyTransition(
      state,
      COMMANDS.expire,
      ACTORS.system,
      new Date(state.respondBy.getTime() + 1),
    );
    expect(after.state.status).toBe(S.REFERRAL_STATUS_EXPIRED);
    expect(after.change.notifyOrganisationIds).toEqual([REFERRER, TARGET]);
  });
});

describe("reason codes", () => {
  const received = () => walk("receive");
  const inProgress = () => walk("receive", "accept", "start");

  it.each<[string, () => ReferralState, TransitionCommand, Party, string]>([
    ["decline", received, { type: "decline" } as unknown as TransitionCommand, "target", "decline_reason"],
    [
      "decline UNSPECIFIED",
      received,
      { type: "decline", declineReason: DeclineReason.DECLINE_REASON_UNSPECIFIED },
      "target",
      "decline_reason",
    ],
    [
      "decline UNRECOGNIZED",
      received,
      { type: "decline", declineReason: DeclineReason.UNRECOGNIZED },
      "target",
      "decline_reason",
    ],
    [
      "hold",
      received,
      { type: "hold", onHoldReason: OnHoldReason.ON_HOLD_REASON_UNSPECIFIED },
      "target",
      "on_hold_reason",
    ],
    [
      "notComplete",
      inProgress,
      { type: "notComplete", notCompletedReason: NotCompletedReason.NOT_COMPLETED_REASON_UNSPECIFIED },
      "target",
      "not_completed_reason",
    ],
    [
      "cancel",
      received,
      { type: "cancel", cancelReason: CancelReason.CANCEL_REASON_UNSPECIFIED },
      "referrer",
      "cancel_reason",
    ],
    [
      "redirect reason",
      received,
      { type: "redirect", redirectReason: RedirectReason.REDIRECT_REASON_UNSPECIFIED, childReferralId: "c" },
      "target",
      "redirect_reason",
    ],
    [
      "redirect child",
      received,
      { type: "redirect", redirectReason: RedirectReason.REDIRECT_REASON_OTHER, childReferralId: "" },
      "target",
      "child_referral_id",
    ],
    ["complete", inProgress, { type: "complete", outcomes: [] }, "target", "outcome_codes"],
  ])("%s without its code → MissingReasonError naming the field", (_, at, command, party, field) => {
    const error = failure(attempt(at(), command, party));
    expect(error).toBeInstanceOf(MissingReasonError);
    expect(error).toBeInstanceOf(InvalidTransitionInputError);
    expect(error).toMatchObject({ code: "missing_reason", field });
    expect(error.message).toContain(field);
  });

  it("names the decline reason in plain words", () => {
    expect(
      failure(attempt(received(), { type: "decline" } as unknown as TransitionCommand, "target")).message,
    ).toBe("decline_reason is required when a referral is declined");
  });

  it.each<[string, () => ReferralState, Record<string, unknown>, Party, string]>([
    [
      "a decline reason on accept",
      received,
      { type: "accept", declineReason: 1 },
      "target",
      "decline_reason",
    ],
    [
      "a decline reason on hold",
      received,
      { ...COMMANDS.hold, declineReason: 1 },
      "target",
      "decline_reason",
    ],
    ["outcomes on decline", received, { ...COMMANDS.decline, outcomes: [1] }, "target", "outcome_codes"],
    [
      "a child on decline",
      received,
      { ...COMMANDS.decline, childReferralId: "c" },
      "target",
      "child_referral_id",
    ],
    [
      "a cancel reason on start",
      () => walk("receive", "accept"),
      { type: "start", cancelReason: 1 },
      "target",
      "cancel_reason",
    ],
    ["an unknown field", received, { ...COMMANDS.accept, reason: 1 }, "target", "reason"],
  ])("refuses %s", (_, at, command, party, field) => {
    const error = failure(attempt(at(), command as unknown as TransitionCommand, party));
    expect(error).toBeInstanceOf(InvalidTransitionInputError);
    expect(error).not.toBeInstanceOf(MissingReasonError);
    expect(error).toMatchObject({ code: "invalid_transition_input", field });
  });

  it("says which transition does not take the field", () => {
    const error = failure(
      attempt(received(), { type: "accept", declineReason: 1 } as TransitionCommand, "target"),
    );
    expect(error.message).toBe("decline_reason does not apply when a referral is accepted");
  });

  it("ignores fields present but undefined", () => {
    const command = { ...COMMANDS.accept, declineReason: undefined } as unknown as TransitionCommand;
    expect(applyTransition(received(), command, ACTORS.target, T0).state.status).toBe(
      S.REFERRAL_STATUS_ACCEPTED,
    );
  });

  it.each([
    ["no service provided alone", [OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED]],
    [
      "no service provided with another code",
      [OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED, OutcomeCode.OUTCOME_CODE_CASE_OPENED],
    ],
    ["an unspecified outcome", [OutcomeCode.OUTCOME_CODE_UNSPECIFIED]],
    ["an unrecognised outcome", [OutcomeCode.UNRECOGNIZED]],
  ])("refuses to complete with %s", (_, outcomes) => {
    const error = failure(attempt(inProgress(), { type: "complete", outcomes }, "target"));
    expect(error).toBeInstanceOf(InvalidTransitionInputError);
    expect(error).toMatchObject({ field: "outcome_codes" });
  });

  it("refuses to close as not completed with no service provided among other outcomes", () => {
    const error = failure(
      attempt(
        inProgress(),
        {
          ...COMMANDS.notComplete,
          outcomes: [OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED, OutcomeCode.OUTCOME_CODE_CASE_OPENED],
        },
        "target",
      ),
    );
    expect(error).toMatchObject({ field: "outcome_codes" });
  });

  it("refuses a redirect to the referral itself", () => {
    const error = failure(attempt(received(), { ...COMMANDS.redirect, childReferralId: "ref-1" }, "target"));
    expect(error).toMatchObject({ code: "invalid_transition_input", field: "child_referral_id" });
  });
});

describe("optimistic concurrency", () => {
  it("applies a command whose expected sequence is current", () => {
    const state = walk("receive");
    const { change } = applyTransition(state, { ...COMMANDS.accept, expectedSequence: 2 }, ACTORS.target, T0);
    expect(change.sequence).toBe(3);
  });

  it("two staff accepting and declining at the same moment: exactly one wins, the other gets a conflict", () => {
    const seen = walk("receive");
    const first = applyTransition(
      seen,
      { ...COMMANDS.accept, expectedSequence: seen.sequence },
      ACTORS.target,
      T0,
    );
    const error = failure(
      attempt(first.state, { ...COMMANDS.decline, expectedSequence: seen.sequence }, "target"),
    );
    expect(error).toBeInstanceOf(SequenceConflictError);
    expect(error).toMatchObject({
      code: "sequence_conflict",
      expected: 2,
      current: 3,
      currentStatus: S.REFERRAL_STATUS_ACCEPTED,
      message:
        "referral is at sequence 3 (accepted), not the expected 2: it changed since it was read; read it again and retry",
    });
  });

  it("reports a conflict before the lifecycle refusal, so a stale client learns it is stale", () => {
    expect(
      failure(attempt(stateAt("completed"), { ...COMMANDS.cancel, expectedSequence: 2 }, "referrer")),
    ).toBeInstanceOf(SequenceConflictError);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses expected sequence %s", (expectedSequence) => {
    const error = failure(attempt(walk("receive"), { ...COMMANDS.accept, expectedSequence }, "target"));
    expect(error).toMatchObject({ code: "invalid_transition_input", field: "expected_sequence" });
  });
});

describe("errors", () => {
  it("are all ReferralDomainErrors with a name and stable code", () => {
    const errors = [
      failure(attempt(stateAt("completed"), COMMANDS.cancel, "referrer")),
      failure(attempt(walk("receive"), COMMANDS.accept, "referrer")),
      failure(attempt(walk("receive"), { type: "decline" } as unknown as TransitionCommand, "target")),
      failure(attempt(walk("receive"), { ...COMMANDS.accept, expectedSequence: 1 }, "target")),
    ];
    expect(errors.map((error) => error instanceof ReferralDomainError)).toEqual([true, true, true, true]);
    expect(errors.map((error) => [error.name, (error as ReferralDomainError).code])).toEqual([
      ["TransitionNotAllowedError", "transition_not_allowed"],
      ["TransitionForbiddenError", "transition_forbidden"],
      ["MissingReasonError", "missing_reason"],
      ["SequenceConflictError", "sequence_conflict"],
    ]);
  });
});

describe("deadlines", () => {
  it.each([
    [Priority.PRIORITY_EMERGENCY, "2025-03-04T08:00:00.000Z"],
    [Priority.PRIORITY_HIGH, "2025-03-06T08:00:00.000Z"],
    [Priority.PRIORITY_NORMAL, "2025-03-17T08:00:00.000Z"],
  ])("priority %s answers by %s", (priority, expected) => {
    expect(respondBy(priority, T0)).toEqual(new Date(expected));
  });

  it("has no deadline for an unspecified priority", () => {
    expect(failure(() => respondBy(Priority.PRIORITY_UNSPECIFIED, T0))).toMatchObject({ field: "priority" });
  });

  it("is overdue only while unanswered and strictly past the deadline", () => {
    const state = requested(Priority.PRIORITY_EMERGENCY);
    const after = new Date(state.respondBy.getTime() + 1);
    expect(isOverdue(state, state.respondBy)).toBe(false);
    expect(isOverdue(state, after)).toBe(true);
    expect(isOverdue(walk("receive"), new Date(walk("receive").respondBy.getTime() + 1))).toBe(true);
    expect(isOverdue(walk("receive", "hold"), new Date("2030-01-01"))).toBe(false);
    expect(isOverdue(walk("receive", "accept"), new Date("2030-01-01"))).toBe(false);
    expect(isOverdue(stateAt("expired"), new Date("2030-01-01"))).toBe(false);
  });
});

describe("isRepeatedCommand", () => {
  it("recognises an identical repeat", () => {
    expect(isRepeatedCommand(walk("receive", "accept"), COMMANDS.accept)).toBe(true);
    expect(isRepeatedCommand(walk("receive", "decline"), COMMANDS.decline)).toBe(true);
    expect(isRepeatedCommand(stateAt("redirected"), COMMANDS.redirect)).toBe(true);
    expect(isRepeatedCommand(stateAt("completed"), COMMANDS.complete)).toBe(true);
    expect(isRepeatedCommand(stateAt("not completed"), COMMANDS.notComplete)).toBe(true);
  });

  it("counts receipt as repeated once received, whatever happened since", () => {
    expect(isRepeatedCommand(walk("receive", "accept"), COMMANDS.receive)).toBe(true);
    expect(isRepeatedCommand(requested(), COMMANDS.receive)).toBe(false);
    expect(isRepeatedCommand(stateAt("expired"), COMMANDS.receive)).toBe(false);
  });

  it("does not treat a different answer or code as a repeat", () => {
    expect(isRepeatedCommand(walk("receive", "accept"), COMMANDS.decline)).toBe(false);
    expect(
      isRepeatedCommand(walk("receive", "decline"), {
        type: "decline",
        declineReason: DeclineReason.DECLINE_REASON_OUTSIDE_MANDATE,
      }),
    ).toBe(false);
    expect(
      isRepeatedCommand(stateAt("completed"), {
        type: "complete",
        outcomes: [OutcomeCode.OUTCOME_CODE_CASE_OPENED],
      }),
    ).toBe(false);
  });
});

describe("reportOutcome", () => {
  it("replaces the outcomes of a closed referral without changing its sequence", () => {
    const completed = stateAt("completed");
    const updated = reportOutcome(
      completed,
      [OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED, OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE],
      ACTORS.target,
    );
    expect(updated.outcomes).toEqual([
      OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE,
      OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED,
    ]);
    expect(updated.sequence).toBe(completed.sequence);
    expect(updated.status).toBe(completed.status);
  });

  it("is refused before the referral is closed, to anyone but the target, and with invalid codes", () => {
    expect(
      failure(() =>
        reportOutcome(walk("receive", "accept"), [OutcomeCode.OUTCOME_CODE_CASE_OPENED], ACTORS.target),
      ),
    ).toMatchObject({
      code: "transition_not_allowed",
      message: "referral is accepted; its outcome can be reported only once it is completed or not completed",
    });
    expect(
      failure(() =>
        reportOutcome(stateAt("completed"), [OutcomeCode.OUTCOME_CODE_CASE_OPENED], ACTORS.referrer),
      ),
    ).toBeInstanceOf(TransitionForbiddenError);
    expect(
      failure(() =>
        reportOutcome(stateAt("completed"), [OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED], ACTORS.target),
      ),
    ).toMatchObject({ field: "outcome_codes" });
    expect(failure(() => reportOutcome(stateAt("not completed"), [], ACTORS.target))).toBeInstanceOf(
      MissingReasonError,
    );
  });
});

describe("allowedTransitions", () => {
  it("lists what each party may do from a status", () => {
    expect(allowedTransitions(S.REFERRAL_STATUS_RECEIVED, "target")).toEqual([
      { command: "accept", to: S.REFERRAL_STATUS_ACCEPTED },
      { command: "decline", to: S.REFERRAL_STATUS_DECLINED },
      { command: "hold", to: S.REFERRAL_STATUS_ON_HOLD },
      { command: "redirect", to: S.REFERRAL_STATUS_REDIRECTED },
    ]);
    expect(allowedTransitions(S.REFERRAL_STATUS_RECEIVED, "referrer")).toEqual([
      { command: "cancel", to: S.REFERRAL_STATUS_CANCELLED },
    ]);
    // The system cancels when the consent is withdrawn or expires, and expires unanswered referrals.
    expect(allowedTransitions(S.REFERRAL_STATUS_RECEIVED, "system")).toEqual([
      { command: "cancel", to: S.REFERRAL_STATUS_CANCELLED },
      { command: "expire", to: S.REFERRAL_STATUS_EXPIRED },
    ]);
    expect(allowedTransitions(S.REFERRAL_STATUS_COMPLETED, "target")).toEqual([]);
  });
});
