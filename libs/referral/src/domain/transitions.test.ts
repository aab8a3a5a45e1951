import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { describe, expect, it } from "vitest";

import { isTerminal, statusName, TERMINAL_STATUSES } from "./status.js";
import {
  allowedTransitions,
  COMMAND_TYPES,
  canTransition,
  PARTIES,
  TRANSITION_RULES,
} from "./transitions.js";

// The lifecycle as the design decision states it, written out independently of TRANSITION_RULES:
// "<from> <command> <to> <parties>".
const SPEC = `
requested   receive      received       target,system
received    accept       accepted       target
received    decline      declined       target
received    hold         on_hold        target
received    redirect     redirected     target
on_hold     accept       accepted       target
on_hold     decline      declined       target
on_hold     redirect     redirected     target
accepted    start        in_progress    target
accepted    notComplete  not_completed  target
in_progress complete     completed      target
in_progress notComplete  not_completed  target
requested   cancel       cancelled      referrer,system
received    cancel       cancelled      referrer,system
on_hold     cancel       cancelled      referrer,system
accepted    cancel       cancelled      referrer,system
in_progress cancel       cancelled      referrer,system
requested   expire       expired        system
received    expire       expired        system
`;

const STATUSES = Object.values(ReferralStatus).filter(
  (value): value is ReferralStatus => typeof value === "number" && value !== ReferralStatus.UNRECOGNIZED,
);
const byName = (name: string) => {
  const status = STATUSES.find((candidate) => statusName(candidate) === name.replaceAll("_", " "));
  if (status === undefined) throw new Error(`unknown status ${name}`);
  return status;
};
const allowed = new Set(
  SPEC.trim()
    .split("\n")
    .flatMap((line) => {
      const [from, command, to, parties] = line.trim().split(/\s+/);
      return (parties ?? "")
        .split(",")
        .map((party) => `${byName(from ?? "")}|${command}|${party}|${byName(to ?? "")}`);
    }),
);

describe("the lifecycle table", () => {
  const cases = STATUSES.flatMap((status) =>
    COMMAND_TYPES.flatMap((command) =>
      PARTIES.map((party) => [statusName(status), command, party, status] as const),
    ),
  );

  it.each(cases)("%s: %s by the %s", (_, command, party, status) => {
    const rule = TRANSITION_RULES[command];
    const permitted = allowedTransitions(status, party).find((transition) => transition.command === command);
    const expected = allowed.has(`${status}|${command}|${party}|${rule.to}`);
    expect(permitted !== undefined).toBe(expected);
    if (permitted !== undefined) expect(permitted.to).toBe(rule.to);
  });

  it("has exactly the edges of the design, no more", () => {
    const edges = new Set(
      STATUSES.flatMap((status) =>
        PARTIES.flatMap((party) =>
          allowedTransitions(status, party).map(({ command, to }) => `${status}|${command}|${party}|${to}`),
        ),
      ),
    );
    expect([...edges].sort()).toEqual([...allowed].sort());
  });

  it("has six terminal statuses, none with a way out", () => {
    expect(TERMINAL_STATUSES.map(statusName).sort()).toEqual(
      ["cancelled", "completed", "declined", "expired", "not completed", "redirected"].sort(),
    );
    for (const status of STATUSES) {
      const exits = PARTIES.flatMap((party) => allowedTransitions(status, party));
      if (isTerminal(status)) expect(exits).toEqual([]);
    }
  });

  it("answers whether an edge exists between two statuses", () => {
    expect(
      canTransition(ReferralStatus.REFERRAL_STATUS_ON_HOLD, ReferralStatus.REFERRAL_STATUS_ACCEPTED),
    ).toBe(true);
    expect(
      canTransition(ReferralStatus.REFERRAL_STATUS_REQUESTED, ReferralStatus.REFERRAL_STATUS_ACCEPTED),
    ).toBe(false);
    expect(
      canTransition(ReferralStatus.REFERRAL_STATUS_ACCEPTED, ReferralStatus.REFERRAL_STATUS_EXPIRED),
    ).toBe(false);
  });
});
