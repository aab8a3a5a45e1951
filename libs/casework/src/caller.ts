import type { Actor } from "@kopru/contracts/common/v1/refs";
import { actorOf, type CallContext, hostedCallerOrganisation } from "@kopru/service-kit";

/** Who calls: an organisation this service hosts, and (for staff) the user id and role. */
export interface Caller {
  organisationId: string;
  actorId: string | undefined;
  role: string | undefined;
}

/**
 * The caller's organisation (metadata `kopru-organisation-id`) must be one this service hosts; the
 * staff user id and role come from `kopru-actor-id` and `kopru-role`. The same rule as the inbox.
 */
export function callerOf(
  context: Pick<CallContext, "organisationId" | "actorId" | "role">,
  hosted: readonly string[],
): Caller {
  const organisationId = hostedCallerOrganisation(context, hosted);
  return { organisationId, actorId: context.actorId, role: context.role };
}

/** The caller as stored on what they did: staff with their role (the kit's one roles table) or a partner system. */
export function actorOfCaller(caller: Caller): Actor {
  return actorOf(caller);
}
