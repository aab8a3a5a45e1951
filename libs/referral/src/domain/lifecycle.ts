import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  CancelReason,
  DeclineReason,
  NotCompletedReason,
  OnHoldReason,
  OutcomeCode,
  type Priority,
  RedirectReason,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";

import { respondBy } from "./deadlines.js";
import {
  ExpiryBeforeDeadlineError,
  InvalidTransitionInputError,
  MissingReasonError,
  SequenceConflictError,
  TransitionForbiddenError,
  TransitionNotAllowedError,
} from "./errors.js";
import { isTerminal, OUTCOME_STATUSES, statusName } from "./status.js";
import { type CommandType, isCommandType, PARTIES, type Party, TRANSITION_RULES } from "./transitions.js";

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/** Who made a change: the party it acted as, what kind of principal, and for which organisation. */
export interface TransitionActor {
  readonly party: Party;
  readonly kind: ActorKind;
  readonly organisationId: string;
}

/** The reason code of the current status: at most one is set (the one matching the status). */
export interface StatusReasons {
  readonly declineReason: DeclineReason;
  readonly onHoldReason: OnHoldReason;
  readonly notCompletedReason: NotCompletedReason;
  readonly cancelReason: CancelReason;
  readonly redirectReason: RedirectReason;
}

/** The lifecycle state of one referral: ids, codes and timestamps only, no personal data. */
export interface ReferralState extends StatusReasons {
  readonly referralId: string;
  readonly referrerOrganisationId: string;
  readonly targetOrganisationId: string;
  readonly serviceType: ServiceType;
  readonly priority: Priority;
  readonly status: ReferralStatus;
  /** Sequence of the last applied transition: REQUESTED = 1, +1 per transition. */
  readonly sequence: number;
  readonly requestedAt: Date;
  /** Answer deadline: requestedAt + the priority's deadline. */
  readonly respondBy: Date;
  /** When the target acknowledged receipt. */
  readonly receivedAt?: Date | undefined;
  /** When the target first answered (accepted, declined, put on hold or redirected). */
  readonly respondedAt?: Date | undefined;
  readonly startedAt?: Date | undefined;
  /** When a terminal status was reached. */
  readonly closedAt?: Date | undefined;
  /** When the status last changed. */
  readonly updatedAt: Date;
  /** What the person got. Non-empty only when COMPLETED or NOT_COMPLETED; kept apart from status. */
  readonly outcomes: readonly OutcomeCode[];
  /** Referrals made from this one by a transition (the redirect child). */
  readonly childReferralIds: readonly string[];
}

interface CommandBase {
  /** Optimistic concurrency: the sequence the caller last saw. A stale value fails with a conflict. */
  readonly expectedSequence?: number | undefined;
}
export interface ReceiveCommand extends CommandBase {
  readonly type: "receive";
}
export interface AcceptCommand extends CommandBase {
  readonly type: "accept";
}
export interface DeclineCommand extends CommandBase {
  readonly type: "decline";
  readonly declineReason: DeclineReason;
}
export interface HoldCommand extends CommandBase {
  readonly type: "hold";
  readonly onHoldReason: OnHoldReason;
}
export interface StartCommand extends CommandBase {
  readonly type: "start";
}
export interface CompleteCommand extends CommandBase {
  readonly type: "complete";
  /** At least one; OUTCOME_CODE_NO_SERVICE_PROVIDED is not allowed (use notComplete). */
  readonly outcomes: readonly OutcomeCode[];
}
export interface NotCompleteCommand extends CommandBase {
  readonly type: "notComplete";
  readonly notCompletedReason: NotCompletedReason;
  /** What the person got anyway (e.g. SERVICE_PROVIDED_PARTIAL); default [NO_SERVICE_PROVIDED]. */
  readonly outcomes?: readonly OutcomeCode[] | undefined;
}
export interface CancelCommand extends CommandBase {
  readonly type: "cancel";
  readonly cancelReason: CancelReason;
}
export interface RedirectCommand extends CommandBase {
  readonly type: "redirect";
  readonly redirectReason: RedirectReason;
  /** The child referral created for the better-placed partner. */
  readonly childReferralId: string;
}
export interface ExpireCommand extends CommandBase {
  readonly type: "expire";
}

export type TransitionCommand =
  | ReceiveCommand
  | AcceptCommand
  | DeclineCommand
  | HoldCommand
  | StartCommand
  | CompleteCommand
  | NotCompleteCommand
  | CancelCommand
  | RedirectCommand
  | ExpireCommand;

/** One transition, as every party and coordination learn it (maps onto ReferralStatusChanged). */
export interface StatusChange extends StatusReasons {
  readonly referralId: string;
  readonly referrerOrganisationId: string;
  readonly targetOrganisationId: string;
  readonly sequence: number;
  /** UNSPECIFIED for the first change (to REQUESTED). */
  readonly from: ReferralStatus;
  readonly to: ReferralStatus;
  readonly at: Date;
  readonly actor: TransitionActor;
  /** Set only on changes to COMPLETED / NOT_COMPLETED. */
  readonly outcomes: readonly OutcomeCode[];
  /** Set only on a change to REDIRECTED. */
  readonly childReferralId: string | undefined;
  /**
   * Organisations that must learn of this change: always the referrer, and the target (the status
   * subject is `…status.<referrer>.<target>`). One entry when an organisation refers to itself.
   */
  readonly notifyOrganisationIds: readonly string[];
}

export interface TransitionResult {
  readonly state: ReferralState;
  readonly change: StatusChange;
}

export interface NewReferralInput {
  readonly referralId: string;
  readonly referrerOrganisationId: string;
  readonly targetOrganisationId: string;
  readonly serviceType: ServiceType;
  readonly priority: Priority;
  readonly requestedAt: Date;
  /** Must act as the referrer, for the referrer organisation. */
  readonly actor: TransitionActor;
}

// ---------------------------------------------------------------------------------------------
// Command fields: which command takes which field, and the field's wire name for errors.
// ---------------------------------------------------------------------------------------------

const FIELD_WIRE_NAMES = {
  declineReason: "decline_reason",
  onHoldReason: "on_hold_reason",
  notCompletedReason: "not_completed_reason",
  cancelReason: "cancel_reason",
  redirectReason: "redirect_reason",
  outcomes: "outcome_codes",
  childReferralId: "child_referral_id",
} as const;
type CommandField = keyof typeof FIELD_WIRE_NAMES;

const COMMAND_FIELDS: Readonly<Record<CommandType, readonly CommandField[]>> = {
  receive: [],
  accept: [],
  decline: ["declineReason"],
  hold: ["onHoldReason"],
  start: [],
  complete: ["outcomes"],
  notComplete: ["notCompletedReason", "outcomes"],
  cancel: ["cancelReason"],
  redirect: ["redirectReason", "childReferralId"],
  expire: [],
};

const BASE_FIELDS = new Set(["type", "expectedSequence"]);

const NO_REASONS: StatusReasons = Object.freeze({
  declineReason: DeclineReason.DECLINE_REASON_UNSPECIFIED,
  onHoldReason: OnHoldReason.ON_HOLD_REASON_UNSPECIFIED,
  notCompletedReason: NotCompletedReason.NOT_COMPLETED_REASON_UNSPECIFIED,
  cancelReason: CancelReason.CANCEL_REASON_UNSPECIFIED,
  redirectReason: RedirectReason.REDIRECT_REASON_UNSPECIFIED,
});

/** Whether `value` is a real code of a ts-proto numeric enum (not UNSPECIFIED, not UNRECOGNIZED). */
function isCode(enumObject: Record<string | number, string | number>, value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value > 0 && value in enumObject;
}

const S = ReferralStatus;

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

function assertActor(actor: TransitionActor): void {
  if (!PARTIES.includes(actor.party)) {
    throw new InvalidTransitionInputError("actor.party", `actor party ${String(actor.party)} is not known`);
  }
  if (!isCode(ActorKind, actor.kind)) {
    throw new InvalidTransitionInputError("actor.kind", "actor kind is required");
  }
  if (typeof actor.organisationId !== "string" || actor.organisationId.trim() === "") {
    throw new InvalidTransitionInputError("actor.organisation_id", "actor organisation_id is required");
  }
}

function assertValidTime(at: Date, field: string): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new InvalidTransitionInputError(field, `${field} is not a valid time`);
  }
}

function partyList(parties: readonly Party[]): string {
  return parties.map((party) => `the ${party}`).join(" or ");
}

/** The actor may act as its party on this referral, and the party may issue the command. */
function assertPermitted(
  state: Pick<ReferralState, "referrerOrganisationId" | "targetOrganisationId">,
  actor: TransitionActor,
  command: CommandType | "create" | "reportOutcome",
  allowed: readonly Party[],
  verb: string,
): void {
  if (!allowed.includes(actor.party)) {
    throw new TransitionForbiddenError(
      actor.party,
      command,
      `a referral can be ${verb} only by ${partyList(allowed)}, not by the ${actor.party}`,
    );
  }
  if (actor.party === "system" && actor.kind !== ActorKind.ACTOR_KIND_SYSTEM) {
    throw new TransitionForbiddenError(
      actor.party,
      command,
      "only Köprü itself (actor kind SYSTEM) may act as the system; staff and partner clients may not",
    );
  }
  if (actor.party === "referrer" && actor.organisationId !== state.referrerOrganisationId) {
    throw new TransitionForbiddenError(
      actor.party,
      command,
      `organisation ${actor.organisationId} is not the referrer of this referral`,
    );
  }
  if (actor.party === "target" && actor.organisationId !== state.targetOrganisationId) {
    throw new TransitionForbiddenError(
      actor.party,
      command,
      `organisation ${actor.organisationId} is not the target of this referral`,
    );
  }
}

/** Fields a command carries that it does not take are refused, naming the field. */
function assertOnlyOwnFields(command: TransitionCommand, verb: string): void {
  const own = COMMAND_FIELDS[command.type];
  for (const [key, value] of Object.entries(command)) {
    if (value === undefined || BASE_FIELDS.has(key) || (own as readonly string[]).includes(key)) continue;
    const wire = (FIELD_WIRE_NAMES as Record<string, string>)[key];
    throw new InvalidTransitionInputError(
      wire ?? key,
      wire === undefined
        ? `${key} is not a field of a referral command`
        : `${wire} does not apply when a referral is ${verb}`,
    );
  }
}

function requireReason(
  enumObject: Record<string | number, string | number>,
  value: unknown,
  field: string,
  verb: string,
) {
  if (value === undefined || value === 0) {
    throw new MissingReasonError(field, `${field} is required when a referral is ${verb}`);
  }
  if (!isCode(enumObject, value)) {
    throw new MissingReasonError(field, `${field} ${String(value)} is not a known code`);
  }
}

/** Deduplicated, sorted copy: outcome codes are a set. */
function outcomeSet(outcomes: readonly OutcomeCode[]): OutcomeCode[] {
  return [...new Set(outcomes)].sort((a, b) => a - b);
}

function assertOutcomeCodes(outcomes: unknown): asserts outcomes is readonly OutcomeCode[] {
  if (!Array.isArray(outcomes)) {
    throw new InvalidTransitionInputError("outcome_codes", "outcome_codes must be a list of outcome codes");
  }
  for (const code of outcomes) {
    if (!isCode(OutcomeCode, code)) {
      throw new InvalidTransitionInputError(
        "outcome_codes",
        `outcome code ${String(code)} is not a known code`,
      );
    }
  }
}

/** Outcomes of a completed referral: at least one, and NO_SERVICE_PROVIDED has no place there. */
function completedOutcomes(outcomes: unknown): OutcomeCode[] {
  if (outcomes === undefined || (Array.isArray(outcomes) && outcomes.length === 0)) {
    throw new MissingReasonError(
      "outcome_codes",
      "outcome_codes must hold at least one outcome code when a referral is completed",
    );
  }
  assertOutcomeCodes(outcomes);
  if (outcomes.includes(OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED)) {
    throw new InvalidTransitionInputError(
      "outcome_codes",
      "a completed referral cannot have the outcome no service provided; close it as not completed instead",
    );
  }
  return outcomeSet(outcomes);
}

/** Outcomes of a referral not completed: default [NO_SERVICE_PROVIDED]; that code only alone. */
function notCompletedOutcomes(outcomes: unknown): OutcomeCode[] {
  if (outcomes === undefined || (Array.isArray(outcomes) && outcomes.length === 0)) {
    return [OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED];
  }
  assertOutcomeCodes(outcomes);
  const set = outcomeSet(outcomes);
  if (set.length > 1 && set.includes(OutcomeCode.OUTCOME_CODE_NO_SERVICE_PROVIDED)) {
    throw new InvalidTransitionInputError(
      "outcome_codes",
      "no service provided cannot be combined with other outcome codes",
    );
  }
  return set;
}

interface CheckedInputs {
  readonly reasons: StatusReasons;
  readonly outcomes: readonly OutcomeCode[];
  readonly childReferralId: string | undefined;
}

/** Validates the command's own fields (independent of the referral's state) and normalises them. */
function checkInputs(state: ReferralState, command: TransitionCommand, verb: string): CheckedInputs {
  assertOnlyOwnFields(command, verb);
  const expected = command.expectedSequence;
  if (expected !== undefined && !(Number.isSafeInteger(expected) && expected >= 1)) {
    throw new InvalidTransitionInputError(
      "expected_sequence",
      `expected_sequence must be a whole number from 1, not ${String(expected)}`,
    );
  }
  const none = { reasons: NO_REASONS, outcomes: [], childReferralId: undefined };
  switch (command.type) {
    case "receive":
    case "accept":
    case "start":
    case "expire":
      return none;
    case "decline":
      requireReason(DeclineReason, command.declineReason, "decline_reason", verb);
      return { ...none, reasons: { ...NO_REASONS, declineReason: command.declineReason } };
    case "hold":
      requireReason(OnHoldReason, command.onHoldReason, "on_hold_reason", verb);
      return { ...none, reasons: { ...NO_REASONS, onHoldReason: command.onHoldReason } };
    case "cancel":
      requireReason(CancelReason, command.cancelReason, "cancel_reason", verb);
      return { ...none, reasons: { ...NO_REASONS, cancelReason: command.cancelReason } };
    case "complete":
      return { ...none, outcomes: completedOutcomes(command.outcomes) };
    case "notComplete":
      requireReason(NotCompletedReason, command.notCompletedReason, "not_completed_reason", verb);
      return {
        ...none,
        reasons: { ...NO_REASONS, notCompletedReason: command.notCompletedReason },
        outcomes: notCompletedOutcomes(command.outcomes),
      };
    case "redirect": {
      requireReason(RedirectReason, command.redirectReason, "redirect_reason", verb);
      const child = command.childReferralId;
      if (typeof child !== "string" || child.trim() === "") {
        throw new MissingReasonError(
          "child_referral_id",
          "child_referral_id is required when a referral is redirected",
        );
      }
      if (child === state.referralId) {
        throw new InvalidTransitionInputError(
          "child_referral_id",
          "a referral cannot be redirected to itself",
        );
      }
      return {
        ...none,
        reasons: { ...NO_REASONS, redirectReason: command.redirectReason },
        childReferralId: child,
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

/** How far along the lifecycle a status is, to say "already" or "before it is" in messages. */
function progress(status: ReferralStatus): number {
  switch (status) {
    case S.REFERRAL_STATUS_REQUESTED:
      return 1;
    case S.REFERRAL_STATUS_RECEIVED:
      return 2;
    case S.REFERRAL_STATUS_ON_HOLD:
      return 3;
    case S.REFERRAL_STATUS_ACCEPTED:
      return 4;
    case S.REFERRAL_STATUS_IN_PROGRESS:
      return 5;
    default:
      return isTerminal(status) ? 6 : 0;
  }
}

function notAllowed(from: ReferralStatus, command: CommandType): TransitionNotAllowedError {
  const rule = TRANSITION_RULES[command];
  const furthest = Math.max(...rule.from.map(progress));
  const message =
    progress(from) > furthest
      ? `referral is already ${statusName(from)}; it cannot be ${rule.verb}`
      : `referral is ${statusName(from)}; it cannot be ${rule.verb} before it is ${rule.from.map(statusName).join(" or ")}`;
  return new TransitionNotAllowedError(from, command, rule.to, message);
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

function notifyList(referrerOrganisationId: string, targetOrganisationId: string): string[] {
  return referrerOrganisationId === targetOrganisationId
    ? [referrerOrganisationId]
    : [referrerOrganisationId, targetOrganisationId];
}

function copyActor(actor: TransitionActor): TransitionActor {
  return { party: actor.party, kind: actor.kind, organisationId: actor.organisationId };
}

/**
 * Starts a referral: the state at REQUESTED, sequence 1, with its first StatusChange (from UNSPECIFIED).
 * The actor must be the referrer acting for the referrer organisation.
 */
export function newReferralState(input: NewReferralInput): TransitionResult {
  for (const [field, value] of [
    ["referral_id", input.referralId],
    ["referrer_organisation_id", input.referrerOrganisationId],
    ["target_organisation_id", input.targetOrganisationId],
  ] as const) {
    if (typeof value !== "string" || value.trim() === "") {
      throw new InvalidTransitionInputError(field, `${field} is required`);
    }
  }
  if (!isCode(ServiceType, input.serviceType)) {
    throw new InvalidTransitionInputError("service_type", "service_type is required");
  }
  assertValidTime(input.requestedAt, "requested_at");
  assertActor(input.actor);
  assertPermitted(input, input.actor, "create", ["referrer"], "requested");
  const deadline = respondBy(input.priority, input.requestedAt);
  const at = new Date(input.requestedAt.getTime());

  const state: ReferralState = {
    referralId: input.referralId,
    referrerOrganisationId: input.referrerOrganisationId,
    targetOrganisationId: input.targetOrganisationId,
    serviceType: input.serviceType,
    priority: input.priority,
    status: S.REFERRAL_STATUS_REQUESTED,
    sequence: 1,
    requestedAt: at,
    respondBy: deadline,
    updatedAt: at,
    outcomes: [],
    childReferralIds: [],
    ...NO_REASONS,
  };
  const change: StatusChange = {
    referralId: state.referralId,
    referrerOrganisationId: state.referrerOrganisationId,
    targetOrganisationId: state.targetOrganisationId,
    sequence: 1,
    from: S.REFERRAL_STATUS_UNSPECIFIED,
    to: S.REFERRAL_STATUS_REQUESTED,
    at,
    actor: copyActor(input.actor),
    ...NO_REASONS,
    outcomes: [],
    childReferralId: undefined,
    notifyOrganisationIds: notifyList(state.referrerOrganisationId, state.targetOrganisationId),
  };
  return { state, change };
}

/**
 * Applies one command to a referral. Checks, in order: the actor is well-formed; its party may issue the
 * command for this referral's organisations (TransitionForbiddenError); the command's own fields
 * (MissingReasonError / InvalidTransitionInputError); `expectedSequence` (SequenceConflictError); the
 * lifecycle table (TransitionNotAllowedError) and, for `expire`, that the deadline has passed
 * (ExpiryBeforeDeadlineError). Returns the next state (a new object) and its StatusChange.
 */
export function applyTransition(
  state: ReferralState,
  command: TransitionCommand,
  actor: TransitionActor,
  at: Date,
): TransitionResult {
  assertActor(actor);
  const type: unknown = (command as { readonly type?: unknown } | undefined)?.type;
  if (!isCommandType(type)) {
    throw new InvalidTransitionInputError("type", `${String(type)} is not a referral command`);
  }
  const rule = TRANSITION_RULES[command.type];
  assertPermitted(state, actor, command.type, rule.parties, rule.verb);
  const inputs = checkInputs(state, command, rule.verb);
  assertValidTime(at, "occurred_at");

  if (command.expectedSequence !== undefined && command.expectedSequence !== state.sequence) {
    throw new SequenceConflictError(
      command.expectedSequence,
      state.sequence,
      state.status,
      statusName(state.status),
    );
  }
  if (!rule.from.includes(state.status)) {
    throw notAllowed(state.status, command.type);
  }
  if (command.type === "expire" && at.getTime() <= state.respondBy.getTime()) {
    throw new ExpiryBeforeDeadlineError(state.status, rule.to, state.respondBy, at);
  }

  const to = rule.to;
  const when = new Date(at.getTime());
  const answers =
    command.type === "accept" ||
    command.type === "decline" ||
    command.type === "hold" ||
    command.type === "redirect";
  const sequence = state.sequence + 1;
  const next: ReferralState = {
    ...state,
    ...inputs.reasons,
    status: to,
    sequence,
    updatedAt: when,
    receivedAt: command.type === "receive" ? when : state.receivedAt,
    respondedAt: answers ? (state.respondedAt ?? when) : state.respondedAt,
    startedAt: command.type === "start" ? when : state.startedAt,
    closedAt: isTerminal(to) ? when : state.closedAt,
    outcomes: OUTCOME_STATUSES.includes(to) ? inputs.outcomes : [],
    childReferralIds:
      inputs.childReferralId === undefined || state.childReferralIds.includes(inputs.childReferralId)
        ? [...state.childReferralIds]
        : [...state.childReferralIds, inputs.childReferralId],
  };
  const change: StatusChange = {
    referralId: state.referralId,
    referrerOrganisationId: state.referrerOrganisationId,
    targetOrganisationId: state.targetOrganisationId,
    sequence,
    from: state.status,
    to,
    at: when,
    actor: copyActor(actor),
    ...inputs.reasons,
    outcomes: [...next.outcomes],
    childReferralId: inputs.childReferralId,
    notifyOrganisationIds: notifyList(state.referrerOrganisationId, state.targetOrganisationId),
  };
  return { state: next, change };
}

/**
 * Whether `command` was already applied to this referral, so a retry can return the current referral
 * instead of failing (the inbox contract makes transitions idempotent). Only an identical repeat
 * counts: same resulting status and same codes. `receive` counts as applied once the referral has been
 * received at all. Call it before `applyTransition`; it never throws.
 */
export function isRepeatedCommand(state: ReferralState, command: TransitionCommand): boolean {
  if (!isCommandType((command as { readonly type?: unknown } | undefined)?.type)) return false;
  if (command.type === "receive") return state.receivedAt !== undefined;
  if (state.status !== TRANSITION_RULES[command.type].to) return false;
  const sameSet = (a: readonly OutcomeCode[], b: readonly OutcomeCode[]) => {
    const x = outcomeSet(a);
    const y = outcomeSet(b);
    return x.length === y.length && x.every((code, i) => code === y[i]);
  };
  switch (command.type) {
    case "decline":
      return state.declineReason === command.declineReason;
    case "hold":
      return state.onHoldReason === command.onHoldReason;
    case "cancel":
      return state.cancelReason === command.cancelReason;
    case "redirect":
      return (
        state.redirectReason === command.redirectReason &&
        state.childReferralIds.includes(command.childReferralId)
      );
    case "complete":
      return Array.isArray(command.outcomes) && sameSet(state.outcomes, command.outcomes);
    case "notComplete":
      return (
        state.notCompletedReason === command.notCompletedReason &&
        (command.outcomes === undefined ||
          command.outcomes.length === 0 ||
          sameSet(state.outcomes, command.outcomes))
      );
    default:
      return true;
  }
}

/**
 * Replaces the outcome codes of a closed referral without a status change (ReportOutcome, e.g.
 * COURSE_COMPLETED after ENROLLED_IN_COURSE). Only the target, only when COMPLETED or NOT_COMPLETED,
 * with the same code rules as the transition that closed it. The sequence does not change.
 */
export function reportOutcome(
  state: ReferralState,
  outcomes: readonly OutcomeCode[],
  actor: TransitionActor,
): ReferralState {
  assertActor(actor);
  assertPermitted(state, actor, "reportOutcome", ["target"], "given an outcome");
  if (state.status === S.REFERRAL_STATUS_COMPLETED) {
    return { ...state, outcomes: completedOutcomes(outcomes) };
  }
  if (state.status === S.REFERRAL_STATUS_NOT_COMPLETED) {
    if (outcomes.length === 0) {
      throw new MissingReasonError(
        "outcome_codes",
        "outcome_codes must hold at least one outcome code to report an outcome",
      );
    }
    return { ...state, outcomes: notCompletedOutcomes(outcomes) };
  }
  throw new TransitionNotAllowedError(
    state.status,
    "reportOutcome",
    undefined,
    `referral is ${statusName(state.status)}; its outcome can be reported only once it is completed or not completed`,
  );
}
