import { hasOneOfRoles, ROLES } from "@kopru/service-kit/roles";

/**
 * Who may do what in coordination, from the roles of the caller's token (ADR 0012):
 * - `coordinator`: the whole network. Tracking of every referral, directory entries of every
 *   organisation (adding organisations included), re-route requests.
 * - `network-admin`: directory maintenance for every organisation (adding and correcting
 *   entries), but tracking only of its own organisation's referrals.
 * - `supervisor`: its own organisation's directory entries (the organisation and its offerings).
 * - anyone else with an organisation (caseworkers, partner systems): reads the directory and
 *   tracks the referrals its organisation sent or received.
 */
export interface Access {
  organisationId: string;
  coordinator: boolean;
  networkAdmin: boolean;
  supervisor: boolean;
}

/**
 * The access a caller of `organisationId` holding `roles` has; roles are compared normalised. Roles
 * are a staff user's: a partner system's or a service's token grants none here, whatever it lists.
 */
export function accessFor(
  organisationId: string,
  held: readonly string[],
  kind: "staff" | "partner-system" | "service" = "staff",
): Access {
  const roles = kind === "staff" ? held : [];
  return {
    organisationId,
    coordinator: hasOneOfRoles(roles, [ROLES.coordinator]),
    networkAdmin: hasOneOfRoles(roles, [ROLES.networkAdmin]),
    supervisor: hasOneOfRoles(roles, [ROLES.supervisor]),
  };
}

/** Whether the caller may add an organisation the directory does not hold yet. */
export function mayAddOrganisations(access: Access): boolean {
  return access.coordinator || access.networkAdmin;
}

/** Whether the caller may create or change directory entries of `organisationId`. */
export function mayManageDirectoryOf(access: Access, organisationId: string): boolean {
  if (access.coordinator || access.networkAdmin) return true;
  return access.supervisor && access.organisationId === organisationId;
}

/** The organisation a tracking query is limited to, or undefined for the whole network. */
export function trackingScope(access: Access): string | undefined {
  return access.coordinator ? undefined : access.organisationId;
}

/** Whether the caller may ask a referrer to re-route: a network-wide decision, coordinators only. */
export function mayRequestReRoute(access: Access): boolean {
  return access.coordinator;
}
