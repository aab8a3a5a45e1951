// The personal data protection holds, by purpose, and when each purpose ends (ADR 0026).
import { sentEventsClass } from "@kopru/bus";
import { closedCasesClass } from "@kopru/casework";
import { STREAMS } from "@kopru/events";
import { receivingReferralClasses } from "@kopru/referral";
import type { DataClass } from "@kopru/retention";
import { eraseProtectionPerson } from "./erasure.js";

/** A closed protection case with its risk assessments, safety plans and their actions. */
export const protectionClosedCasesClass = closedCasesClass({
  cases: "protection_cases",
  caseReferrals: "protection_case_referrals",
  erase: eraseProtectionPerson,
  defaultPeriodDays: 1095,
  description: "a closed protection case with its risk assessments and safety plans, from the day it closed",
  reason:
    "survivors and children at risk often come back: case management guidance keeps a closed protection case " +
    "about three years so a returning person is not asked to tell their story again; GBV and child-protection " +
    "cases are the most sensitive data in the network, so not longer",
});

export const PROTECTION_RETENTION_CLASSES: readonly DataClass[] = [
  protectionClosedCasesClass,
  ...receivingReferralClasses,
  // The outbox copies of published events, personal data included.
  sentEventsClass([STREAMS.referral, STREAMS.consent]),
];
