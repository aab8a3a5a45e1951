import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ActivityKind, ActivityStatus, Weekday } from "@kopru/contracts/communitycentre/v1/activity";
import {
  ActivityClosedError,
  ActivityHasParticipantsError,
  ActivityStatusChangeError,
  CapacityBelowSeatsError,
  type RuleViolation,
} from "./errors.js";

export const MAX_CAPACITY = 1_000;
export const MAX_TITLE_LENGTH = 200;
export const DEFAULT_TIME_ZONE = "Europe/Istanbul";

/** The service types whose referrals each kind of activity serves. */
export const SERVICE_TYPES_BY_KIND: Readonly<Record<number, readonly ServiceType[]>> = Object.freeze({
  [ActivityKind.ACTIVITY_KIND_LANGUAGE_COURSE]: [ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH],
  [ActivityKind.ACTIVITY_KIND_SKILLS_TRAINING]: [
    ServiceType.SERVICE_TYPE_VOCATIONAL_TRAINING,
    ServiceType.SERVICE_TYPE_LIVELIHOOD_JOB_PLACEMENT,
  ],
  [ActivityKind.ACTIVITY_KIND_PSYCHOSOCIAL]: [
    ServiceType.SERVICE_TYPE_COMMUNITY_ACTIVITIES,
    ServiceType.SERVICE_TYPE_MHPSS_GROUP,
  ],
  [ActivityKind.ACTIVITY_KIND_SOCIAL_COHESION]: [ServiceType.SERVICE_TYPE_COMMUNITY_ACTIVITIES],
  [ActivityKind.ACTIVITY_KIND_RECREATIONAL]: [ServiceType.SERVICE_TYPE_COMMUNITY_ACTIVITIES],
});

export interface ScheduleDraft {
  firstSessionAt: Date | undefined;
  lastSessionAt: Date | undefined;
  days: readonly Weekday[];
  startTime: string;
  sessionMinutes: number;
  timeZone: string;
  totalSessions: number | undefined;
}

export interface ActivityDraft {
  title: string;
  kind: ActivityKind;
  serviceType: ServiceType;
  language: string;
  level: string | undefined;
  capacity: number;
  schedule: ScheduleDraft | undefined;
  minAge: number | undefined;
  maxAge: number | undefined;
  sexes: readonly Sex[];
}

const BCP47 = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

export function isLanguageTag(value: string): boolean {
  return BCP47.test(value);
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The schedule's rules; `prefix` is where the schedule sits in the request, e.g. `activity.schedule`. */
export function scheduleViolations(schedule: ScheduleDraft | undefined, prefix: string): RuleViolation[] {
  if (!schedule) return [{ field: prefix, description: "is required" }];
  const v: RuleViolation[] = [];
  const at = (field: string, description: string) => v.push({ field: `${prefix}.${field}`, description });
  const first = schedule.firstSessionAt;
  if (!first || Number.isNaN(first.getTime())) at("first_session_at", "is required");
  const last = schedule.lastSessionAt;
  if (last && Number.isNaN(last.getTime())) at("last_session_at", "is not a valid timestamp");
  else if (last && first && last.getTime() < first.getTime())
    at("last_session_at", "must not be before first_session_at");
  if (schedule.days.length === 0) at("days", "needs at least one day");
  schedule.days.forEach((day, i) => {
    if (!(day in Weekday) || day <= 0) at(`days[${i}]`, `has invalid value ${day}`);
  });
  if (new Set(schedule.days).size !== schedule.days.length) at("days", "must not list a day twice");
  if (!HH_MM.test(schedule.startTime)) at("start_time", 'must be "HH:MM" (24 h)');
  if (
    !Number.isInteger(schedule.sessionMinutes) ||
    schedule.sessionMinutes < 15 ||
    schedule.sessionMinutes > 480
  )
    at("session_minutes", "must be between 15 and 480");
  if (schedule.timeZone !== "" && !isTimeZone(schedule.timeZone))
    at("time_zone", 'must be an IANA time zone, e.g. "Europe/Istanbul"');
  if (schedule.totalSessions !== undefined && (schedule.totalSessions < 1 || schedule.totalSessions > 500))
    at("total_sessions", "must be between 1 and 500");
  return v;
}

/** A new activity's rules (codes already known to be valid enum values); fields under `activity.`. */
export function activityViolations(draft: ActivityDraft): RuleViolation[] {
  const v: RuleViolation[] = [];
  const at = (field: string, description: string) => v.push({ field: `activity.${field}`, description });
  if (draft.title.trim() === "") at("title", "is required");
  else if (draft.title.length > MAX_TITLE_LENGTH)
    at("title", `must be at most ${MAX_TITLE_LENGTH} characters`);
  const served = SERVICE_TYPES_BY_KIND[draft.kind];
  if (served && draft.serviceType !== 0 && !served.includes(draft.serviceType))
    at(
      "service_type",
      `is not served by this kind of activity (one of ${served.map((s) => ServiceType[s]).join(", ")})`,
    );
  if (!isLanguageTag(draft.language)) at("language", 'must be a BCP 47 language tag, e.g. "tr"');
  if ((draft.level?.length ?? 0) > 20) at("level", "must be at most 20 characters");
  if (!Number.isInteger(draft.capacity) || draft.capacity < 1 || draft.capacity > MAX_CAPACITY)
    at("capacity", `must be between 1 and ${MAX_CAPACITY}`);
  if (draft.minAge !== undefined && draft.minAge > 120) at("min_age", "must be at most 120");
  if (draft.maxAge !== undefined && draft.maxAge > 120) at("max_age", "must be at most 120");
  if (draft.minAge !== undefined && draft.maxAge !== undefined && draft.minAge > draft.maxAge)
    at("max_age", "must not be below min_age");
  draft.sexes.forEach((sex, i) => {
    if (!(sex in Sex) || sex <= 0) at(`sexes[${i}]`, `has invalid value ${sex}`);
  });
  v.push(...scheduleViolations(draft.schedule, "activity.schedule"));
  return v;
}

export function statusName(status: ActivityStatus): string {
  return (ActivityStatus[status] ?? String(status)).replace("ACTIVITY_STATUS_", "").toLowerCase();
}

/** Statuses that take enrolments. */
export const ENROLLING_STATUSES: readonly ActivityStatus[] = Object.freeze([
  ActivityStatus.ACTIVITY_STATUS_SCHEDULED,
  ActivityStatus.ACTIVITY_STATUS_RUNNING,
]);

export function isEnrolling(status: ActivityStatus): boolean {
  return ENROLLING_STATUSES.includes(status);
}

export interface ActivityState {
  activityId: string;
  status: ActivityStatus;
  capacity: number;
  seatsTaken: number;
}

const NEXT_STATUSES: Readonly<Record<number, readonly ActivityStatus[]>> = {
  [ActivityStatus.ACTIVITY_STATUS_SCHEDULED]: [
    ActivityStatus.ACTIVITY_STATUS_RUNNING,
    ActivityStatus.ACTIVITY_STATUS_FINISHED,
    ActivityStatus.ACTIVITY_STATUS_CANCELLED,
  ],
  [ActivityStatus.ACTIVITY_STATUS_RUNNING]: [
    ActivityStatus.ACTIVITY_STATUS_FINISHED,
    ActivityStatus.ACTIVITY_STATUS_CANCELLED,
  ],
};

/**
 * Applies an update (capacity and/or status; 0 status = unchanged) to an activity. Finished and
 * cancelled activities take no updates; capacity never drops below the seats taken; an activity with
 * enrolled participants is not cancelled.
 */
export function updateActivity<T extends ActivityState>(
  state: T,
  change: { capacity?: number | undefined; status?: ActivityStatus | undefined },
): T {
  if (!isEnrolling(state.status))
    throw new ActivityClosedError(state.activityId, statusName(state.status), "it cannot be changed");
  let next = { ...state };
  if (change.capacity !== undefined && change.capacity !== state.capacity) {
    if (change.capacity < state.seatsTaken)
      throw new CapacityBelowSeatsError(change.capacity, state.seatsTaken);
    next = { ...next, capacity: change.capacity };
  }
  if (change.status && change.status !== state.status) {
    if (!(NEXT_STATUSES[state.status] ?? []).includes(change.status))
      throw new ActivityStatusChangeError(statusName(state.status), statusName(change.status));
    if (change.status === ActivityStatus.ACTIVITY_STATUS_CANCELLED && state.seatsTaken > 0)
      throw new ActivityHasParticipantsError(state.seatsTaken);
    next = { ...next, status: change.status };
  }
  return next;
}

/** The first attendance recorded starts a scheduled activity; a cancelled one records none. */
export function statusAfterAttendance(state: ActivityState): ActivityStatus {
  if (state.status === ActivityStatus.ACTIVITY_STATUS_CANCELLED)
    throw new ActivityClosedError(state.activityId, "cancelled", "no attendance can be recorded");
  return state.status === ActivityStatus.ACTIVITY_STATUS_SCHEDULED
    ? ActivityStatus.ACTIVITY_STATUS_RUNNING
    : state.status;
}
