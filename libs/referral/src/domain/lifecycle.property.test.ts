import { fc, test } from "@fast-check/vitest";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  CancelReason,
  DeclineReason,
  NotCompletedReason,
  OnHoldReason,
  OutcomeCode,
  Priority,
  RedirectReason,
  type ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { describe, expect, it } from "vitest";

import {
  ExpiryBeforeDeadlineError,
  InvalidTransitionInputError,
  ReferralDomainError,
  SequenceConflictError,
  TransitionForbiddenError,
  TransitionNotAllowedError,
} from "./errors.js";
import {
  applyTransition,
  newReferralState,
  type ReferralState,
  type StatusChange,
  type TransitionActor,
  type TransitionCommand,
} from "./lifecycle.js";
import { isTerminal, OUTCOME_STATUSES, statusName } from "./status.js";
import {
  allowedTransitions,
  COMMAND_TYPES,
  type CommandType,
  PARTIES,
  type Party,
  TRANSITION_RULES,
} from "./transitions.js";

// Random command sequences by random parties, against the properties the network relies on.

const REFERRER = "org-referrer";
const TARGET = "org-target";
const T0 = Date.UTC(2025, 2, 3, 8);
const HOUR = 3_600_000;

function codes<E extends Record<string, string | number>>(enumObject: E): number[] {
  return Object.values(enumObject).filter((value): value is number => typeof value === "number" && value > 0);
}
const reason = (enumObject: Record<string, string | number>) => fc.constantFrom(...codes(enumObject));
const SERVED = codes(OutcomeCode).filter((code) => code !== OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED);

/** A valid command of each type. */
const validCommands = fc.record({
  receive: fc.constant({ type: "receive" }),
  accept: fc.constant({ type: "accept" }),
  decline: reason(DeclineReason).map((declineReason) => ({ type: "decline", declineReason })),
  hold: reason(OnHoldReason).map((onHoldReason) => ({ type: "hold", onHoldReason })),
  start: fc.constant({ type: "start" }),
  complete: fc
    .uniqueArray(fc.constantFrom(...SERVED), { minLength: 1, maxLength: 3 })
    .map((outcomes) => ({ type: "complete", outcomes })),
  notComplete: fc
    .tuple(
      reason(NotCompletedReason),
      fc.option(
        fc.oneof(
          fc.constant([OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED]),
          fc.uniqueArray(fc.constantFrom(...SERVED), { minLength: 1, maxLength: 2 }),
        ),
        { nil: undefined },
      ),
    )
    .map(([notCompletedReason, outcomes]) => ({ type: "notComplete", notCompletedReason, outcomes })),
  cancel: reason(CancelReason).map((cancelReason) => ({ type: "cancel", cancelReason })),
  redirect: fc
    .tuple(reason(RedirectReason), fc.constantFrom("ref-child-a", "ref-child-b"))
    .map(([redirectReason, childReferralId]) => ({ type: "redirect", redirectReason, childReferralId })),
  expire: fc.constant({ type: "expire" }),
}) as fc.Arbitrary<Record<CommandType, TransitionCommand>>;

/** Spoils a valid command: drops its required code, or adds a field it does not take. */
function spoil(command: TransitionCommand): TransitionCommand {
  switch (command.type) {
    case "decline":
      return { ...command, declineReason: DeclineReason.DECLINE_REASON_UNSPECIFIED };
    case "hold":
      return { ...command, onHoldReason: OnHoldReason.ON_HOLD_REASON_UNSPECIFIED };
    case "notComplete":
      return { ...command, notCompletedReason: NotCompletedReason.NOT_COMPLETED_REASON_UNSPECIFIED };
    case "cancel":
      return { ...command, cancelReason: CancelReason.CANCEL_REASON_UNSPECIFIED };
    case "redirect":
      return { ...command, childReferralId: "" };
    case "complete":
      return { ...command, outcomes: [OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED] };
    default:
      return { ...command, cancelReason: CancelReason.CANCEL_REASON_OTHER } as unknown as TransitionCommand;
  }
}

const step = fc.record({
  /** "allowed": pick one of the transitions open from the current status; "random": anything. */
  mode: fc.constantFrom("allowed", "allowed", "allowed", "random"),
  pick: fc.nat(),
  type: fc.constantFrom(...COMMAND_TYPES),
  party: fc.constantFrom(...PARTIES),
  commands: validCommands,
  valid: fc.nat(9).map((n) => n < 9),
  foreignOrganisation: fc.nat(19).map((n) => n === 0),
  sequence: fc.constantFrom("none", "none", "none", "current", "current", "stale"),
  advanceMs: fc.integer({ min: 0, max: 72 * HOUR }),
});
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

const scenario = fc.record({
  priority: fc.constantFrom(Priority.PRIORITY_EMERGENCY, Priority.PRIORITY_HIGH, Priority.PRIORITY_NORMAL),
  selfReferral: fc.nat(9).map((n) => n === 0),
  steps: fc.array(step, { minLength: 1, maxLength: 40, size: "medium" }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

interface Attempt {
  readonly before: ReferralState;
  readonly type: CommandType;
  readonly party: Party;
  readonly command: TransitionCommand;
  readonly actor: TransitionActor;
  readonly at: Date;
  /** What the rules say should happen, in the documented order of checks. */
  readonly expected: "ok" | "forbidden" | "invalid" | "conflict" | "not_allowed" | "too_early";
  readonly after: ReferralState;
  readonly change?: StatusChange;
  readonly error?: unknown;
}

interface Trace {
  readonly changes: StatusChange[];
  readonly attempts: Attempt[];
  readonly states: ReferralState[];
}

function actorFor(party: Party, organisationId: string): TransitionActor {
  return {
    party,
    kind: party === "system" ? ActorKind.ACTOR_KIND_SYSTEM : ActorKind.ACTOR_KIND_STAFF,
    organisationId,
  };
}

function run({ priority, selfReferral, steps }: Scenario): Trace {
  const target = selfReferral ? REFERRER : TARGET;
  const first = newReferralState({
    referralId: "ref-1",
    referrerOrganisationId: REFERRER,
    targetOrganisationId: target,
    serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
    priority,
    requestedAt: new Date(T0),
    actor: actorFor("referrer", REFERRER),
  });
  let state = first.state;
  let clock = T0;
  const changes = [first.change];
  const states = [state];
  const attempts: Attempt[] = [];

  for (const s of steps) {
    const { type, party } = choose(state, s);
    clock += s.advanceMs;
    const at = new Date(clock);
    const valid = s.valid;
    const command: TransitionCommand = {
      ...(valid ? s.commands[type] : spoil(s.commands[type])),
      ...(s.sequence === "current" ? { expectedSequence: state.sequence } : {}),
      ...(s.sequence === "stale" ? { expectedSequence: state.sequence > 1 ? state.sequence - 1 : 2 } : {}),
    };
    const ownOrganisation = party === "referrer" ? REFERRER : party === "target" ? target : REFERRER;
    const actor = actorFor(party, s.foreignOrganisation ? "org-foreign" : ownOrganisation);

    const rule = TRANSITION_RULES[type];
    const expected: Attempt["expected"] =
      !rule.parties.includes(party) || (party !== "system" && s.foreignOrganisation)
        ? "forbidden"
        : !valid
          ? "invalid"
          : s.sequence === "stale"
            ? "conflict"
            : !rule.from.includes(state.status)
              ? "not_allowed"
              : type === "expire" && at.getTime() <= state.respondBy.getTime()
                ? "too_early"
                : "ok";

    const before = state;
    try {
      const result = applyTransition(state, command, actor, at);
      state = result.state;
      changes.push(result.change);
      states.push(state);
      attempts.push({
        before,
        type,
        party,
        command,
        actor,
        at,
        expected,
        after: state,
        change: result.change,
      });
    } catch (error) {
      attempts.push({ before, type, party, command, actor, at, expected, after: state, error });
    }
  }
  return { changes, attempts, states };
}

/**
 * In "allowed" mode, one of the transitions open to some party, those that keep the referral open
 * weighted three times so that runs get deep (to COMPLETED) as well as end early; otherwise the
 * step's own choice.
 */
function choose(state: ReferralState, s: Step): { type: CommandType; party: Party } {
  if (s.mode === "allowed") {
    const open = PARTIES.flatMap((party) =>
      allowedTransitions(state.status, party).flatMap((t) =>
        Array<{ type: CommandType; party: Party }>(isTerminal(t.to) ? 1 : 3).fill({ type: t.command, party }),
      ),
    );
    const chosen = open[s.pick % Math.max(open.length, 1)];
    if (chosen !== undefined) return chosen;
  }
  return { type: s.type, party: s.party };
}

const params = { numRuns: 400 };

describe("referral lifecycle properties", () => {
  test.prop([scenario], params)("(1) no transition ever leaves a terminal state", (s) => {
    const { attempts } = run(s);
    for (const attempt of attempts) {
      if (!isTerminal(attempt.before.status)) continue;
      expect(attempt.error).toBeInstanceOf(ReferralDomainError);
      expect(attempt.after).toBe(attempt.before);
    }
  });

  test.prop([scenario], params)("(2) sequences never go back and rise by exactly 1 per transition", (s) => {
    const { changes, attempts } = run(s);
    expect(changes.map((change) => change.sequence)).toEqual(changes.map((_, index) => index + 1));
    for (const attempt of attempts) {
      if (attempt.change === undefined) {
        expect(attempt.after.sequence).toBe(attempt.before.sequence);
      } else {
        expect(attempt.after.sequence).toBe(attempt.before.sequence + 1);
        expect(attempt.change.sequence).toBe(attempt.after.sequence);
      }
    }
  });

  test.prop([scenario], params)(
    "(3) every change reaching a terminal state is reported to the referrer",
    (s) => {
      const { changes } = run(s);
      for (const change of changes) {
        expect(change.notifyOrganisationIds).toContain(REFERRER);
        expect(change.notifyOrganisationIds).toContain(change.targetOrganisationId);
      }
      const terminal = changes.filter((change) => isTerminal(change.to));
      expect(terminal.length).toBeLessThanOrEqual(1);
      for (const change of terminal)
        expect(change.notifyOrganisationIds).toContain(change.referrerOrganisationId);
    },
  );

  test.prop([scenario], params)("(4) outcomes are set only on COMPLETED and NOT_COMPLETED", (s) => {
    const { changes, states } = run(s);
    for (const state of states) {
      const carriesOutcome = OUTCOME_STATUSES.includes(state.status);
      expect(state.outcomes.length > 0).toBe(carriesOutcome);
    }
    for (const change of changes) {
      expect(change.outcomes.length > 0).toBe(OUTCOME_STATUSES.includes(change.to));
    }
    const completed = states.find((state) => state.status === TRANSITION_RULES.complete.to);
    expect(completed?.outcomes ?? []).not.toContain(OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED);
  });

  test.prop([scenario], params)("(5) the status always equals the last change's `to`", (s) => {
    const { changes, states } = run(s);
    expect(states.length).toBe(changes.length);
    states.forEach((state, index) => {
      expect(state.status).toBe(changes[index]?.to);
      if (index > 0) expect(changes[index]?.from).toBe(states[index - 1]?.status);
    });
  });

  test.prop([scenario], params)(
    "a command succeeds exactly when the rules allow it, else fails with the named error",
    (s) => {
      const { attempts } = run(s);
      const errorClass = {
        forbidden: TransitionForbiddenError,
        invalid: InvalidTransitionInputError,
        conflict: SequenceConflictError,
        not_allowed: TransitionNotAllowedError,
        too_early: ExpiryBeforeDeadlineError,
      } as const;
      for (const attempt of attempts) {
        if (attempt.expected === "ok") {
          expect(attempt.error).toBeUndefined();
          expect(attempt.change?.to).toBe(TRANSITION_RULES[attempt.type].to);
        } else {
          expect(attempt.error).toBeInstanceOf(errorClass[attempt.expected]);
          if (attempt.expected === "not_allowed")
            expect(attempt.error).not.toBeInstanceOf(ExpiryBeforeDeadlineError);
        }
      }
    },
  );

  it("the generator reaches every status and every kind of refusal (sanity of the runs above)", () => {
    const reached = new Set<ReferralStatus>();
    const outcomes = new Set<Attempt["expected"]>();
    for (const sample of fc.sample(scenario, { numRuns: 400, seed: 20250303 })) {
      const { states, attempts } = run(sample);
      for (const state of states) reached.add(state.status);
      for (const attempt of attempts) outcomes.add(attempt.expected);
    }
    expect([...reached].map(statusName).sort()).toEqual(
      [
        "accepted",
        "cancelled",
        "completed",
        "declined",
        "expired",
        "in progress",
        "not completed",
        "on hold",
        "received",
        "redirected",
        "requested",
      ].sort(),
    );
    expect([...outcomes].sort()).toEqual([
      "conflict",
      "forbidden",
      "invalid",
      "not_allowed",
      "ok",
      "too_early",
    ]);
  });
});
