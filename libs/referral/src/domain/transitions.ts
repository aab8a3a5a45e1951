import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";

/**
 * Who acts on a referral. `referrer`: the organisation that made it. `target`: the receiving
 * organisation's staff or its service. `system`: Köprü itself (the deadline watcher, automatic receipt).
 */
export type Party = "referrer" | "target" | "system";

export const PARTIES: readonly Party[] = Object.freeze(["referrer", "target", "system"]);

/** The lifecycle commands; each leads to exactly one status. */
export type CommandType =
  | "receive"
  | "accept"
  | "decline"
  | "hold"
  | "start"
  | "complete"
  | "notComplete"
  | "cancel"
  | "redirect"
  | "expire";

/** One row of the lifecycle: what a command does, from where, and who may issue it. */
export interface TransitionRule {
  readonly to: ReferralStatus;
  readonly from: readonly ReferralStatus[];
  readonly parties: readonly Party[];
  /** Past participle for messages: "it cannot be <verb>". */
  readonly verb: string;
}

const S = ReferralStatus;

/**
 * THE referral lifecycle, the only place it is written down. Every service applies it through
 * `applyTransition`; the proto enum deliberately does not encode it.
 */
export const TRANSITION_RULES: Readonly<Record<CommandType, TransitionRule>> = Object.freeze({
  receive: {
    to: S.REFERRAL_STATUS_RECEIVED,
    from: [S.REFERRAL_STATUS_REQUESTED],
    parties: ["target", "system"],
    verb: "received",
  },
  accept: {
    to: S.REFERRAL_STATUS_ACCEPTED,
    from: [S.REFERRAL_STATUS_RECEIVED, S.REFERRAL_STATUS_ON_HOLD],
    parties: ["target"],
    verb: "accepted",
  },
  decline: {
    to: S.REFERRAL_STATUS_DECLINED,
    from: [S.REFERRAL_STATUS_RECEIVED, S.REFERRAL_STATUS_ON_HOLD],
    parties: ["target"],
    verb: "declined",
  },
  hold: {
    to: S.REFERRAL_STATUS_ON_HOLD,
    from: [S.REFERRAL_STATUS_RECEIVED],
    parties: ["target"],
    verb: "put on hold",
  },
  redirect: {
    to: S.REFERRAL_STATUS_REDIRECTED,
    from: [S.REFERRAL_STATUS_RECEIVED, S.REFERRAL_STATUS_ON_HOLD],
    parties: ["target"],
    verb: "redirected",
  },
  start: {
    to: S.REFERRAL_STATUS_IN_PROGRESS,
    from: [S.REFERRAL_STATUS_ACCEPTED],
    parties: ["target"],
    verb: "started",
  },
  complete: {
    to: S.REFERRAL_STATUS_COMPLETED,
    from: [S.REFERRAL_STATUS_IN_PROGRESS],
    parties: ["target"],
    verb: "completed",
  },
  notComplete: {
    to: S.REFERRAL_STATUS_NOT_COMPLETED,
    from: [S.REFERRAL_STATUS_ACCEPTED, S.REFERRAL_STATUS_IN_PROGRESS],
    parties: ["target"],
    verb: "closed as not completed",
  },
  cancel: {
    to: S.REFERRAL_STATUS_CANCELLED,
    from: [
      S.REFERRAL_STATUS_REQUESTED,
      S.REFERRAL_STATUS_RECEIVED,
      S.REFERRAL_STATUS_ON_HOLD,
      S.REFERRAL_STATUS_ACCEPTED,
      S.REFERRAL_STATUS_IN_PROGRESS,
    ],
    // The system: Köprü at the target, when the consent was withdrawn or expired.
    parties: ["referrer", "system"],
    verb: "cancelled",
  },
  expire: {
    to: S.REFERRAL_STATUS_EXPIRED,
    from: [S.REFERRAL_STATUS_REQUESTED, S.REFERRAL_STATUS_RECEIVED],
    parties: ["system"],
    verb: "expired",
  },
} satisfies Record<CommandType, TransitionRule>);

export const COMMAND_TYPES: readonly CommandType[] = Object.freeze(
  Object.keys(TRANSITION_RULES) as CommandType[],
);

export function isCommandType(value: unknown): value is CommandType {
  return typeof value === "string" && Object.hasOwn(TRANSITION_RULES, value);
}

/** A transition open to a party from a status. */
export interface AllowedTransition {
  readonly command: CommandType;
  readonly to: ReferralStatus;
}

/** What `party` may do to a referral in `status` (empty for a terminal status). */
export function allowedTransitions(status: ReferralStatus, party: Party): AllowedTransition[] {
  return COMMAND_TYPES.filter((command) => {
    const rule = TRANSITION_RULES[command];
    return rule.from.includes(status) && rule.parties.includes(party);
  }).map((command) => ({ command, to: TRANSITION_RULES[command].to }));
}

/** Whether the lifecycle has an edge from → to (by anyone). */
export function canTransition(from: ReferralStatus, to: ReferralStatus): boolean {
  return COMMAND_TYPES.some((command) => {
    const rule = TRANSITION_RULES[command];
    return rule.to === to && rule.from.includes(from);
  });
}
