import { type CallContext, hostedCallerOrganisation } from "@kopru/service-kit";
import type { Caller } from "../../application/ports.js";

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
