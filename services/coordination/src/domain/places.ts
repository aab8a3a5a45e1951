import { ReferralStatus } from "@kopru/contracts/common/v1/vocabulary";
import { CapacityStatus } from "@kopru/contracts/coordination/v1/directory";

/* Live capacity, pure: which status changes take or free a place, and the capacity status free places
   give. No I/O. */

/** Statuses in which a referral holds a place of its offering: accepted, or started. */
export function holdsPlace(status: ReferralStatus): boolean {
  return (
    status === ReferralStatus.REFERRAL_STATUS_ACCEPTED ||
    status === ReferralStatus.REFERRAL_STATUS_IN_PROGRESS
  );
}

/** +1 when a transition takes a place (acceptance), -1 when it frees one (the referral ended), else 0. */
export function placeDelta(from: ReferralStatus, to: ReferralStatus): -1 | 0 | 1 {
  if (holdsPlace(to) && !holdsPlace(from)) return 1;
  if (!holdsPlace(to) && holdsPlace(from)) return -1;
  return 0;
}

/** An offering's places now: how many it has and how many are free. */
export interface Places {
  total: number;
  free: number;
}

/**
 * The places of an offering: the seats of its organisation's activities of that service type when it
 * has any (a course seat is taken by an enrolment), otherwise the total the coordinator set minus the
 * referrals holding a place; none when neither is known (capacity then stays a manual status).
 */
export function placesOf(input: {
  totalPlaces: number | undefined;
  placesTaken: number;
  seats: { capacity: number; seatsTaken: number } | undefined;
}): Places | undefined {
  if (input.seats) {
    return {
      total: input.seats.capacity,
      free: Math.max(0, input.seats.capacity - input.seats.seatsTaken),
    };
  }
  if (input.totalPlaces === undefined) return undefined;
  return { total: input.totalPlaces, free: Math.max(0, input.totalPlaces - input.placesTaken) };
}

/**
 * The capacity status free places give: none free → WAITLIST when the offering keeps one, else FULL; at
 * most a tenth free → LIMITED; otherwise AVAILABLE. SUSPENDED (set by hand) stays; without counted
 * places the status is the one set by hand.
 */
export function capacityFromPlaces(
  current: CapacityStatus,
  places: Places | undefined,
  waitlist: boolean,
): CapacityStatus {
  if (!places || current === CapacityStatus.CAPACITY_STATUS_SUSPENDED) return current;
  if (places.free <= 0)
    return waitlist ? CapacityStatus.CAPACITY_STATUS_WAITLIST : CapacityStatus.CAPACITY_STATUS_FULL;
  if (places.free * 10 <= places.total) return CapacityStatus.CAPACITY_STATUS_LIMITED;
  return CapacityStatus.CAPACITY_STATUS_AVAILABLE;
}
