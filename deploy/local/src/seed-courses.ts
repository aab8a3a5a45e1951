import type { Api } from "@kopru/cli";
import type { Sex } from "@kopru/contracts/common/v1/disaggregation";
import { ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import type { Activity } from "@kopru/contracts/communitycentre/v1/activity";
import { EnrolmentStatus } from "@kopru/contracts/communitycentre/v1/activity";
import type { CommunityCentreServiceClient } from "@kopru/contracts/communitycentre/v1/communitycentre_service";

// Courses at the demo's community centres: the Turkish course of the Şahinbey centre takes one
// learner at a time, so it is full for most of the seed's history; referrals that arrive at a full
// course are put on the waitlist (ON_HOLD, capacity full), and coordination's directory shows the offering full or
// waitlisted. An accepted referral enrols the person at once (the seat is the course's, counted by
// the centre), and the course's end completes the referral.

/** The centre whose Turkish courses the seed keeps small, and their seats. */
export const SMALL_COURSES = {
  organisationId: "cc-gaziantep-sahinbey",
  serviceType: ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
  capacity: 1,
} as const;

export function isCommunityCentre(organisationId: string): boolean {
  return organisationId.startsWith("cc-");
}

/** Makes the small courses small (idempotent: a capacity already set, or below seats taken, stays). */
export async function shrinkCourses(centre: Api<CommunityCentreServiceClient>): Promise<number> {
  const { centres } = await centre.call("listCentres", {
    organisationIds: [SMALL_COURSES.organisationId],
    provinceCodes: [],
    page: undefined,
  });
  const { activities } = await centre.call("listActivities", {
    centreIds: centres.map((c) => c.centreId),
    kinds: [],
    serviceTypes: [SMALL_COURSES.serviceType],
    languages: [],
    withFreeSeatsOnly: false,
    statuses: [],
    page: undefined,
  });
  let shrunk = 0;
  for (const activity of activities) {
    if (activity.capacity <= SMALL_COURSES.capacity || activity.seatsTaken > SMALL_COURSES.capacity) continue;
    await centre.call("updateActivity", {
      activityId: activity.activityId,
      capacity: SMALL_COURSES.capacity,
      schedule: undefined,
      status: 0,
    });
    shrunk += 1;
  }
  return shrunk;
}

/**
 * Where a person can go at the centre for a service type: a seat in an activity they are eligible for
 * (sex, age); `full` when every such activity is full (the waitlist); `none` when no activity admits
 * them (the centre serves them outside its courses).
 */
export async function courseFor(
  centre: Api<CommunityCentreServiceClient>,
  organisationId: string,
  serviceType: ServiceType,
  person: { sex: Sex; age: number },
): Promise<{ kind: "seat"; activity: Activity } | { kind: "full" } | { kind: "none" }> {
  const { centres } = await centre.call("listCentres", {
    organisationIds: [organisationId],
    provinceCodes: [],
    page: undefined,
  });
  const { activities } = await centre.call("listActivities", {
    centreIds: centres.map((c) => c.centreId),
    kinds: [],
    serviceTypes: [serviceType],
    languages: [],
    withFreeSeatsOnly: false,
    statuses: [],
    page: undefined,
  });
  const eligible = activities.filter(
    (a) =>
      (a.sexes.length === 0 || a.sexes.includes(person.sex)) &&
      (a.minAge === undefined || person.age >= a.minAge) &&
      (a.maxAge === undefined || person.age <= a.maxAge),
  );
  if (eligible.length === 0) return { kind: "none" };
  const free = eligible.find((a) => a.seatsTaken < a.capacity);
  return free ? { kind: "seat", activity: free } : { kind: "full" };
}

export const ENDED_AS = {
  complete: EnrolmentStatus.ENROLMENT_STATUS_COMPLETED,
  notComplete: EnrolmentStatus.ENROLMENT_STATUS_DROPPED_OUT,
} as const;

/** Runs `work` for one key at a time (a course's last seat is taken by one referral only). */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
