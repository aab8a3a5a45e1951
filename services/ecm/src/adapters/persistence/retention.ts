// The personal data ECM holds, by purpose, and when each purpose ends (ADR 0026).
import { sentEventsClass } from "@kopru/bus";
import { closedCasesClass } from "@kopru/casework";
import { STREAMS } from "@kopru/events";
import { receivingReferralClasses } from "@kopru/referral";
import type { DataClass } from "@kopru/retention";
import { eraseEcmPerson } from "./erasure.js";

/** A closed ECM case with its assessments and assistance items. */
export const ecmClosedCasesClass = closedCasesClass({
  cases: "ecm_cases",
  caseReferrals: "ecm_case_referrals",
  erase: eraseEcmPerson,
  defaultPeriodDays: 1825,
  description: "a closed ECM case with its assessments and assistance items, from the day it closed",
  reason:
    "cash and in-kind assistance is audited by donors up to five years after the grant; who received what is " +
    "part of that audit",
});

export const ECM_RETENTION_CLASSES: readonly DataClass[] = [
  ecmClosedCasesClass,
  ...receivingReferralClasses,
  // The outbox copies of published events, personal data included.
  sentEventsClass([STREAMS.referral, STREAMS.consent]),
];
