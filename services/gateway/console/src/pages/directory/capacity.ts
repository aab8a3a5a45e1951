import { CAPACITY_STATUSES, type CapacityStatus, type ServiceOffering } from "./directory-data.js";

/** Who may change an offering's capacity, as coordination decides it (the console only hides what would be refused). */
export function mayManageOffering(
  session: { organisationId: string; roles: readonly string[] },
  offering: Pick<ServiceOffering, "organisationId">,
): boolean {
  const roles = new Set(session.roles);
  if (roles.has("coordinator") || roles.has("network-admin")) return true;
  return roles.has("supervisor") && offering.organisationId === session.organisationId;
}

/** Whether the offering counts its places: then its free places decide its status. */
export function countsPlaces(offering: Pick<ServiceOffering, "totalPlaces">): boolean {
  return offering.totalPlaces !== undefined && offering.totalPlaces !== null;
}

/**
 * The statuses a person may set by hand, other than the current one. An offering that counts its
 * places can only be suspended, or resumed (sent as AVAILABLE: coordination then takes the status
 * from the free places).
 */
export function capacityChoices(
  offering: Pick<ServiceOffering, "capacityStatus" | "totalPlaces">,
): CapacityStatus[] {
  const current = offering.capacityStatus;
  if (countsPlaces(offering)) {
    return current === "CAPACITY_STATUS_SUSPENDED"
      ? ["CAPACITY_STATUS_AVAILABLE"]
      : ["CAPACITY_STATUS_SUSPENDED"];
  }
  return CAPACITY_STATUSES.filter((status) => status !== current);
}

/** Free places of an offering that counts them, for "free of total". */
export function places(
  offering: Pick<ServiceOffering, "totalPlaces" | "freePlaces">,
): { free: number; total: number } | undefined {
  if (!countsPlaces(offering)) return undefined;
  return { free: offering.freePlaces ?? 0, total: offering.totalPlaces ?? 0 };
}

/** Capacity statuses that still take new referrals (the others receive none). */
export function takesReferrals(status: CapacityStatus | undefined): boolean {
  return (
    status === "CAPACITY_STATUS_AVAILABLE" ||
    status === "CAPACITY_STATUS_LIMITED" ||
    status === "CAPACITY_STATUS_WAITLIST"
  );
}
