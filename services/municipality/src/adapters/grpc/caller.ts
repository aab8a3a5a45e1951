import { ActorKind, StaffRole } from "@kopru/contracts/common/v1/refs";
import { type CallContext, hostedCallerOrganisation } from "@kopru/service-kit";
import type { Caller } from "../../application/ports.js";

const ROLES: Readonly<Record<string, StaffRole>> = {
  caseworker: StaffRole.STAFF_ROLE_CASEWORKER,
  supervisor: StaffRole.STAFF_ROLE_SUPERVISOR,
  coordinator: StaffRole.STAFF_ROLE_COORDINATOR,
  admin: StaffRole.STAFF_ROLE_ADMIN,
};

/**
 * The caller from request metadata (`kopru-organisation-id`, `kopru-actor-id`, `kopru-role`), as the
 * referral inbox reads it: the organisation must be one this service hosts. A call with an actor id is
 * a staff member's; without one, the organisation's system (partner client).
 */
export function callerFrom(context: CallContext, hosted: readonly string[]): Caller {
  const organisationId = hostedCallerOrganisation(context, hosted);
  const { actorId } = context;
  return {
    organisationId,
    actorId,
    actorKind: actorId ? ActorKind.ACTOR_KIND_STAFF : ActorKind.ACTOR_KIND_PARTNER_CLIENT,
    role: actorId
      ? (ROLES[context.role?.toLowerCase() ?? ""] ?? StaffRole.STAFF_ROLE_UNSPECIFIED)
      : StaffRole.STAFF_ROLE_UNSPECIFIED,
  };
}
