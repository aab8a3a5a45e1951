// The personal data a municipality's MMCCs hold, by purpose, and when each purpose ends (ADR 0026).
import { sentEventsClass } from "@kopru/bus";
import { closedCasesClass } from "@kopru/casework";
import { STREAMS } from "@kopru/events";
import { receivingReferralClasses } from "@kopru/referral";
import type { DataClass } from "@kopru/retention";
import { eraseMunicipalityPerson } from "./erasure.js";

/** A closed MMCC case with its counselling sessions and direct assistance. */
export const municipalityClosedCasesClass = closedCasesClass({
  cases: "municipality_cases",
  caseReferrals: "municipality_case_referrals",
  erase: eraseMunicipalityPerson,
  defaultPeriodDays: 730,
  description:
    "a closed MMCC case with its counselling sessions and direct assistance, from the day it closed",
  reason:
    "people come back to the same MMCC for new needs; two years let a counsellor see the earlier sessions, " +
    "and cover the municipality's yearly assistance reporting",
});

export const MUNICIPALITY_RETENTION_CLASSES: readonly DataClass[] = [
  municipalityClosedCasesClass,
  ...receivingReferralClasses,
  // The outbox copies of published events, personal data included.
  sentEventsClass([STREAMS.referral, STREAMS.consent]),
];
