import { callerOf } from "@kopru/casework";
import { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import {
  ActivityKind,
  ActivityStatus,
  EnrolmentStatus,
  type Schedule,
} from "@kopru/contracts/communitycentre/v1/activity";
import {
  type CommunityCentreServiceServer,
  CommunityCentreServiceService,
} from "@kopru/contracts/communitycentre/v1/communitycentre_service";
import { nextPage, readPage } from "@kopru/referral";
import {
  type GrpcServiceBinding,
  NotFoundError,
  type RequestValidator,
  unary,
  validate,
} from "@kopru/service-kit";
import { completeEnrolment } from "../../application/complete-enrolment.js";
import { createActivity } from "../../application/create-activity.js";
import { enrolParticipant } from "../../application/enrol-participant.js";
import { listActivities } from "../../application/list-activities.js";
import { listCentres } from "../../application/list-centres.js";
import { listEnrolments } from "../../application/list-enrolments.js";
import type { CentreDeps } from "../../application/ports.js";
import { recordAttendance } from "../../application/record-attendance.js";
import { updateActivity } from "../../application/update-activity.js";
import {
  type ActivityDraft,
  activityViolations,
  attendanceViolations,
  endingViolations,
  isLanguageTag,
  MAX_CAPACITY,
  type RuleViolation,
  type ScheduleDraft,
  scheduleViolations,
} from "../../domain/index.js";
import { activityView, centreView, enrolmentView } from "./views.js";

const P_CODE = /^TUR\d{3}$/;

function withRules(v: RequestValidator, violations: readonly RuleViolation[]): RequestValidator {
  for (const violation of violations) v.fail(violation.field, violation.description);
  return v;
}

function scheduleDraft(schedule: Schedule | undefined): ScheduleDraft | undefined {
  if (!schedule) return undefined;
  return {
    firstSessionAt: schedule.firstSessionAt,
    lastSessionAt: schedule.lastSessionAt,
    days: schedule.days,
    startTime: schedule.startTime,
    sessionMinutes: schedule.sessionMinutes,
    timeZone: schedule.timeZone,
    totalSessions: schedule.totalSessions,
  };
}

/**
 * kopru.communitycentre.v1.CommunityCentreService: validate (every bad field named) → use case → view.
 * Centres and activities (no personal data) are listed for any partner; every other call is scoped to
 * the caller's organisation, and another organisation's activity or enrolment answers NOT_FOUND.
 */
export function communityCentreBinding(
  deps: CentreDeps,
  options: { hostedOrganisations: readonly string[] },
): GrpcServiceBinding {
  const hosted = options.hostedOrganisations;

  const implementation: CommunityCentreServiceServer = {
    listCentres: unary(async (request) => {
      const v = validate();
      for (const [i, id] of request.organisationIds.entries()) v.organisationId(id, `organisation_ids[${i}]`);
      for (const [i, code] of request.provinceCodes.entries())
        v.check(P_CODE.test(code), `province_codes[${i}]`, 'must be an ADM1 p-code such as "TUR027"');
      v.done();
      const page = readPage(request.page);
      const centres = await listCentres(deps, {
        organisationIds: request.organisationIds,
        provinceCodes: request.provinceCodes,
        ...page,
      });
      return { centres: centres.map(centreView), page: nextPage(centres.length, page) };
    }),

    listActivities: unary(async (request) => {
      const v = validate()
        .enumList(request.kinds, ActivityKind, "kinds")
        .enumList(request.serviceTypes, ServiceType, "service_types")
        .enumList(request.statuses, ActivityStatus, "statuses");
      for (const [i, id] of request.centreIds.entries()) v.uuid(id, `centre_ids[${i}]`);
      for (const [i, language] of request.languages.entries())
        v.check(isLanguageTag(language), `languages[${i}]`, 'must be a BCP 47 language tag, e.g. "tr"');
      v.done();
      const page = readPage(request.page);
      const activities = await listActivities(deps, {
        centreIds: request.centreIds,
        kinds: request.kinds,
        serviceTypes: request.serviceTypes,
        languages: request.languages,
        withFreeSeatsOnly: request.withFreeSeatsOnly,
        statuses: request.statuses,
        ...page,
      });
      return { activities: activities.map(activityView), page: nextPage(activities.length, page) };
    }),

    createActivity: unary(async (request, context) => {
      const a = request.activity;
      const v = validate().uuid(request.requestId, "request_id");
      if (!a) v.fail("activity", "is required").done();
      const activity = a as NonNullable<typeof a>;
      v.uuid(activity.centreId, "activity.centre_id")
        .enumValue(activity.kind, ActivityKind, "activity.kind")
        .enumValue(activity.serviceType, ServiceType, "activity.service_type");
      if (activity.organisationId) v.organisationId(activity.organisationId, "activity.organisation_id");
      const draft: ActivityDraft = {
        title: activity.title,
        kind: activity.kind,
        serviceType: activity.serviceType,
        language: activity.language,
        level: activity.level,
        capacity: activity.capacity,
        schedule: scheduleDraft(activity.schedule),
        minAge: activity.minAge,
        maxAge: activity.maxAge,
        sexes: activity.sexes,
      };
      withRules(v, activityViolations(draft)).done();
      const caller = callerOf(context, hosted);
      if (activity.organisationId && activity.organisationId !== caller.organisationId)
        throw new NotFoundError("organisation", activity.organisationId);
      const created = await createActivity(deps, caller, {
        requestId: request.requestId,
        centreId: activity.centreId,
        draft,
      });
      return { activity: activityView(created) };
    }),

    updateActivity: unary(async (request, context) => {
      const schedule = scheduleDraft(request.schedule);
      const v = validate()
        .uuid(request.activityId, "activity_id")
        .enumValue(request.status, ActivityStatus, "status", { optional: true })
        .check(
          request.capacity !== undefined || schedule !== undefined || request.status !== 0,
          "capacity",
          "nothing to change: set capacity, schedule or status",
        );
      if (request.capacity !== undefined) v.range(request.capacity, 1, MAX_CAPACITY, "capacity");
      if (schedule) withRules(v, scheduleViolations(schedule, "schedule"));
      v.done();
      const updated = await updateActivity(deps, callerOf(context, hosted), {
        activityId: request.activityId,
        capacity: request.capacity,
        schedule,
        status: request.status || undefined,
      });
      return { activity: activityView(updated) };
    }),

    enrolParticipant: unary(async (request, context) => {
      validate()
        .uuid(request.requestId, "request_id")
        .uuid(request.activityId, "activity_id")
        .uuid(request.referralId, "referral_id")
        .done();
      const result = await enrolParticipant(deps, callerOf(context, hosted), request);
      return { enrolment: enrolmentView(result.enrolment), activity: activityView(result.activity) };
    }),

    listEnrolments: unary(async (request, context) => {
      validate()
        .uuid(request.activityId, "activity_id")
        .enumList(request.statuses, EnrolmentStatus, "statuses")
        .done();
      const page = readPage(request.page);
      const enrolments = await listEnrolments(deps, callerOf(context, hosted), {
        activityId: request.activityId,
        statuses: request.statuses,
        ...page,
      });
      return { enrolments: enrolments.map(enrolmentView), page: nextPage(enrolments.length, page) };
    }),

    recordAttendance: unary(async (request, context) => {
      const v = validate().uuid(request.activityId, "activity_id");
      for (const [i, mark] of request.marks.entries()) v.uuid(mark.enrolmentId, `marks[${i}].enrolment_id`);
      withRules(v, attendanceViolations(request, deps.clock.now())).done();
      const enrolments = await recordAttendance(deps, callerOf(context, hosted), {
        activityId: request.activityId,
        sessionAt: request.sessionAt,
        marks: request.marks,
      });
      return { enrolments: enrolments.map(enrolmentView) };
    }),

    completeEnrolment: unary(async (request, context) => {
      withRules(validate().uuid(request.enrolmentId, "enrolment_id"), endingViolations(request)).done();
      const enrolment = await completeEnrolment(deps, callerOf(context, hosted), request);
      return { enrolment: enrolmentView(enrolment) };
    }),
  };

  return {
    name: "kopru.communitycentre.v1.CommunityCentreService",
    definition: CommunityCentreServiceService,
    implementation: implementation as never,
  };
}
