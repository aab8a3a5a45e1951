import { type Actor, ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";

/* Pure (no I/O): domain code may import it through `@kopru/service-kit/roles`. */

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

/** Whether `role` is one of `roles`, compared as normalised roles. */
export function hasOneOfRoles(role: string | undefined, roles: readonly string[]): boolean {
  const own = normaliseRole(role);
  return own !== undefined && roles.some((r) => normaliseRole(r) === own);
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
