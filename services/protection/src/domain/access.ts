import { hasOneOfRoles } from "@kopru/service-kit/roles";

export { normaliseRole, staffRole } from "@kopru/service-kit/roles";

/**
 * Who is looking: the staff user id and every role of the caller's token (either may be absent, e.g.
 * a partner system). The organisation was checked before: only cases of the caller's own
 * organisation are ever looked at.
 */
export interface Viewer {
  actorId?: string | undefined;
  roles?: readonly string[] | undefined;
}

/** The part of a case that decides who may see it. */
export interface CaseTeam {
  restricted: boolean;
  assignedCaseworkerId: string | undefined;
  authorisedUserIds: readonly string[];
}

export interface AccessPolicy {
  /** Roles that open every restricted case of the organisation (default `protection-restricted`). */
  restrictedRoles: readonly string[];
}

/**
 * A named staff user holding a restricted-case role. A partner system holds no roles, and a token
 * without a user never opens GBV or child-protection data, whatever it claims.
 */
export function hasRestrictedRole(viewer: Viewer, policy: AccessPolicy): boolean {
  if (!viewer.actorId) return false;
  return hasOneOfRoles(viewer.roles ?? [], policy.restrictedRoles);
}

/**
 * Who may read and record a case's risk assessments, safety plans and risk level: a staff user with a
 * restricted-case role, and no one else (not the case's own caseworker or authorised users). Seeing
 * the case is a wider circle than seeing what threatens the person; everyone else gets the case
 * without those parts.
 */
export function maySeeRiskAndSafety(viewer: Viewer, policy: AccessPolicy): boolean {
  return hasRestrictedRole(viewer, policy);
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
