import type { Metadata } from "@grpc/grpc-js";
import { type CallContext, PermissionDeniedError } from "@kopru/service-kit";
import type { Caller } from "../../application/ports.js";

/**
 * The caller's organisation (metadata `kopru-organisation-id`) must be one this service hosts; the
 * staff user id and role come from `kopru-actor-id` and `kopru-role`. The same rule as the inbox.
 */
export function callerOf(
  context: Pick<CallContext, "organisationId" | "actorId" | "role">,
  hosted: readonly string[],
): Caller {
  const organisationId = context.organisationId;
  if (!organisationId)
    throw new PermissionDeniedError("the caller's organisation (kopru-organisation-id) is required");
  if (!hosted.includes(organisationId))
    throw new PermissionDeniedError(`organisation ${organisationId} is not served by this service`);
  return { organisationId, actorId: context.actorId, role: context.role };
}

/** The call context from raw metadata, for handlers that wrap another binding's handler. */
export function contextOf(metadata: Metadata): Pick<CallContext, "organisationId" | "actorId" | "role"> {
  const first = (key: string) => {
    const value = metadata.get(key)[0];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  return {
    organisationId: first("kopru-organisation-id"),
    actorId: first("kopru-actor-id"),
    role: first("kopru-role"),
  };
}
