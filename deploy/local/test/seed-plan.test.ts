import { createHash } from "node:crypto";
import { ReferralStatus, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { CapacityStatus } from "@kopru/contracts/coordination/v1/directory";
import { dataContractFor, TRANSITION_RULES } from "@kopru/referral/domain";
import { describe, expect, it } from "vitest";
import { OFFERINGS, offeringId, organisationKind } from "../src/network.js";
import {
  DEFAULT_REFERRAL_COUNT,
  FINAL_STATE_SHARES,
  finalStateCounts,
  INTAKE_HELD_CATEGORIES,
  ONWARD_CHAINS,
  type PlannedReferral,
  planSeed,
  SEEDED_SERVICE_WEIGHTS,
  type Step,
  SYNTHETIC,
  serviceTypesOf,
  statusAfter,
} from "../src/seed-plan.js";

const NOW = new Date("2026-11-25T12:00:00Z");
const plan = planSeed({ now: NOW });

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** Every (organisation, steps) a plan touches: the first referral, redirect children, onward referrals. */
function legs(p: PlannedReferral): { target: string; steps: Step[] }[] {
  const first = p.routing.kind === "explicit" ? p.routing.organisationId : p.routing.expectedTarget;
  const out = [{ target: first, steps: p.steps }];
  const walk = (steps: readonly Step[]) => {
    for (const s of steps) {
      if (s.do === "redirect" || s.do === "onward") {
        out.push({ target: s.to, steps: s.childSteps });
        walk(s.childSteps);
      }
    }
  };
  walk(p.steps);
  return out;
}

describe("demo seed plan", () => {
  it("is the same for the same seed, and different for another seed", () => {
    expect(planSeed({ now: NOW })).toEqual(plan);
    expect(planSeed({ now: NOW, seed: 7 })).not.toEqual(plan);
  });

  it("has a few hundred referrals spread over every state, in exact proportions", () => {
    expect(plan).toHaveLength(DEFAULT_REFERRAL_COUNT);
    expect(countBy(plan, (p) => p.finalState)).toEqual({
      completed_with_onward: ONWARD_CHAINS,
      ...finalStateCounts(DEFAULT_REFERRAL_COUNT - ONWARD_CHAINS),
    });
    expect(finalStateCounts(296)).toEqual({
      received: 24,
      expired: 24,
      accepted: 29,
      in_progress: 35,
      completed: 65,
      not_completed: 18,
      declined: 29,
      on_hold: 24,
      cancelled: 24,
      redirected: 24,
    });
    for (const n of [1, 17, 296, 1000]) {
      expect(Object.values(finalStateCounts(n)).reduce((a, b) => a + b, 0)).toBe(n);
    }
    expect(Object.values(FINAL_STATE_SHARES).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
  });

  it("pins the plan of the fixed seed (a changed plan, or a faker upgrade, shows here)", () => {
    expect(
      plan
        .slice(4, 10)
        .map((p) => [
          p.key,
          p.referrer,
          ServiceType[p.serviceType],
          p.finalState,
          p.person.nationality,
          p.person.provinceCode,
        ]),
    ).toMatchInlineSnapshot(`
      [
        [
          "s2026-r005",
          "ngo-umut",
          "SERVICE_TYPE_MMCC_INFORMATION_ORIENTATION",
          "declined",
          "SY",
          "TUR033",
        ],
        [
          "s2026-r006",
          "ngo-hayat",
          "SERVICE_TYPE_PSYCHOLOGICAL_FIRST_AID",
          "completed",
          "IR",
          "TUR079",
        ],
        [
          "s2026-r007",
          "ngo-hayat",
          "SERVICE_TYPE_ECM_FOOD",
          "redirected",
          "SY",
          "TUR027",
        ],
        [
          "s2026-r008",
          "ngo-kopru-relief",
          "SERVICE_TYPE_ECM_CASH",
          "declined",
          "SY",
          "TUR033",
        ],
        [
          "s2026-r009",
          "ngo-hayat",
          "SERVICE_TYPE_LEGAL_COUNSELLING",
          "on_hold",
          "SY",
          "TUR063",
        ],
        [
          "s2026-r010",
          "ngo-hayat",
          "SERVICE_TYPE_LEGAL_COUNSELLING",
          "accepted",
          "SY",
          "TUR063",
        ],
      ]
    `);
    expect(
      createHash("sha256").update(JSON.stringify(plan)).digest("hex").slice(0, 16),
    ).toMatchInlineSnapshot(`"ef598e39bf75cd37"`);
  });

  it("marks every person as clearly synthetic", () => {
    const phones = new Set<string>();
    for (const { person, screening, reason } of plan) {
      expect(person.preferredName).toBe(SYNTHETIC.preferredName);
      expect(person.familyName.endsWith(SYNTHETIC.familyNameSuffix)).toBe(true);
      expect(person.phoneNumber).toMatch(/^\+90555000\d{4}$/);
      expect(screening.summary.startsWith(SYNTHETIC.summaryPrefix)).toBe(true);
      expect(reason).toMatch(/^DEMO/);
      phones.add(person.phoneNumber);
    }
    expect(phones.size).toBe(plan.length);
  });

  it("only seeds service types whose required data intake actually collects", () => {
    const held = new Set(INTAKE_HELD_CATEGORIES);
    for (const { value } of SEEDED_SERVICE_WEIGHTS) {
      expect(dataContractFor(value).required.filter((c) => !held.has(c))).toEqual([]);
    }
    for (const p of plan)
      for (const type of serviceTypesOf(p)) {
        expect(dataContractFor(type).required.filter((c) => !held.has(c))).toEqual([]);
      }
  });

  it("records consent that covers every target, purpose and required category of the chain", () => {
    for (const p of plan) {
      for (const { target } of legs(p)) expect(p.consent.partnerKinds).toContain(organisationKind(target));
      expect(p.consent.purposes).toContain(p.purpose);
      for (const type of serviceTypesOf(p)) {
        for (const category of dataContractFor(type).required)
          expect(p.consent.dataCategories).toContain(category);
      }
    }
  });

  it("sends each referral to an open offering the person is eligible for", () => {
    for (const p of plan) {
      const target = p.routing.kind === "explicit" ? p.routing.organisationId : p.routing.expectedTarget;
      const offering = OFFERINGS.find((o) => o.organisationId === target && o.serviceType === p.serviceType);
      expect(offering, `${p.key} → ${target}`).toBeDefined();
      expect(offering?.capacity).not.toBe(CapacityStatus.CAPACITY_STATUS_FULL);
      expect(offering?.provinces).toContain(p.person.provinceCode);
      const age = NOW.getUTCFullYear() - p.person.birthYear;
      if (offering?.eligibility?.minAge !== undefined)
        expect(age).toBeGreaterThanOrEqual(offering.eligibility.minAge);
      if (offering?.eligibility?.maxAge !== undefined)
        expect(age).toBeLessThanOrEqual(offering.eligibility.maxAge);
      if (p.routing.kind === "explicit") {
        expect(p.routing.serviceOfferingId).toBe(offeringId(target, p.serviceType));
      }
    }
    expect(plan.some((p) => p.routing.kind === "criteria")).toBe(true);
  });

  it("only plans transitions the referral state machine allows, by the right party", () => {
    const walk = (steps: readonly Step[]) => {
      let status = ReferralStatus.REFERRAL_STATUS_RECEIVED;
      for (const step of steps) {
        const to = statusAfter(step);
        // The referrer changes the person's contact details whatever the referral's state.
        if (step.do === "updateContact") continue;
        if (step.do === "outcome") {
          // A later outcome is reported on a completed referral.
          expect(status).toBe(ReferralStatus.REFERRAL_STATUS_COMPLETED);
          continue;
        }
        if (to === undefined) {
          // An onward referral, an assignment or a call leaves the referral where it is, in service.
          expect([
            ReferralStatus.REFERRAL_STATUS_ACCEPTED,
            ReferralStatus.REFERRAL_STATUS_IN_PROGRESS,
          ]).toContain(status);
          continue;
        }
        const rule = Object.values(TRANSITION_RULES).find((r) => r.to === to);
        expect(rule?.from, `${step.do} from ${ReferralStatus[status]}`).toContain(status);
        expect(rule?.parties).toContain(step.do === "cancel" ? "referrer" : "target");
        status = to;
      }
    };
    for (const p of plan) for (const leg of legs(p)) walk(leg.steps);
  });

  it("includes onward referrals from MMCC Gaziantep to ECM cash, completed on both sides", () => {
    const onward = plan.filter((p) => p.finalState === "completed_with_onward");
    expect(onward).toHaveLength(ONWARD_CHAINS);
    for (const p of onward) {
      expect(p.routing).toMatchObject({ kind: "explicit", organisationId: "mmcc-gaziantep" });
      const step = p.steps.find((s) => s.do === "onward");
      expect(step).toMatchObject({ to: "ecm-unit", serviceType: ServiceType.SERVICE_TYPE_ECM_CASH });
      expect(step?.do === "onward" && step.childSteps.at(-1)?.do).toBe("complete");
      expect(p.steps.filter((s) => s.do !== "updateContact").at(-1)?.do).toBe("complete");
    }
  });

  it("has staff assign, reassign and call, and refuses a call only to a person not safe to contact", () => {
    const steps = plan.flatMap((p) => p.steps.map((step) => ({ p, step })));
    const assigned = steps.filter(({ step }) => step.do === "assign" && step.to === "caseworker");
    const reassigned = steps.filter(({ step }) => step.do === "assign" && step.to === "caseworker2");
    expect(assigned.length).toBeGreaterThan(plan.length / 4);
    expect(reassigned.length).toBeGreaterThan(0);
    const calls = steps.filter(({ step }) => step.do === "contactAttempt");
    const refused = calls.filter(({ step }) => step.do === "contactAttempt" && step.expect === "refused");
    expect(refused.length).toBeGreaterThan(0);
    expect(calls.length).toBeGreaterThan(refused.length);
    for (const { p, step } of calls)
      expect(step.do === "contactAttempt" && step.expect === "refused").toBe(!p.person.safeToContact);
    expect(steps.some(({ step }) => step.do === "updateContact")).toBe(true);
    expect(plan.some((p) => p.person.safeWindows.length > 0)).toBe(true);
  });
});
