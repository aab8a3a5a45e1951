import { StaffRole } from "@kopru/contracts/common/v1/refs";

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

/** `Supervisor`, `supervisor` and `STAFF_ROLE_SUPERVISOR` are the same role. */
export function normaliseRole(role: string | undefined): string | undefined {
  const value = role
    ?.trim()
    .toLowerCase()
    .replace(/^staff_role_/, "");
  return value ? value : undefined;
}

const STAFF_ROLES: Readonly<Record<string, StaffRole>> = Object.freeze({
  caseworker: StaffRole.STAFF_ROLE_CASEWORKER,
  supervisor: StaffRole.STAFF_ROLE_SUPERVISOR,
  coordinator: StaffRole.STAFF_ROLE_COORDINATOR,
  admin: StaffRole.STAFF_ROLE_ADMIN,
});

/** The role as the contracts' StaffRole (UNSPECIFIED for a role outside the four standard ones). */
export function staffRole(role: string | undefined): StaffRole {
  const key = normaliseRole(role);
  return (key && STAFF_ROLES[key]) || StaffRole.STAFF_ROLE_UNSPECIFIED;
}

export function hasRestrictedRole(viewer: Viewer, policy: AccessPolicy): boolean {
  const role = normaliseRole(viewer.role);
  return role !== undefined && policy.restrictedRoles.some((r) => normaliseRole(r) === role);
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
