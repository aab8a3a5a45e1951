import { LegalStatus, Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  CancelReason,
  DeclineReason,
  OutcomeCode,
  PartnerKind,
  Priority,
  Purpose,
  ReferralOrigin,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import { ReRouteReason } from "@kopru/contracts/coordination/v1/tracking";
import type { CreateReferralRequest } from "@kopru/contracts/intake/v1/intake_service";
import { ConsentWithdrawalReason } from "@kopru/contracts/referral/v1/consent";
import { DisclosureKind } from "@kopru/contracts/referral/v1/events";
import { EVENTS, STREAMS } from "@kopru/events";
import { referralStore, type TransitionCommand } from "@kopru/referral";
import type { NatsTestConnection } from "@kopru/testing";
import { waitFor } from "@kopru/testing";
import { v4 as uuidv4 } from "uuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connect,
  eventsOn,
  failure,
  grpcCode,
  type IntakeUnderTest,
  messagesOn,
  outboxDrained,
  publish,
  publishDirectory,
  recordTestConsent,
  startIntake,
  startTarget,
  type TargetParty,
  testNetworkIds,
} from "./support.js";

// The referrer's side of the closed loop: targets (played by the referral library) answer, refer on,
// complete; coordination asks for re-routes; the person withdraws consent. Intake must see all of it.

/**
 * Run against PostgreSQL (the production engine) and against the embedded PGlite default, which is
 * one connection and reports row counts differently: both must close the loop the same way.
 */
export function lifecycleSuite(options: { embedded: boolean }): void {
  const ids = testNetworkIds();
  const S = ReferralStatus;
  const HOUR = 3_600_000;

  let nats: NatsTestConnection;
  let intake: IntakeUnderTest;
  let mmcc: TargetParty;
  let ecm: TargetParty;

  beforeAll(async () => {
    nats = await connect();
    intake = await startIntake(ids, nats, options);
    mmcc = await startTarget(nats, ids.mmcc);
    ecm = await startTarget(nats, ids.ecm);
    await publishDirectory(nats, ids);
    await waitFor(
      async () =>
        (
          await intake.api.call("suggestTargets", {
            serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
            criteria: {
              location: { provinceCode: ids.province, districtCode: "" },
              partnerKinds: [],
              allowWaitlist: false,
              excludedOrganisationIds: [],
            },
            limit: 10,
          })
        ).candidates.length === 1,
      { timeoutMs: 30_000, message: "intake never replicated the test directory" },
    );
  }, 90_000);

  afterAll(async () => {
    intake?.setClockOffset(0);
    await ecm?.stop();
    await mmcc?.stop();
    await intake?.stop();
    await nats?.close();
  });

  async function personWithConsent(scope: { organisationIds?: string[]; partnerKinds?: PartnerKind[] } = {}) {
    const registered = await intake.api.call("registerBeneficiary", {
      requestId: uuidv4(),
      organisationId: ids.ngo,
      givenName: "Zeynep",
      familyName: "Synthetic-Kaya",
      sex: Sex.SEX_FEMALE,
      birthYear: 1991,
      nationality: "SY",
      legalStatus: LegalStatus.LEGAL_STATUS_TEMPORARY_PROTECTION,
      residence: { provinceCode: ids.province, districtCode: "" },
      phoneNumber: "+905550001234",
      preferredLanguage: "ar",
      interpreterNeeded: false,
      safeToContact: true,
      preferredContactMethod: 0,
      safeContactWindows: [],
    });
    const beneficiaryId = registered.beneficiary?.beneficiaryId ?? "";
    const consentId = await recordTestConsent(intake.api, beneficiaryId, scope);
    await intake.api.call("screenNeeds", {
      requestId: uuidv4(),
      beneficiaryId,
      servicesNeeded: [ServiceType.SERVICE_TYPE_MMCC_COUNSELLING, ServiceType.SERVICE_TYPE_ECM_CASH],
      vulnerabilities: [],
      washingtonGroupAnswers: [],
      needsSummary: "Single mother, rent arrears (synthetic).",
      household: { size: 4, childrenCount: 3, femaleHeaded: true, dependantsWithDisability: 0 },
    });
    return { beneficiaryId, consentId };
  }

  async function send(
    person: { beneficiaryId: string; consentId: string },
    target: string,
    overrides: Partial<CreateReferralRequest> = {},
  ): Promise<string> {
    const created = await intake.api.call("createReferral", {
      requestId: uuidv4(),
      beneficiaryId: person.beneficiaryId,
      serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      priority: Priority.PRIORITY_HIGH,
      purpose: Purpose.PURPOSE_SERVICE_PROVISION,
      reasonForReferral: "Needs counselling on services (synthetic).",
      consentId: person.consentId,
      routing: { $case: "explicitTarget", value: { organisationId: target } },
      dataCategories: [],
      ...overrides,
    });
    return created.referral?.referralId ?? "";
  }

  async function intakeSees(referralId: string, status: ReferralStatus, timeoutMs = 20_000) {
    return waitFor(
      async () => {
        const got = await intake.api.call("getReferral", { referralId });
        return got.referral?.status === status ? got.referral : undefined;
      },
      { timeoutMs, message: `intake never saw ${referralId} as ${ReferralStatus[status]}` },
    );
  }

  async function targetHas(party: TargetParty, referralId: string, status = S.REFERRAL_STATUS_RECEIVED) {
    await waitFor(async () => (await referralStore.find(party.db, referralId, "target"))?.status === status, {
      timeoutMs: 20_000,
      message: `${party.organisationId} never had ${referralId} as ${ReferralStatus[status]}`,
    });
  }

  async function answer(party: TargetParty, referralId: string, ...commands: TransitionCommand[]) {
    for (const command of commands) {
      await party.db.transaction((tx) =>
        party.lifecycle.transition(tx, {
          referralId,
          scope: [party.organisationId],
          command,
          acting: party.acting,
        }),
      );
    }
    party.relay.wake();
  }

  async function rerouteRows(referralId: string) {
    const rows = await intake.running.context.db.query<{
      outcome: string;
      child_referral_id: string | null;
      candidate_organisation_id: string | null;
      consent_problems: string[];
      excluded_organisation_ids: string[];
      source: string;
    }>("SELECT * FROM reroute_requests WHERE referral_id = $1 ORDER BY id", [referralId]);
    return rows.rows;
  }

  describe(`following referrals up (${options.embedded ? "PGlite" : "PostgreSQL"})`, () => {
    it("shows the outcome the target reports after closure, each report replacing the last", async () => {
      const person = await personWithConsent();
      const referralId = await send(person, ids.mmcc);
      await targetHas(mmcc, referralId);
      await answer(
        mmcc,
        referralId,
        { type: "accept" },
        { type: "start" },
        { type: "complete", outcomes: [OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE] },
      );
      const closed = await intakeSees(referralId, S.REFERRAL_STATUS_COMPLETED);
      expect(closed.outcomeCodes).toEqual([OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE]);

      const report = (outcomes: OutcomeCode[]) =>
        mmcc.db.transaction((tx) =>
          mmcc.lifecycle.reportOutcome(tx, {
            referralId,
            scope: [ids.mmcc],
            outcomes,
            acting: mmcc.acting,
          }),
        );
      const first = await report([
        OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE,
        OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED,
      ]);
      expect(first.changed).toBe(true);
      // The same set again changes nothing and publishes nothing.
      expect(
        (
          await report([
            OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED,
            OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE,
          ])
        ).changed,
      ).toBe(false);
      await report([OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL]);
      mmcc.relay.wake();
      const seen = await waitFor(
        async () => {
          const got = await intake.api.call("getReferral", { referralId });
          return got.referral?.outcomeCodes.join() ===
            String(OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL)
            ? got.referral
            : undefined;
        },
        { timeoutMs: 20_000, message: "intake never saw the reported outcome" },
      );
      expect(seen.status).toBe(S.REFERRAL_STATUS_COMPLETED);
      const listed = await intake.api.call("listReferrals", {
        referrerOrganisationId: ids.ngo,
        statuses: [],
        serviceTypes: [],
        priorities: [],
        beneficiaryId: person.beneficiaryId,
      });
      expect(listed.referrals.find((r) => r.referralId === referralId)?.outcomeCodes).toEqual([
        OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL,
      ]);
      // Report 1 (the completion) and the two changes, addressed to the referrer and the target.
      const reports = await eventsOn(
        nats,
        EVENTS.referralOutcomeReported,
        `kopru.v1.referral.outcome.${ids.ngo}.${ids.mmcc}`,
      );
      expect(reports.filter((r) => r.referralId === referralId).map((r) => r.outcomeCodes)).toEqual([
        [OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE],
        [OutcomeCode.OUTCOME_CODE_ENROLLED_IN_COURSE, OutcomeCode.OUTCOME_CODE_COURSE_COMPLETED],
        [OutcomeCode.OUTCOME_CODE_SERVICE_PROVIDED_PARTIAL],
      ]);
    });

    it("shows the target's answers and an onward referral's outcome: NGO → MMCC → ECM cash", async () => {
      const person = await personWithConsent();
      const referralId = await send(person, ids.mmcc);
      await targetHas(mmcc, referralId);
      await answer(mmcc, referralId, { type: "accept" }, { type: "start" });

      const onward = await mmcc.db.transaction((tx) =>
        mmcc.lifecycle.referOnward(tx, {
          parentReferralId: referralId,
          scope: [ids.mmcc],
          newTarget: { organisationId: ids.ecm, partnerKind: PartnerKind.PARTNER_KIND_ECM_UNIT },
          serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
          priority: Priority.PRIORITY_HIGH,
          purpose: Purpose.PURPOSE_SERVICE_PROVISION,
          reasonForReferral: "Rent arrears; cash needed (synthetic).",
          acting: { ...mmcc.acting, actor: { ...mmcc.acting.actor, party: "referrer" as const } },
        }),
      );
      mmcc.relay.wake();
      await targetHas(ecm, onward.referralId);
      await answer(
        ecm,
        onward.referralId,
        { type: "accept" },
        { type: "start" },
        { type: "complete", outcomes: [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED] },
      );
      await answer(mmcc, referralId, {
        type: "complete",
        outcomes: [
          OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD,
          OutcomeCode.OUTCOME_CODE_ONWARD_REFERRAL_MADE,
        ],
      });

      const own = await intakeSees(referralId, S.REFERRAL_STATUS_COMPLETED);
      expect(own.outcomeCodes).toEqual([
        OutcomeCode.OUTCOME_CODE_COUNSELLING_SESSIONS_HELD,
        OutcomeCode.OUTCOME_CODE_ONWARD_REFERRAL_MADE,
      ]);
      const timeline = await waitFor(
        async () => {
          const t = await intake.api.call("getReferralTimeline", { referralId, includeChain: true });
          return t.referrals.find((r) => r.referralId === onward.referralId)?.status ===
            S.REFERRAL_STATUS_COMPLETED
            ? t
            : undefined;
        },
        { timeoutMs: 20_000, message: "intake's timeline never showed the onward referral completed" },
      );
      const onwardView = timeline.referrals.find((r) => r.referralId === onward.referralId);
      expect(onwardView).toMatchObject({
        parentReferralId: referralId,
        rootReferralId: referralId,
        origin: ReferralOrigin.REFERRAL_ORIGIN_ONWARD,
        referrer: { organisationId: ids.mmcc },
        target: { organisationId: ids.ecm },
        outcomeCodes: [OutcomeCode.OUTCOME_CODE_CASH_TRANSFERRED],
      });
      expect(timeline.referrals.find((r) => r.referralId === referralId)?.childReferralIds).toContain(
        onward.referralId,
      );
      const steps = (id: string) =>
        timeline.transitions.filter((t) => t.referralId === id).map((t) => t.toStatus);
      const loop = [
        S.REFERRAL_STATUS_REQUESTED,
        S.REFERRAL_STATUS_RECEIVED,
        S.REFERRAL_STATUS_ACCEPTED,
        S.REFERRAL_STATUS_IN_PROGRESS,
        S.REFERRAL_STATUS_COMPLETED,
      ];
      expect(steps(referralId)).toEqual(loop);
      expect(steps(onward.referralId)).toEqual(loop);
      const alone = await intake.api.call("getReferralTimeline", { referralId, includeChain: false });
      expect(alone.referrals.map((r) => r.referralId)).toEqual([referralId]);
      expect(alone.transitions.map((t) => t.sequence)).toEqual([1, 2, 3, 4, 5]);

      const list = (filter: {
        statuses?: ReferralStatus[];
        serviceTypes?: ServiceType[];
        requested?: { start?: Date; end?: Date };
      }) =>
        intake.api
          .call("listReferrals", {
            referrerOrganisationId: ids.ngo,
            statuses: filter.statuses ?? [],
            serviceTypes: filter.serviceTypes ?? [],
            priorities: [],
            beneficiaryId: person.beneficiaryId,
            requested: filter.requested,
          })
          .then((r) => r.referrals.map((x) => x.referralId));
      expect(await list({ statuses: [S.REFERRAL_STATUS_COMPLETED] })).toEqual([referralId]);
      expect(await list({ serviceTypes: [ServiceType.SERVICE_TYPE_ECM_CASH] })).toEqual([]);
      expect(await list({ requested: { end: new Date(Date.now() - HOUR) } })).toEqual([]);

      // Then the person withdraws consent: the MMCC and ECM (which got the data onward) are each told,
      // about their own referrals only; the open referral under the consent is cancelled.
      const open = await send(person, ids.mmcc);
      await targetHas(mmcc, open);
      const withdrawal = {
        consentId: person.consentId,
        reason: ConsentWithdrawalReason.CONSENT_WITHDRAWAL_REASON_BENEFICIARY_REQUEST,
        cancelOpenReferrals: true,
        policy: 0,
        continuingBasis: 0,
      };
      const withdrawn = await intake.api.call("withdrawConsent", withdrawal);
      expect(withdrawn.notifiedOrganisationIds).toEqual([ids.ecm, ids.mmcc].sort());
      expect(withdrawn.cancelledReferralIds).toEqual([open]);
      expect(withdrawn.consent?.withdrawnAt).toBeInstanceOf(Date);

      const toMmcc = await waitFor(() =>
        eventsOn(nats, EVENTS.consentWithdrawn, `kopru.v1.consent.withdrawn.${ids.mmcc}`).then((e) => e[0]),
      );
      const toEcm = await waitFor(() =>
        eventsOn(nats, EVENTS.consentWithdrawn, `kopru.v1.consent.withdrawn.${ids.ecm}`).then((e) => e[0]),
      );
      expect(toMmcc).toMatchObject({ consentId: person.consentId, organisationIds: [ids.mmcc] });
      expect(toMmcc.referralIds).toEqual([referralId, open].sort());
      expect(toEcm).toMatchObject({ organisationIds: [ids.ecm], referralIds: [onward.referralId] });
      const sent = await referralStore.find(intake.running.context.db, referralId, "referrer");
      expect(toEcm.beneficiaryRef).toBe(sent?.beneficiaryRef);

      await targetHas(mmcc, open, S.REFERRAL_STATUS_CANCELLED);
      const cancelled = await intakeSees(open, S.REFERRAL_STATUS_CANCELLED);
      expect(cancelled.cancelReason).toBe(CancelReason.CANCEL_REASON_CONSENT_WITHDRAWN);

      // Each holder recorded the withdrawal on what it holds and told intake, which shows it per holder.
      const acknowledged = await waitFor(
        async () => {
          const shown = await intake.api.call("getBeneficiary", { beneficiaryId: person.beneficiaryId });
          return shown.withdrawalAcknowledgements.length === 2 ? shown.withdrawalAcknowledgements : undefined;
        },
        { timeoutMs: 20_000, message: "intake never saw both holders record the withdrawal" },
      );
      expect(acknowledged.map((a) => a.organisationId).sort()).toEqual([ids.ecm, ids.mmcc].sort());
      expect(acknowledged.find((a) => a.organisationId === ids.mmcc)?.restrictedReferralIds).toEqual(
        [referralId, open].sort(),
      );
      expect(acknowledged.find((a) => a.organisationId === ids.ecm)?.restrictedReferralIds).toEqual([
        onward.referralId,
      ]);
      // Onward from the MMCC is refused now: the MMCC recorded the withdrawal.
      await expect(
        mmcc.db.transaction((tx) =>
          mmcc.lifecycle.referOnward(tx, {
            parentReferralId: referralId,
            scope: [ids.mmcc],
            newTarget: { organisationId: ids.ecm, partnerKind: PartnerKind.PARTNER_KIND_ECM_UNIT },
            serviceType: ServiceType.SERVICE_TYPE_ECM_CASH,
            priority: Priority.PRIORITY_HIGH,
            purpose: Purpose.PURPOSE_ASSISTANCE_DELIVERY,
            reasonForReferral: "Second cash need (synthetic).",
            acting: mmcc.acting,
          }),
        ),
      ).rejects.toMatchObject({ code: "consent_not_covering" });

      // Where the data went: intake's packages, and the MMCC's onward referral to ECM (reported).
      const journey = await waitFor(
        async () => {
          const { disclosures } = await intake.api.call("listDisclosures", {
            beneficiaryId: person.beneficiaryId,
            referralId: "",
          });
          return disclosures.some((d) => d.referralId === onward.referralId) ? disclosures : undefined;
        },
        { timeoutMs: 20_000, message: "intake's ledger never showed the onward disclosure" },
      );
      expect(
        journey.map((d) => [d.kind, d.senderOrganisationId, d.recipientOrganisationId, d.referralId]),
      ).toEqual(
        expect.arrayContaining([
          [DisclosureKind.DISCLOSURE_KIND_REFERRAL_PACKAGE, ids.ngo, ids.mmcc, referralId],
          [DisclosureKind.DISCLOSURE_KIND_ONWARD, ids.mmcc, ids.ecm, onward.referralId],
          [DisclosureKind.DISCLOSURE_KIND_REFERRAL_PACKAGE, ids.ngo, ids.mmcc, open],
        ]),
      );
      expect(journey.find((d) => d.referralId === referralId)?.disclosedBy?.organisationId).toBe(ids.ngo);
      expect(journey.find((d) => d.referralId === onward.referralId)?.disclosedBy).toBeUndefined();
      const { export: subjectAccess } = await intake.api.call("exportSubjectAccess", {
        beneficiaryId: "",
        referralId,
      });
      expect(subjectAccess?.beneficiary?.beneficiaryId).toBe(person.beneficiaryId);
      expect(subjectAccess?.disclosures.map((d) => d.disclosureId).sort()).toEqual(
        journey.map((d) => d.disclosureId).sort(),
      );
      expect(subjectAccess?.withdrawalAcknowledgements).toHaveLength(2);
      expect(subjectAccess?.referrals.map((r) => r.referralId)).toEqual(
        expect.arrayContaining([referralId, open]),
      );

      // A repeated withdrawal answers the same and tells nobody twice; the consent covers nothing now.
      const again = await intake.api.call("withdrawConsent", withdrawal);
      expect(again.notifiedOrganisationIds).toEqual(withdrawn.notifiedOrganisationIds);
      await outboxDrained(intake);
      expect(await messagesOn(nats, STREAMS.consent.name, `kopru.v1.consent.withdrawn.${ids.mmcc}`)).toBe(1);
      const refused = await failure(send(person, ids.mmcc));
      expect(grpcCode(refused)).toBe("FAILED_PRECONDITION");
      expect(refused.details).toMatch(/withdrawn/);
    });

    it("cancels a referral on request, with optimistic concurrency, keeping the internal note local", async () => {
      const person = await personWithConsent();
      const referralId = await send(person, ids.mmcc);
      await targetHas(mmcc, referralId);
      const seen = await intakeSees(referralId, S.REFERRAL_STATUS_RECEIVED);
      const stale = await failure(
        intake.api.call("cancelReferral", {
          referralId,
          reason: CancelReason.CANCEL_REASON_NEED_RESOLVED,
          expectedSequence: seen.sequence - 1,
        }),
      );
      expect(grpcCode(stale)).toBe("ABORTED");
      await intake.api.call("cancelReferral", {
        referralId,
        reason: CancelReason.CANCEL_REASON_NEED_RESOLVED,
        internalNote: "Family found housing (synthetic note).",
        expectedSequence: seen.sequence,
      });
      await intakeSees(referralId, S.REFERRAL_STATUS_CANCELLED);
      const notes = await intake.running.context.db.query<{ note: string }>(
        "SELECT note FROM referral_notes WHERE referral_id = $1",
        [referralId],
      );
      expect(notes.rows.map((r) => r.note)).toEqual(["Family found housing (synthetic note)."]);
      const cancellations = await eventsOn(
        nats,
        EVENTS.referralCancelled,
        `kopru.v1.referral.cancelled.${ids.mmcc}`,
      );
      const published = cancellations.find((c) => c.referralId === referralId);
      expect(published?.reason).toBe(CancelReason.CANCEL_REASON_NEED_RESOLVED);
      expect(JSON.stringify(published)).not.toContain("housing");
      const closed = await failure(
        intake.api.call("cancelReferral", { referralId, reason: CancelReason.CANCEL_REASON_NEED_RESOLVED }),
      );
      expect(grpcCode(closed)).toBe("FAILED_PRECONDITION");
    });
  });

  describe(`re-routing (${options.embedded ? "PGlite" : "PostgreSQL"})`, () => {
    it("re-routes an overdue referral when coordination asks, and records when a new consent is needed", async () => {
      // Nobody answers for the other MMCC: both referrals stay REQUESTED past their 24 h deadline.
      const covered = await personWithConsent();
      const narrow = await personWithConsent({ organisationIds: [ids.mmccOther], partnerKinds: [] });
      const emergency = { priority: Priority.PRIORITY_EMERGENCY };
      const first = await send(covered, ids.mmccOther, emergency);
      const second = await send(narrow, ids.mmccOther, emergency);
      intake.setClockOffset(25 * HOUR);
      try {
        for (const referralId of [first, second]) {
          await publish(
            nats,
            EVENTS.referralReRouteRequested,
            {
              referralId,
              rootReferralId: referralId,
              referrerOrganisationId: ids.ngo,
              targetOrganisationId: ids.mmccOther,
              serviceType: ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
              priority: Priority.PRIORITY_EMERGENCY,
              reason: ReRouteReason.RE_ROUTE_REASON_EXPIRED,
              excludedOrganisationIds: [ids.mmccOther],
              requestedBy: {
                kind: ActorKind.ACTOR_KIND_SYSTEM,
                organisationId: "",
                actorId: "coordination",
                role: 0,
              },
              requestedAt: new Date(),
            },
            { type: "reroute", id: referralId, sequence: 1 },
          );
        }
        const [rerouted] = await waitFor(
          async () => ((await rerouteRows(first)).length > 0 ? rerouteRows(first) : undefined),
          {
            timeoutMs: 20_000,
            message: "intake never handled the re-route request",
          },
        );
        expect(rerouted).toMatchObject({ outcome: "rerouted", source: "coordination" });
        expect(rerouted?.excluded_organisation_ids).toEqual([ids.mmccOther]);
        const child = await referralStore.find(
          intake.running.context.db,
          rerouted?.child_referral_id ?? "",
          "referrer",
        );
        expect(child).toMatchObject({
          origin: ReferralOrigin.REFERRAL_ORIGIN_REROUTE,
          parentReferralId: first,
          rootReferralId: first,
          targetOrganisationId: ids.mmcc,
          consentId: covered.consentId,
        });
        // The original, still open at the silent target, is withdrawn so only one stays live.
        const cancellations = await waitFor(() =>
          eventsOn(nats, EVENTS.referralCancelled, `kopru.v1.referral.cancelled.${ids.mmccOther}`).then(
            (all) => all.find((c) => c.referralId === first),
          ),
        );
        expect(cancellations.reason).toBe(CancelReason.CANCEL_REASON_OTHER);

        const [needsConsent] = await waitFor(
          async () => ((await rerouteRows(second)).length > 0 ? rerouteRows(second) : undefined),
          { timeoutMs: 20_000, message: "intake never handled the second re-route request" },
        );
        expect(needsConsent).toMatchObject({
          outcome: "needs_new_consent",
          candidate_organisation_id: ids.mmcc,
          child_referral_id: null,
        });
        expect(needsConsent?.consent_problems).toEqual(["organisation_not_covered"]);
        const chain = await intake.api.call("getReferralTimeline", {
          referralId: second,
          includeChain: true,
        });
        expect(chain.referrals.map((r) => r.referralId)).toEqual([second]);
      } finally {
        intake.setClockOffset(0);
      }
      await targetHas(mmcc, (await rerouteRows(first))[0]?.child_referral_id ?? "");
      const timeline = await intake.api.call("getReferralTimeline", {
        referralId: first,
        includeChain: true,
      });
      expect(timeline.referrals.map((r) => r.origin).sort()).toEqual([
        ReferralOrigin.REFERRAL_ORIGIN_DIRECT,
        ReferralOrigin.REFERRAL_ORIGIN_REROUTE,
      ]);
    });

    it("re-routes under a newer consent of the same person, never under another person's", async () => {
      const person = await personWithConsent();
      const referralId = await send(person, ids.mmcc);
      await targetHas(mmcc, referralId);
      await answer(mmcc, referralId, {
        type: "decline",
        declineReason: DeclineReason.DECLINE_REASON_NO_CAPACITY,
      });
      await intakeSees(referralId, S.REFERRAL_STATUS_DECLINED);
      const routing = {
        $case: "routingCriteria" as const,
        value: { partnerKinds: [], allowWaitlist: false, excludedOrganisationIds: [] },
      };
      const someoneElse = await personWithConsent();
      const foreign = await failure(
        intake.api.call("routeReferral", {
          requestId: uuidv4(),
          referralId,
          routing,
          consentId: someoneElse.consentId,
        }),
      );
      expect(grpcCode(foreign)).toBe("NOT_FOUND");
      const newer = await recordTestConsent(intake.api, person.beneficiaryId, {});
      const routed = await intake.api.call("routeReferral", {
        requestId: uuidv4(),
        referralId,
        routing,
        consentId: newer,
      });
      expect(routed.referral).toMatchObject({
        origin: ReferralOrigin.REFERRAL_ORIGIN_REROUTE,
        parentReferralId: referralId,
        consentId: newer,
      });
    });

    it("lets staff re-route a declined referral to a target not yet tried, once", async () => {
      const person = await personWithConsent();
      const referralId = await send(person, ids.mmcc);
      await targetHas(mmcc, referralId);
      const inTime = await failure(
        intake.api.call("routeReferral", {
          requestId: uuidv4(),
          referralId,
          routing: {
            $case: "routingCriteria",
            value: { partnerKinds: [], allowWaitlist: false, excludedOrganisationIds: [] },
          },
          consentId: "",
        }),
      );
      expect(grpcCode(inTime)).toBe("FAILED_PRECONDITION");
      expect(inTime.details).toMatch(
        /only an expired, declined, not completed or overdue referral can be re-routed/,
      );

      await answer(mmcc, referralId, {
        type: "decline",
        declineReason: DeclineReason.DECLINE_REASON_NO_CAPACITY,
      });
      await intakeSees(referralId, S.REFERRAL_STATUS_DECLINED);
      const request = {
        requestId: uuidv4(),
        referralId,
        routing: {
          $case: "routingCriteria" as const,
          value: { partnerKinds: [], allowWaitlist: false, excludedOrganisationIds: [] },
        },
        consentId: "",
      };
      const routed = await intake.api.call("routeReferral", request);
      expect(routed.referral).toMatchObject({
        origin: ReferralOrigin.REFERRAL_ORIGIN_REROUTE,
        parentReferralId: referralId,
        rootReferralId: referralId,
        target: { organisationId: ids.mmccOther },
      });
      expect((await intake.api.call("routeReferral", request)).referral?.referralId).toBe(
        routed.referral?.referralId,
      );
      const twice = await failure(intake.api.call("routeReferral", { ...request, requestId: uuidv4() }));
      expect(grpcCode(twice)).toBe("FAILED_PRECONDITION");
      expect(twice.details).toMatch(/already re-routed/);
      const parent = await intake.api.call("getReferral", { referralId });
      expect(parent.referral?.childReferralIds).toEqual([routed.referral?.referralId]);
    });
  });
}
