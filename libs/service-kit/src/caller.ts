import type { Metadata } from "@grpc/grpc-js";
import type { AuthenticatedCall, CallerKind } from "./auth.js";
import { PermissionDeniedError } from "./errors.js";
import { primaryStaffRole } from "./roles.js";

/**
 * Who is calling, from the verified access token only (ADR 0012): never from metadata the caller
 * sets. A service acting for a user calls with the user's identity; `via` names the service.
 */
export interface CallContext {
  organisationId: string | undefined;
  /** The staff user's id (`sub`); undefined for a partner system or a service. */
  actorId: string | undefined;
  /** Every role the token grants. */
  roles: readonly string[];
  /** The role recorded on what the caller writes: the first of `roles` that is a staff role. */
  role: string | undefined;
  kind: CallerKind;
  /** The token's subject and client, as audit rows record them. */
  subject: string;
  clientId: string;
  /** The client id of the service that relayed this caller's identity, if one did. */
  via: string | undefined;
  metadata: Metadata;
}

export function callContext(call: AuthenticatedCall, metadata: Metadata): CallContext {
  const { identity, via } = call;
  return {
    organisationId: identity.organisationId,
    actorId: identity.kind === "staff" ? identity.subject : undefined,
    roles: identity.roles,
    role: identity.kind === "staff" ? primaryStaffRole(identity.roles) : undefined,
    kind: identity.kind,
    subject: identity.subject,
    clientId: identity.clientId,
    via: via?.clientId,
    metadata,
  };
}

/**
 * The caller's organisation, which the token must name and which must be one this service hosts
 * (PERMISSION_DENIED otherwise). The same rule as the referral inbox.
 */
export function hostedCallerOrganisation(
  context: Pick<CallContext, "organisationId">,
  hosted: readonly string[],
): string {
  const organisationId = context.organisationId;
  if (!organisationId) throw new PermissionDeniedError("the caller's token names no organisation");
  if (!hosted.includes(organisationId))
    throw new PermissionDeniedError(`organisation ${organisationId} is not served by this service`);
  return organisationId;
}
