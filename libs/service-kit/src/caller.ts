import type { Metadata } from "@grpc/grpc-js";
import { PermissionDeniedError } from "./errors.js";

/** Who is calling, taken from request metadata (set by the CLI, partner gateways and tests). */
export interface CallContext {
  organisationId: string | undefined;
  actorId: string | undefined;
  role: string | undefined;
  metadata: Metadata;
}

/** The caller from raw metadata (`kopru-organisation-id`, `kopru-actor-id`, `kopru-role`); empty values are absent. */
export function callContext(metadata: Metadata): CallContext {
  const first = (key: string) => {
    const value = metadata.get(key)[0];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  return {
    organisationId: first("kopru-organisation-id"),
    actorId: first("kopru-actor-id"),
    role: first("kopru-role"),
    metadata,
  };
}

/**
 * The caller's organisation, which must be given and be one this service hosts (PERMISSION_DENIED
 * otherwise). The same rule as the referral inbox.
 */
export function hostedCallerOrganisation(
  context: Pick<CallContext, "organisationId">,
  hosted: readonly string[],
): string {
  const organisationId = context.organisationId;
  if (!organisationId)
    throw new PermissionDeniedError("the caller's organisation (kopru-organisation-id) is required");
  if (!hosted.includes(organisationId))
    throw new PermissionDeniedError(`organisation ${organisationId} is not served by this service`);
  return organisationId;
}
