/**
 * Who may do what in coordination. Directory writes: coordinators for every organisation, an
 * organisation's own admins for its own entries. Tracking: coordinators see the whole network;
 * anyone else sees only referrals their organisation sent or received.
 */
export interface Access {
  organisationId: string;
  coordinator: boolean;
  admin: boolean;
}

/** `kopru-role` values, as the StaffRole names without prefix: "coordinator", "admin" (any case). */
export function parseRole(role: string | undefined): { coordinator: boolean; admin: boolean } {
  const normalised = (role ?? "")
    .trim()
    .toLowerCase()
    .replace(/^staff_role_/, "");
  return { coordinator: normalised === "coordinator", admin: normalised === "admin" };
}

/** Whether the caller may create or change directory entries of `organisationId`. */
export function mayManageDirectoryOf(access: Access, organisationId: string): boolean {
  return access.coordinator || (access.admin && access.organisationId === organisationId);
}

/** The organisation a tracking query is limited to, or undefined for the whole network. */
export function trackingScope(access: Access): string | undefined {
  return access.coordinator ? undefined : access.organisationId;
}
