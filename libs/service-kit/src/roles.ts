import { type Actor, ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";

/* Pure (no I/O): domain code may import it through `@kopru/service-kit/roles`. */

/**
 * The roles a staff user's token may grant (ADR 0012). Protection-restricted opens GBV and
 * child-protection sections; an ECM approver may approve assistance someone else planned.
 */
export const ROLES = Object.freeze({
  caseworker: "caseworker",
  supervisor: "supervisor",
  protectionRestricted: "protection-restricted",
  ecmApprover: "ecm-approver",
  coordinator: "coordinator",
  networkAdmin: "network-admin",
} as const);

/** `Supervisor`, `supervisor` and `STAFF_ROLE_SUPERVISOR` are the same role; so are `ecm_approver` and `ecm-approver`. */
export function normaliseRole(role: string | undefined): string | undefined {
  const value = role
    ?.trim()
    .toLowerCase()
    .replace(/^staff_role_/, "")
    .replaceAll("_", "-");
  return value ? value : undefined;
}

const STAFF_ROLES: Readonly<Record<string, StaffRole>> = Object.freeze({
  caseworker: StaffRole.STAFF_ROLE_CASEWORKER,
  supervisor: StaffRole.STAFF_ROLE_SUPERVISOR,
  coordinator: StaffRole.STAFF_ROLE_COORDINATOR,
  admin: StaffRole.STAFF_ROLE_ADMIN,
  "network-admin": StaffRole.STAFF_ROLE_ADMIN,
});

/** The first of a user's roles that the contracts' StaffRole can record (roles beyond it are rights, not titles). */
export function primaryStaffRole(roles: readonly string[]): string | undefined {
  return roles.find((role) => STAFF_ROLES[normaliseRole(role) ?? ""] !== undefined) ?? roles[0];
}

/** The role as the contracts' StaffRole (UNSPECIFIED for a role outside the four standard ones). */
export function staffRole(role: string | undefined): StaffRole {
  const key = normaliseRole(role);
  return (key && STAFF_ROLES[key]) || StaffRole.STAFF_ROLE_UNSPECIFIED;
}

/** Whether the caller's role (or any of its roles) is one of `roles`, compared as normalised roles. */
export function hasOneOfRoles(
  held: string | readonly string[] | undefined,
  roles: readonly string[],
): boolean {
  const own = (typeof held === "string" ? [held] : (held ?? [])).map(normaliseRole);
  return own.some((role) => role !== undefined && roles.some((r) => normaliseRole(r) === role));
}

/** The caller as recorded on what they wrote: staff (with their role) or a partner system. */
export function actorOf(caller: {
  organisationId: string;
  actorId?: string | undefined;
  role?: string | undefined;
}): Actor {
  const staff = caller.actorId !== undefined && caller.actorId !== "";
  return {
    kind: staff ? ActorKind.ACTOR_KIND_STAFF : ActorKind.ACTOR_KIND_PARTNER_CLIENT,
    organisationId: caller.organisationId,
    actorId: caller.actorId ?? "",
    role: staff ? staffRole(caller.role) : StaffRole.STAFF_ROLE_UNSPECIFIED,
  };
}
