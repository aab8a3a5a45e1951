import { ActorKind } from "@kopru/contracts/common/v1/refs";
import {
  DataCategory,
  DeclineReason,
  NotCompletedReason,
  OnHoldReason,
  OutcomeCode,
  Priority,
  Purpose,
  RedirectReason,
  ReferralStatus,
  ServiceType,
} from "@kopru/contracts/common/v1/vocabulary";
import {
  type ReferralInboxServiceServer,
  ReferralInboxServiceService,
} from "@kopru/contracts/referral/v1/inbox_service";
import type { ReferralAssignment } from "@kopru/contracts/referral/v1/referral";
import {
  type CallContext,
  type GrpcServiceBinding,
  hasOneOfRoles,
  NotFoundError,
  PermissionDeniedError,
  type RequestValidator,
  ROLES,
  unary,
  validate,
} from "@kopru/service-kit";
import type { Database, Sql } from "@kopru/storage";
import { v7 as uuidv7 } from "uuid";
import { listContactAttemptsRpc, recordContactAttemptRpc } from "./contact.js";
import { ALL_STATUSES, OPEN_STATUSES, type TransitionCommand } from "./domain/index.js";
import { type Acting, type ReferralLifecycle, type TargetRef, tokenCallerOf } from "./lifecycle.js";
import { nextKeysetPage, readKeysetPage } from "./page-keys.js";
import { type ReferralRecord, referralStore } from "./store.js";
import { referralView } from "./views.js";
import type { StaffDirectoryPort } from "./work.js";

export interface InboxDependencies {
  db: Database;
  lifecycle: ReferralLifecycle;
  /** Organisations this service hosts: a caller may act only for one of them. */
  hostedOrganisations(): Promise<readonly string[]>;
  /** Directory lookup of a redirect/onward target (its partner kind decides consent coverage). */
  findTarget(organisationId: string): Promise<TargetRef | undefined>;
  clock: { now(): Date };
  /** Wakes the outbox relay after a commit, so events leave at once. */
  afterCommit(): void;
  /** The service's own reaction to an accepted referral, in the same transaction (e.g. open a case). */
  onAccepted?(tx: Sql, record: ReferralRecord, acting: Acting): Promise<void>;
  /**
   * The colleague check of AssignReferral (identity's staff directory in the network). Without it,
   * AssignReferral fails with `staff_directory_missing`.
   */
  staffDirectory?: StaffDirectoryPort | undefined;
  /** The service's own reaction to a (re)assignment, in the same transaction (e.g. reassign the case). */
  onAssigned?(tx: Sql, record: ReferralRecord, assignment: ReferralAssignment, acting: Acting): Promise<void>;
}

/**
 * The ReferralInboxService served by every receiving service. Every call is scoped to the caller's
 * organisation (the verified token's `kopru_org`), which must be one this service hosts;
 * another organisation's referral answers NOT_FOUND, as an unknown one does.
 */
export function referralInboxBinding(deps: InboxDependencies): GrpcServiceBinding {
  async function scopeOf(context: CallContext): Promise<{ organisationId: string; acting: Acting }> {
    const organisationId = context.organisationId;
    if (!organisationId) throw new PermissionDeniedError("the caller's token names no organisation");
    const hosted = await deps.hostedOrganisations();
    if (!hosted.includes(organisationId)) {
      throw new PermissionDeniedError(`organisation ${organisationId} is not served by this service`);
    }
    return {
      organisationId,
      acting: {
        actor: {
          party: "target",
          kind: context.actorId ? ActorKind.ACTOR_KIND_STAFF : ActorKind.ACTOR_KIND_PARTNER_CLIENT,
          organisationId,
        },
        actorId: context.actorId,
        token: tokenCallerOf(context),
      },
    };
  }

  /** "My cases" needs a staff user: a partner system's token has no one to be assigned. */
  function myActorId(context: CallContext): string {
    if (!context.actorId) throw new PermissionDeniedError("assigned_to_me needs a staff user's token");
    return context.actorId;
  }

  function referralId(v: RequestValidator, value: string): RequestValidator {
    return v.uuid(value, "referral_id");
  }

  async function transition(
    request: { referralId: string; expectedSequence?: number | undefined },
    context: CallContext,
    command: TransitionCommand,
    internalNote?: string,
  ) {
    const scope = await scopeOf(context);
    const result = await deps.db.transaction(async (tx) => {
      const outcome = await deps.lifecycle.transition(tx, {
        referralId: request.referralId,
        scope: [scope.organisationId],
        command,
        acting: scope.acting,
        internalNote,
      });
      if (outcome.changed && command.type === "accept")
        await deps.onAccepted?.(tx, outcome.record, scope.acting);
      return outcome;
    });
    if (result.changed) deps.afterCommit();
    return { referral: referralView(result.record) };
  }

  const implementation: ReferralInboxServiceServer = {
    listInbox: unary(async (request, context) => {
      validate()
        .organisationId(request.organisationId, "organisation_id")
        .enumList(request.statuses, ReferralStatus, "statuses")
        .enumList(request.serviceTypes, ServiceType, "service_types")
        .enumList(request.priorities, Priority, "priorities")
        .date(request.updatedSince, "updated_since", { optional: true })
        .done();
      const scope = await scopeOf(context);
      if (scope.organisationId !== request.organisationId)
        throw new NotFoundError("organisation", request.organisationId);
      // "Changed since" is a sync feed: oldest change first, so the last updated_at seen is a resume point.
      const page = readKeysetPage(request.page, request.updatedSince ? "updated" : "respondBy");
      const filter = {
        organisationIds: [scope.organisationId],
        // A sync feed must see referrals close too (declined, cancelled, expired…): with updated_since,
        // no statuses means every status; without it, the open ones a worker acts on.
        statuses:
          request.statuses.length > 0
            ? request.statuses
            : request.updatedSince
              ? ALL_STATUSES
              : OPEN_STATUSES,
        serviceTypes: request.serviceTypes,
        priorities: request.priorities,
        overdueAt: request.overdueOnly ? deps.clock.now() : undefined,
        assigneeActorId: request.assignedToMe ? myActorId(context) : undefined,
        followUpOverdueOnly: request.followUpOverdueOnly ?? false,
        updatedSince: request.updatedSince,
      };
      // The listed referrals count as read: audited with the filter, in the read's transaction.
      const shown = await deps.db.transaction(async (tx) => {
        const found = await referralStore.inbox(tx, { ...filter, page });
        const shownPage = nextKeysetPage(found, page, (row) => row.key);
        await referralStore.auditList(tx, {
          referralIds: shownPage.rows.map((row) => row.record.referralId),
          action: "list-inbox",
          organisationId: scope.organisationId,
          actorId: scope.acting.actorId,
          token: scope.acting.token,
          filter: {
            ...filter,
            organisationIds: undefined,
            followUpOverdueOnly: filter.followUpOverdueOnly || undefined,
          },
        });
        return shownPage;
      });
      return { referrals: shown.rows.map((row) => referralView(row.record)), page: shown.page };
    }),

    getReferral: unary(async (request, context) => {
      referralId(validate(), request.referralId).done();
      const scope = await scopeOf(context);
      const record = await deps.db.transaction(async (tx) => {
        const found = await referralStore.find(tx, request.referralId, "target");
        if (!found || found.targetOrganisationId !== scope.organisationId)
          throw new NotFoundError("referral", request.referralId);
        await referralStore.audit(tx, {
          referralId: found.referralId,
          action: "read-package",
          organisationId: scope.organisationId,
          actorId: scope.acting.actorId,
          token: scope.acting.token,
        });
        return found;
      });
      return { referral: referralView(record), referralPackage: record.package, withheldDataCategories: [] };
    }),

    acknowledgeReferral: unary(async (request, context) => {
      referralId(validate(), request.referralId).done();
      return transition(request, context, { type: "receive", expectedSequence: request.expectedSequence });
    }),

    acceptReferral: unary(async (request, context) => {
      referralId(validate(), request.referralId).done();
      return transition(request, context, { type: "accept", expectedSequence: request.expectedSequence });
    }),

    declineReferral: unary(async (request, context) => {
      referralId(validate(), request.referralId)
        .enumValue(request.reason, DeclineReason, "reason")
        .maxLength(request.internalNote, 2000, "internal_note")
        .done();
      return transition(
        request,
        context,
        { type: "decline", declineReason: request.reason, expectedSequence: request.expectedSequence },
        request.internalNote,
      );
    }),

    putReferralOnHold: unary(async (request, context) => {
      referralId(validate(), request.referralId)
        .enumValue(request.reason, OnHoldReason, "reason")
        .maxLength(request.internalNote, 2000, "internal_note")
        .done();
      return transition(
        request,
        context,
        { type: "hold", onHoldReason: request.reason, expectedSequence: request.expectedSequence },
        request.internalNote,
      );
    }),

    startReferral: unary(async (request, context) => {
      referralId(validate(), request.referralId).done();
      return transition(request, context, { type: "start", expectedSequence: request.expectedSequence });
    }),

    completeReferral: unary(async (request, context) => {
      referralId(validate(), request.referralId)
        .enumList(request.outcomeCodes, OutcomeCode, "outcome_codes", { min: 1 })
        .done();
      return transition(request, context, {
        type: "complete",
        outcomes: request.outcomeCodes,
        expectedSequence: request.expectedSequence,
      });
    }),

    reportNotCompleted: unary(async (request, context) => {
      referralId(validate(), request.referralId)
        .enumValue(request.reason, NotCompletedReason, "reason")
        .maxLength(request.internalNote, 2000, "internal_note")
        .done();
      return transition(
        request,
        context,
        {
          type: "notComplete",
          notCompletedReason: request.reason,
          expectedSequence: request.expectedSequence,
        },
        request.internalNote,
      );
    }),

    reportOutcome: unary(async (request, context) => {
      referralId(validate(), request.referralId)
        .enumList(request.outcomeCodes, OutcomeCode, "outcome_codes", { min: 1 })
        .done();
      const scope = await scopeOf(context);
      const result = await deps.db.transaction((tx) =>
        deps.lifecycle.reportOutcome(tx, {
          referralId: request.referralId,
          scope: [scope.organisationId],
          outcomes: request.outcomeCodes,
          completedAt: request.completedAt,
          acting: scope.acting,
        }),
      );
      if (result.changed) deps.afterCommit();
      return { referral: referralView(result.record) };
    }),

    redirectReferral: unary(async (request, context) => {
      validate()
        .uuid(request.referralId, "referral_id")
        .organisationId(request.targetOrganisationId, "target_organisation_id")
        // Unset: the child keeps the original's service type.
        .enumValue(request.serviceType, ServiceType, "service_type", { optional: true })
        .enumValue(request.reason, RedirectReason, "reason")
        .enumList(request.dataCategories, DataCategory, "data_categories")
        .done();
      const scope = await scopeOf(context);
      const target = await deps.findTarget(request.targetOrganisationId);
      if (!target) throw new NotFoundError("organisation", request.targetOrganisationId);
      const result = await deps.db.transaction(async (tx) => {
        const childReferralId = uuidv7();
        if (request.requestId) {
          const remembered = await referralStore.rememberRequest(
            tx,
            scope.organisationId,
            request.requestId,
            childReferralId,
          );
          if (remembered !== childReferralId) {
            const [record, child] = await Promise.all([
              referralStore.find(tx, request.referralId, "target"),
              referralStore.find(tx, remembered, "referrer"),
            ]);
            if (record && child) return { record, child };
          }
        }
        return deps.lifecycle.redirect(tx, {
          childReferralId,
          referralId: request.referralId,
          scope: [scope.organisationId],
          newTarget: target,
          serviceType: request.serviceType,
          redirectReason: request.reason,
          onlyCategories: request.dataCategories,
          expectedSequence: request.expectedSequence,
          acting: scope.acting,
          freshConsent: request.freshConsent,
        });
      });
      deps.afterCommit();
      return { referral: referralView(result.record), childReferral: referralView(result.child) };
    }),

    makeOnwardReferral: unary(async (request, context) => {
      validate()
        .uuid(request.parentReferralId, "parent_referral_id")
        .organisationId(request.targetOrganisationId, "target_organisation_id")
        .enumValue(request.serviceType, ServiceType, "service_type")
        .enumValue(request.priority, Priority, "priority")
        .enumValue(request.purpose, Purpose, "purpose")
        .required(request.reasonForReferral, "reason_for_referral")
        .maxLength(request.reasonForReferral, 2000, "reason_for_referral")
        .enumList(request.dataCategories, DataCategory, "data_categories")
        .done();
      const scope = await scopeOf(context);
      const target = await deps.findTarget(request.targetOrganisationId);
      if (!target) throw new NotFoundError("organisation", request.targetOrganisationId);
      const record = await deps.db.transaction(async (tx) => {
        // A retried request (same request_id) returns the referral it made, never a second one.
        const childReferralId = uuidv7();
        if (request.requestId) {
          const remembered = await referralStore.rememberRequest(
            tx,
            scope.organisationId,
            request.requestId,
            childReferralId,
          );
          if (remembered !== childReferralId) {
            const earlier = await referralStore.find(tx, remembered, "referrer");
            if (earlier) return earlier;
          }
        }
        return deps.lifecycle.referOnward(tx, {
          childReferralId,
          parentReferralId: request.parentReferralId,
          scope: [scope.organisationId],
          newTarget: target,
          serviceType: request.serviceType,
          priority: request.priority,
          purpose: request.purpose,
          reasonForReferral: request.reasonForReferral,
          onlyCategories: request.dataCategories,
          acting: scope.acting,
          freshConsent: request.freshConsent,
        });
      });
      deps.afterCommit();
      return { referral: referralView(record) };
    }),

    assignReferral: unary(async (request, context) => {
      validate()
        .uuid(request.referralId, "referral_id")
        .required(request.assigneeActorId, "assignee_actor_id")
        .maxLength(request.assigneeActorId, 200, "assignee_actor_id")
        .done();
      const scope = await scopeOf(context);
      if (!context.actorId || !hasOneOfRoles(context.roles, [ROLES.supervisor]))
        throw new PermissionDeniedError("only a supervisor of the organisation assigns referrals");
      const supervisor = context.actorId;
      const result = await deps.db.transaction(async (tx) => {
        const outcome = await deps.lifecycle.work.assign(tx, {
          referralId: request.referralId,
          organisationId: scope.organisationId,
          assigneeActorId: request.assigneeActorId,
          assignedByActorId: supervisor,
          staff: deps.staffDirectory,
        });
        if (outcome.changed) {
          await referralStore.audit(tx, {
            referralId: request.referralId,
            action: "assign",
            organisationId: scope.organisationId,
            actorId: scope.acting.actorId,
            token: scope.acting.token,
          });
          await deps.onAssigned?.(tx, outcome.record, outcome.assignment, scope.acting);
        }
        return outcome;
      });
      if (result.changed) deps.afterCommit();
      return { referral: referralView(result.record), assignment: result.assignment };
    }),

    listReferralAssignments: unary(async (request, context) => {
      referralId(validate(), request.referralId).done();
      const scope = await scopeOf(context);
      const assignments = await deps.db.transaction(async (tx) => {
        const found = await referralStore.find(tx, request.referralId, "target");
        if (!found || found.targetOrganisationId !== scope.organisationId)
          throw new NotFoundError("referral", request.referralId);
        await referralStore.audit(tx, {
          referralId: found.referralId,
          action: "read-assignments",
          organisationId: scope.organisationId,
          actorId: scope.acting.actorId,
          token: scope.acting.token,
        });
        return deps.lifecycle.work.assignments(tx, request.referralId);
      });
      return { assignments };
    }),
    recordContactAttempt: recordContactAttemptRpc({ db: deps.db, clock: deps.clock, scopeOf }),
    listContactAttempts: listContactAttemptsRpc({ db: deps.db, scopeOf }),
  };

  return {
    name: "kopru.referral.v1.ReferralInboxService",
    definition: ReferralInboxServiceService,
    implementation: implementation as never,
  };
}
