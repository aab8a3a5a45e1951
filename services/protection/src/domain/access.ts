import { hasOneOfRoles } from "@kopru/service-kit/roles";

export { normaliseRole, staffRole } from "@kopru/service-kit/roles";

/** Who is looking: the staff user id and role from the call (either may be absent, e.g. a partner system). */
export interface Viewer {
  actorId?: string | undefined;
  role?: string | undefined;
}

/** The part of a case that decides who may see it. */
export interface CaseTeam {
  restricted: boolean;
  assignedCaseworkerId: string | undefined;
  authorisedUserIds: readonly string[];
}

export interface AccessPolicy {
  /** Roles (`kopru-role`) that may see every restricted case of their organisation. */
  restrictedRoles: readonly string[];
}

export function hasRestrictedRole(viewer: Viewer, policy: AccessPolicy): boolean {
  return hasOneOfRoles(viewer.role, policy.restrictedRoles);
}

/** The viewer is the case's assigned caseworker or one of its authorised users. */
export function isOnCaseTeam(team: CaseTeam, viewer: Viewer): boolean {
  const id = viewer.actorId;
  if (!id) return false;
  return team.assignedCaseworkerId === id || team.authorisedUserIds.includes(id);
}

/**
 * Anyone of the organisation may see an unrestricted case; a restricted one only staff with a
 * restricted-case role, its assigned caseworker and its authorised users. Everyone else is told
 * the case does not exist.
 */
export function canAccessCase(team: CaseTeam, viewer: Viewer, policy: AccessPolicy): boolean {
  return !team.restricted || hasRestrictedRole(viewer, policy) || isOnCaseTeam(team, viewer);
}

/**
 * Who may change a case's team: on a restricted case only a restricted-case role or the assigned
 * caseworker (an authorised user may not widen the circle); on any other case anyone who sees it.
 */
export function canChangeTeam(team: CaseTeam, viewer: Viewer, policy: AccessPolicy): boolean {
  if (!team.restricted) return true;
  if (hasRestrictedRole(viewer, policy)) return true;
  return (
    viewer.actorId !== undefined && viewer.actorId !== "" && team.assignedCaseworkerId === viewer.actorId
  );
}
