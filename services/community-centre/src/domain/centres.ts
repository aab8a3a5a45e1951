import { type KnownSite, type SiteProfile, siteDirectory } from "@kopru/casework/domain";
import { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { ActivityKind, Weekday } from "@kopru/contracts/communitycentre/v1/activity";
import { type ActivityDraft, DEFAULT_TIME_ZONE } from "./activity.js";

/** A community centre run by a hosted organisation (casework's site). No personal data. */
export type CentreProfile = SiteProfile;

const centres = siteDirectory(
  {
    "cc-gaziantep-sahinbey": {
      name: "Şahinbey Community Centre",
      provinceCode: "TUR027",
      provinceName: "Gaziantep",
      districtCode: "",
      districtName: "Şahinbey",
      languages: ["tr", "ar"],
    },
    "cc-sanliurfa-haliliye": {
      name: "Haliliye Community Centre",
      provinceCode: "TUR063",
      provinceName: "Şanlıurfa",
      districtCode: "",
      districtName: "Haliliye",
      languages: ["tr", "ar", "ku"],
    },
  } satisfies Record<string, KnownSite>,
  (organisationId) => ({ name: `Community centre ${organisationId}`, languages: ["tr", "ar"] }),
);

export const KNOWN_CENTRES = centres.known;
export const DEFAULT_HOSTED_CENTRES = centres.ids;

/**
 * The centre of a hosted organisation: the known one whose id it is, or starts with followed by a
 * hyphen (test and demo runs suffix ids); otherwise a bare centre named after the id, with no location.
 */
export const centreProfile: (organisationId: string) => CentreProfile = centres.profileOf;

/** A demo activity with a stable key, so seeding it again finds the one already there. */
export interface DemoActivity extends ActivityDraft {
  key: string;
}

const ISTANBUL_OFFSET_HOURS = 3; // Türkiye keeps UTC+3 all year.

/** The next `weekday` (1 = Monday) strictly after `now`'s date, at `hh:mm` Istanbul time. */
export function nextSession(now: Date, weekday: Weekday, hhmm: string): Date {
  const [hh, mm] = hhmm.split(":").map(Number) as [number, number];
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const isoToday = ((day.getUTCDay() + 6) % 7) + 1;
  const ahead = (weekday - isoToday + 7) % 7 || 7;
  day.setUTCDate(day.getUTCDate() + ahead);
  day.setUTCHours(hh - ISTANBUL_OFFSET_HOURS, mm, 0, 0);
  return day;
}

function course(
  now: Date,
  input: Omit<DemoActivity, "schedule" | "level" | "minAge" | "maxAge" | "sexes"> & {
    level?: string;
    minAge?: number;
    maxAge?: number;
    sexes?: Sex[];
    days: Weekday[];
    startTime: string;
    sessionMinutes: number;
    totalSessions: number;
  },
): DemoActivity {
  const first = nextSession(now, input.days[0] as Weekday, input.startTime);
  return {
    key: input.key,
    title: input.title,
    kind: input.kind,
    serviceType: input.serviceType,
    language: input.language,
    level: input.level,
    capacity: input.capacity,
    minAge: input.minAge,
    maxAge: input.maxAge,
    sexes: input.sexes ?? [],
    schedule: {
      firstSessionAt: first,
      lastSessionAt: undefined,
      days: input.days,
      startTime: input.startTime,
      sessionMinutes: input.sessionMinutes,
      timeZone: DEFAULT_TIME_ZONE,
      totalSessions: input.totalSessions,
    },
  };
}

/**
 * Two or three demo activities per centre, so the network has something to enrol into. Seeded once
 * (by key); staff changes to them are kept.
 */
export function demoActivities(organisationId: string, now: Date): DemoActivity[] {
  const {
    WEEKDAY_MONDAY: MONDAY,
    WEEKDAY_TUESDAY: TUESDAY,
    WEEKDAY_WEDNESDAY: WEDNESDAY,
    WEEKDAY_THURSDAY: THURSDAY,
    WEEKDAY_FRIDAY: FRIDAY,
    WEEKDAY_SATURDAY: SATURDAY,
  } = Weekday;
  const turkish = course(now, {
    key: "turkish-a1",
    title: "Turkish A1",
    kind: ActivityKind.ACTIVITY_KIND_LANGUAGE_COURSE,
    serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
    language: "tr",
    level: "A1",
    capacity: 20,
    minAge: 16,
    days: [MONDAY, WEDNESDAY],
    startTime: "10:00",
    sessionMinutes: 90,
    totalSessions: 24,
  });
  if (centres.knownIdOf(organisationId) === "cc-sanliurfa-haliliye") {
    return [
      { ...turkish, key: "turkish-a1-women", title: "Turkish A1 (women's group)", sexes: [Sex.SEX_FEMALE] },
      course(now, {
        key: "computer-skills",
        title: "Basic computer skills",
        kind: ActivityKind.ACTIVITY_KIND_SKILLS_TRAINING,
        serviceType: ServiceType.SERVICE_TYPE_VOCATIONAL_TRAINING,
        language: "ar",
        capacity: 12,
        minAge: 16,
        days: [TUESDAY, THURSDAY],
        startTime: "14:00",
        sessionMinutes: 120,
        totalSessions: 16,
      }),
      course(now, {
        key: "children-arts-sports",
        title: "Children's arts and sports",
        kind: ActivityKind.ACTIVITY_KIND_RECREATIONAL,
        serviceType: ServiceType.SERVICE_TYPE_COMMUNITY_ACTIVITIES,
        language: "ar",
        capacity: 25,
        minAge: 6,
        maxAge: 12,
        days: [SATURDAY],
        startTime: "10:00",
        sessionMinutes: 90,
        totalSessions: 10,
      }),
    ];
  }
  return [
    turkish,
    course(now, {
      key: "garment-production",
      title: "Garment production skills",
      kind: ActivityKind.ACTIVITY_KIND_SKILLS_TRAINING,
      serviceType: ServiceType.SERVICE_TYPE_VOCATIONAL_TRAINING,
      language: "ar",
      capacity: 15,
      minAge: 18,
      days: [TUESDAY, THURSDAY],
      startTime: "13:00",
      sessionMinutes: 120,
      totalSessions: 20,
    }),
    course(now, {
      key: "women-psychosocial-group",
      title: "Women's psychosocial support group",
      kind: ActivityKind.ACTIVITY_KIND_PSYCHOSOCIAL,
      serviceType: ServiceType.SERVICE_TYPE_COMMUNITY_ACTIVITIES,
      language: "ar",
      capacity: 12,
      minAge: 18,
      sexes: [Sex.SEX_FEMALE],
      days: [FRIDAY],
      startTime: "10:00",
      sessionMinutes: 90,
      totalSessions: 8,
    }),
  ];
}
